using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Text;
using TypedModels.SeedModel;

namespace TypedModels.Benchmarks;

/// <summary>
/// Issue 19's fixtures of realistic shapes (<c>models/fixtures/</c>: keyword-spotting heads, a Conv1D audio front-end, a
/// MobileNet-style classifier, an LSTM over 64 steps), compiled against ONNX Runtime with default session options
/// (its default threads), batch by batch, interleaved in one process; the bytes each compiled call allocates; and the
/// machine's limits measured in the same run (the FMA peak of one core and the rate of streaming each fixture's
/// weights), so the table says how close to the hardware each fixture runs.
/// </summary>
internal static class Fixtures
{
    /// <summary>A layer with weights: its float weights (biases and folded statistics included) and multiply-adds per row.</summary>
    public sealed record Layer(string Name, long Weights, long MultiplyAdds);

    /// <summary>A fixture: its file, its shape in words, its input floats per row and its layers.</summary>
    public sealed record Spec(string Name, string Shape, int InputPerRow, Layer[] Layers, Func<Pair> Open)
    {
        public long Weights => Layers.Sum(l => l.Weights);

        public long MultiplyAddsPerRow => Layers.Sum(l => l.MultiplyAdds);
    }

    /// <summary>Both clients of one fixture, each called with a whole batch; <c>Last</c> returns the last output value, <c>All</c> every output.</summary>
    public sealed class Pair(Func<float[], float> compiledLast, Func<float[], float> onnxLast, Func<float[], float[]> compiledAll, Func<float[], float[]> onnxAll, params IDisposable[] owned) : IDisposable
    {
        public Func<float[], float> CompiledLast { get; } = compiledLast;
        public Func<float[], float> OnnxLast { get; } = onnxLast;
        public Func<float[], float[]> CompiledAll { get; } = compiledAll;
        public Func<float[], float[]> OnnxAll { get; } = onnxAll;

        public void Dispose()
        {
            foreach (var o in owned)
                o.Dispose();
        }
    }

    /// <summary>One fixture at one batch: medians of the interleaved blocks, nanoseconds per call.</summary>
    public sealed record Cell(int Batch, double CompiledNs, double OnnxNs, int Rounds);

    public sealed record FixtureResult(Spec Spec, List<Cell> Cells, double BytesPerCall, double StreamGBs, double MaxDifference);

    public sealed record Report(List<FixtureResult> Fixtures, List<double> PeakSamples, string VectorWidth, string Chip)
    {
        public double PeakGflops => Median(PeakSamples);
    }

    private static readonly TypedModelOptions Cpu = new() { ExecutionProvider = ExecutionProviderPreference.Cpu };

    private static Layer Dense(string name, long inputs, long outputs) => new(name, inputs * outputs + outputs, inputs * outputs);

    // Conv: kernel · cin / group · cout multiply-adds per output position; weights kernel · cin / group · cout + cout.
    private static Layer Conv(string name, long kernel, long cinPerGroup, long cout, long positions) =>
        new(name, kernel * cinPerGroup * cout + cout, kernel * cinPerGroup * cout * positions);

    public static Spec[] All { get; } =
    [
        new("kws_small", "[16, 96] → Flatten → 1536 → 16 → 16 → 1, Sigmoid", 1536,
            [Dense("fc1", 1536, 16), Dense("fc2", 16, 16), Dense("fc3", 16, 1)],
            () =>
            {
                var c = new CompiledKwsSmallModel();
                var o = new KwsSmallModel(Cpu);
                return new Pair(x => c.Predict(x).Y.Span[^1], x => o.Predict(x).Y.Span[^1], x => c.Predict(x).Y.ToArray(), x => o.Predict(x).Y.ToArray(), c, o);
            }),
        new("kws", "[16, 96] → Flatten → 1536 → 128 → 128 → 1, Sigmoid", 1536,
            [Dense("fc1", 1536, 128), Dense("fc2", 128, 128), Dense("fc3", 128, 1)],
            () =>
            {
                var c = new CompiledKwsModel();
                var o = new KwsModel(Cpu);
                return new Pair(x => c.Predict(x).Y.Span[^1], x => o.Predict(x).Y.Span[^1], x => c.Predict(x).Y.ToArray(), x => o.Predict(x).Y.ToArray(), c, o);
            }),
        new("kws7", "[34, 96] → Flatten → 3264 → 128 → 128 → 7, Softmax", 3264,
            [Dense("fc1", 3264, 128), Dense("fc2", 128, 128), Dense("fc3", 128, 7)],
            () =>
            {
                var c = new CompiledKws7Model();
                var o = new Kws7Model(Cpu);
                return new Pair(x => c.Predict(x).Y.Span[^1], x => o.Predict(x).Y.Span[^1], x => c.Predict(x).Y.ToArray(), x => o.Predict(x).Y.ToArray(), c, o);
            }),
        new("frontend", "[1, 1280] samples → Conv1D 1→16 k64 s16 → Relu → Conv1D 16→32 k3 → Relu → GlobalAveragePool", 1280,
            [Conv("conv1", 64, 1, 16, 77), Conv("conv2", 3, 16, 32, 75)],
            () =>
            {
                var c = new CompiledFrontEndModel();
                var o = new FrontEndModel(Cpu);
                return new Pair(x => c.Predict(x).Features.Span[^1], x => o.Predict(x).Features.Span[^1], x => c.Predict(x).Features.ToArray(), x => o.Predict(x).Features.ToArray(), c, o);
            }),
        new("mobile", "[3, 48, 192] → Conv 3→8 s2 + BN + HardSwish → 3 × (depthwise 3×3 + pointwise) → GAP → Gemm 64→10", 3 * 48 * 192,
            [
                Conv("stem", 9, 3, 8, 24 * 96) with { Weights = 9 * 3 * 8 + 8 + 4 * 8 }, // + BatchNormalization's four vectors
                Conv("dw1", 9, 1, 8, 24 * 96), Conv("pw1", 1, 8, 16, 24 * 96),
                Conv("dw2", 9, 1, 16, 12 * 48), Conv("pw2", 1, 16, 32, 12 * 48),
                Conv("dw3", 9, 1, 32, 6 * 24), Conv("pw3", 1, 32, 64, 6 * 24),
                Dense("fc", 64, 10),
            ],
            () =>
            {
                var c = new CompiledMobileModel();
                var o = new MobileModel(Cpu);
                return new Pair(x => c.Predict(x).Probs.Span[^1], x => o.Predict(x).Probs.Span[^1], x => c.Predict(x).Probs.ToArray(), x => o.Predict(x).Probs.ToArray(), c, o);
            }),
        new("lstm64", "[64 steps, 40] → LSTM 64 → last step → Gemm 64→10 → Softmax", 64 * 40,
            // LSTM: 4 gates · hidden · (input + hidden) per step; weights W, R and both biases.
            [new("lstm", 4 * 64 * (40 + 64) + 8 * 64, 4L * 64 * (40 + 64) * 64), Dense("fc", 64, 10)],
            () =>
            {
                var c = new CompiledLstm64Model();
                var o = new Lstm64Model(Cpu);
                return new Pair(x => c.Predict(x).Probs.Span[^1], x => o.Predict(x).Probs.Span[^1], x => c.Predict(x).Probs.ToArray(), x => o.Predict(x).Probs.ToArray(), c, o);
            }),
    ];

    /// <summary>
    /// Every fixture at every batch: the two clients alternate in blocks of about <c>block</c> of calls for
    /// <paramref name="perCell"/> (at least three rounds), after a warm-up; the FMA peak is measured before each
    /// fixture, so its samples span the run. <paramref name="only"/> names the fixtures to measure (all when empty).
    /// </summary>
    public static Report Measure(int[] batches, TimeSpan perCell, TextWriter? log = null, bool quick = false, IReadOnlyCollection<string>? only = null)
    {
        var peaks = new List<double>();
        var results = new List<FixtureResult>();
        foreach (var spec in All)
        {
            if (only is { Count: > 0 } && !only.Contains(spec.Name))
                continue;
            CheckWeights(spec);
            peaks.Add(FmaPeakGflops(TimeSpan.FromMilliseconds(Math.Min(200, perCell.TotalMilliseconds))));
            double stream = StreamGBs(spec.Weights, TimeSpan.FromMilliseconds(Math.Min(300, perCell.TotalMilliseconds)));
            using var pair = spec.Open();
            var cells = new List<Cell>();
            double bytes = 0, difference = 0;
            foreach (int batch in batches)
            {
                float[] x = Input(spec, batch);
                if (batch == batches[0])
                {
                    difference = MaxDifference(pair.CompiledAll(x), pair.OnnxAll(x));
                    bytes = BytesPerCall(pair.CompiledLast, x, quick ? 3 : 200);
                }
                cells.Add(Interleave(batch, () => pair.CompiledLast(x), () => pair.OnnxLast(x), perCell, quick ? 2 : 30));
                log?.WriteLine($"  {spec.Name} batch {batch}: compiled {Ns(cells[^1].CompiledNs)}, ONNX Runtime {Ns(cells[^1].OnnxNs)}");
            }
            results.Add(new FixtureResult(spec, cells, bytes, stream, difference));
        }
        peaks.Add(FmaPeakGflops(TimeSpan.FromMilliseconds(Math.Min(200, perCell.TotalMilliseconds))));
        return new Report(results, peaks, VectorWidth, Chip());
    }

    /// <summary>The weights a spec counts are the fixture's float initializers, as the model writer writes them.</summary>
    private static void CheckWeights(Spec spec)
    {
        long written = FixtureModels.All[spec.Name + ".onnx"].Graph.Initializer.Where(t => t.DataType == 1).Sum(t => (long)t.FloatData.Count);
        if (written != spec.Weights)
            throw new InvalidOperationException($"{spec.Name}: the benchmark counts {spec.Weights} weights, the fixture has {written}");
    }

    private static float[] Input(Spec spec, int batch)
    {
        var random = new Random(batch);
        var x = new float[batch * spec.InputPerRow];
        for (int i = 0; i < x.Length; i++)
            x[i] = (float)(random.NextDouble() * 2 - 1);
        return x;
    }

    private static double MaxDifference(float[] a, float[] b)
    {
        if (a.Length != b.Length)
            throw new InvalidOperationException($"the compiled client wrote {a.Length} values, ONNX Runtime {b.Length}");
        double max = 0;
        for (int i = 0; i < a.Length; i++)
            max = Math.Max(max, Math.Abs(a[i] - b[i]));
        return max;
    }

    /// <summary>
    /// Managed bytes the compiled client allocates per call on this thread: <paramref name="calls"/> calls counted after a warm-up,
    /// three times, the least of the three (a one-off allocation inside the runtime, such as tiered compilation
    /// installing a method, is not the call's).
    /// </summary>
    private static double BytesPerCall(Func<float[], float> compiled, float[] x, int calls)
    {
        float sink = 0;
        for (int i = 0; i < calls / 4 + 1; i++)
            sink += compiled(x);
        long least = long.MaxValue;
        for (int repeat = 0; repeat < 3; repeat++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < calls; i++)
                sink += compiled(x);
            least = Math.Min(least, GC.GetAllocatedBytesForCurrentThread() - before);
        }
        GC.KeepAlive(sink);
        return least / (double)calls;
    }

    /// <summary>
    /// The two paths alternate in blocks of about 200 µs each (at least one call) until <paramref name="budget"/> has
    /// passed and at least three rounds ran; each block's time per call is a sample, and the median of a path's samples
    /// is its time. A warm-up of at least <paramref name="warmCalls"/> calls (30 past tiered compilation's threshold) and
    /// 0.3 s comes first.
    /// </summary>
    private static Cell Interleave(int batch, Func<float> compiled, Func<float> onnx, TimeSpan budget, int warmCalls)
    {
        Func<float>[] paths = [compiled, onnx];
        var perCall = paths.Select(p => Calibrate(p, Math.Max(warmCalls, 2) * 7)).ToArray();
        var block = perCall.Select(t => (int)Math.Clamp(200_000 / Math.Max(t, 1), 1, 1_000_000)).ToArray();
        var warm = Stopwatch.StartNew();
        int warmed = 0;
        while (warm.Elapsed < TimeSpan.FromMilliseconds(Math.Min(300, budget.TotalMilliseconds)) || warmed < warmCalls)
        {
            for (int p = 0; p < paths.Length; p++)
                CompiledBackend.Time(paths[p], block[p]);
            warmed += block.Min();
        }
        var samples = paths.Select(_ => new List<double>()).ToArray();
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < budget || samples[0].Count < Math.Min(3, warmCalls))
        {
            for (int p = 0; p < paths.Length; p++)
                samples[p].Add(CompiledBackend.Time(paths[p], block[p]) / block[p]);
        }
        return new Cell(batch, Median(samples[0]), Median(samples[1]), samples[0].Count);
    }

    /// <summary>Nanoseconds per call, roughly: calls until 20 ms or 200 calls, so a slow path is not called 200 times to learn it is slow.</summary>
    private static double Calibrate(Func<float> path, int most)
    {
        path();
        int calls = 0;
        float sink = 0;
        long start = Stopwatch.GetTimestamp();
        while (calls < most && Stopwatch.GetElapsedTime(start) < TimeSpan.FromMilliseconds(20))
        {
            sink += path();
            calls++;
        }
        GC.KeepAlive(sink);
        return Stopwatch.GetElapsedTime(start).TotalNanoseconds / calls;
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.OrderBy(v => v).ToArray();
        return sorted.Length == 0 ? double.NaN : sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private static string VectorWidth => Vector512.IsHardwareAccelerated ? "Vector512" : Vector256.IsHardwareAccelerated ? "Vector256" : "Vector128";

    /// <summary>
    /// One core's FMA peak in GFLOP/s: twelve independent chains of fused multiply-adds at the widest accelerated width
    /// (an FMA is two floating-point operations per lane), timed in blocks; the best block, as a peak is.
    /// </summary>
    public static double FmaPeakGflops(TimeSpan budget)
    {
        const int Iterations = 20_000;
        double best = 0;
        var clock = Stopwatch.StartNew();
        float m = 0.999f, a = 1e-7f;
        int lanes = Vector512.IsHardwareAccelerated ? 16 : Vector256.IsHardwareAccelerated ? 8 : 4;
        do
        {
            long start = Stopwatch.GetTimestamp();
            float sink = Vector512.IsHardwareAccelerated ? Fma512(m, a, Iterations) : Vector256.IsHardwareAccelerated ? Fma256(m, a, Iterations) : Fma128(m, a, Iterations);
            double ns = Stopwatch.GetElapsedTime(start).TotalNanoseconds;
            GC.KeepAlive(sink);
            best = Math.Max(best, 2.0 * lanes * 12 * Iterations / ns);
        }
        while (clock.Elapsed < budget);
        return best;
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static float Fma512(float multiplier, float addend, int iterations)
    {
        var m = Vector512.Create(multiplier);
        var c = Vector512.Create(addend);
        Vector512<float> a0 = c, a1 = c * 2, a2 = c * 3, a3 = c * 4, a4 = c * 5, a5 = c * 6, a6 = c * 7, a7 = c * 8, a8 = c * 9, a9 = c * 10, a10 = c * 11, a11 = c * 12;
        for (int i = 0; i < iterations; i++)
        {
            a0 = Vector512.FusedMultiplyAdd(a0, m, c); a1 = Vector512.FusedMultiplyAdd(a1, m, c); a2 = Vector512.FusedMultiplyAdd(a2, m, c);
            a3 = Vector512.FusedMultiplyAdd(a3, m, c); a4 = Vector512.FusedMultiplyAdd(a4, m, c); a5 = Vector512.FusedMultiplyAdd(a5, m, c);
            a6 = Vector512.FusedMultiplyAdd(a6, m, c); a7 = Vector512.FusedMultiplyAdd(a7, m, c); a8 = Vector512.FusedMultiplyAdd(a8, m, c);
            a9 = Vector512.FusedMultiplyAdd(a9, m, c); a10 = Vector512.FusedMultiplyAdd(a10, m, c); a11 = Vector512.FusedMultiplyAdd(a11, m, c);
        }
        return Vector512.Sum(a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11);
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static float Fma256(float multiplier, float addend, int iterations)
    {
        var m = Vector256.Create(multiplier);
        var c = Vector256.Create(addend);
        Vector256<float> a0 = c, a1 = c * 2, a2 = c * 3, a3 = c * 4, a4 = c * 5, a5 = c * 6, a6 = c * 7, a7 = c * 8, a8 = c * 9, a9 = c * 10, a10 = c * 11, a11 = c * 12;
        for (int i = 0; i < iterations; i++)
        {
            a0 = Vector256.FusedMultiplyAdd(a0, m, c); a1 = Vector256.FusedMultiplyAdd(a1, m, c); a2 = Vector256.FusedMultiplyAdd(a2, m, c);
            a3 = Vector256.FusedMultiplyAdd(a3, m, c); a4 = Vector256.FusedMultiplyAdd(a4, m, c); a5 = Vector256.FusedMultiplyAdd(a5, m, c);
            a6 = Vector256.FusedMultiplyAdd(a6, m, c); a7 = Vector256.FusedMultiplyAdd(a7, m, c); a8 = Vector256.FusedMultiplyAdd(a8, m, c);
            a9 = Vector256.FusedMultiplyAdd(a9, m, c); a10 = Vector256.FusedMultiplyAdd(a10, m, c); a11 = Vector256.FusedMultiplyAdd(a11, m, c);
        }
        return Vector256.Sum(a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11);
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static float Fma128(float multiplier, float addend, int iterations)
    {
        var m = Vector128.Create(multiplier);
        var c = Vector128.Create(addend);
        Vector128<float> a0 = c, a1 = c * 2, a2 = c * 3, a3 = c * 4, a4 = c * 5, a5 = c * 6, a6 = c * 7, a7 = c * 8, a8 = c * 9, a9 = c * 10, a10 = c * 11, a11 = c * 12;
        for (int i = 0; i < iterations; i++)
        {
            a0 = Vector128.FusedMultiplyAdd(a0, m, c); a1 = Vector128.FusedMultiplyAdd(a1, m, c); a2 = Vector128.FusedMultiplyAdd(a2, m, c);
            a3 = Vector128.FusedMultiplyAdd(a3, m, c); a4 = Vector128.FusedMultiplyAdd(a4, m, c); a5 = Vector128.FusedMultiplyAdd(a5, m, c);
            a6 = Vector128.FusedMultiplyAdd(a6, m, c); a7 = Vector128.FusedMultiplyAdd(a7, m, c); a8 = Vector128.FusedMultiplyAdd(a8, m, c);
            a9 = Vector128.FusedMultiplyAdd(a9, m, c); a10 = Vector128.FusedMultiplyAdd(a10, m, c); a11 = Vector128.FusedMultiplyAdd(a11, m, c);
        }
        return Vector128.Sum(a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11);
    }

    /// <summary>
    /// GB/s of reading a float array of <paramref name="floats"/> values (a fixture's weights), summed at the widest
    /// accelerated width with four accumulators, pass after pass (so it sits in whatever cache it fits, as weights
    /// called again and again do); the median of blocks of about 100 µs.
    /// </summary>
    public static double StreamGBs(long floats, TimeSpan budget)
    {
        var array = new float[floats];
        for (int i = 0; i < array.Length; i++)
            array[i] = (i % 7) * 1e-3f;
        float sink = Sum(array);
        long start = Stopwatch.GetTimestamp();
        int passes = 0;
        while (passes < 10 || Stopwatch.GetElapsedTime(start) < TimeSpan.FromMilliseconds(5))
        {
            sink += Sum(array);
            passes++;
        }
        double perPass = Stopwatch.GetElapsedTime(start).TotalNanoseconds / passes;
        int block = (int)Math.Max(1, 100_000 / perPass);
        var samples = new List<double>();
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < budget || samples.Count < 5)
        {
            start = Stopwatch.GetTimestamp();
            for (int b = 0; b < block; b++)
                sink += Sum(array);
            samples.Add(4.0 * floats * block / Stopwatch.GetElapsedTime(start).TotalNanoseconds);
        }
        GC.KeepAlive(sink);
        return Median(samples);
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static float Sum(float[] array)
    {
        ref float start = ref MemoryMarshal.GetArrayDataReference(array);
        int n = array.Length, i = 0;
        float total = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            Vector512<float> s0 = default, s1 = default, s2 = default, s3 = default;
            for (; i + 64 <= n; i += 64)
            {
                s0 += Vector512.LoadUnsafe(ref start, (nuint)i);
                s1 += Vector512.LoadUnsafe(ref start, (nuint)(i + 16));
                s2 += Vector512.LoadUnsafe(ref start, (nuint)(i + 32));
                s3 += Vector512.LoadUnsafe(ref start, (nuint)(i + 48));
            }
            total = Vector512.Sum(s0 + s1 + s2 + s3);
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            Vector256<float> s0 = default, s1 = default, s2 = default, s3 = default;
            for (; i + 32 <= n; i += 32)
            {
                s0 += Vector256.LoadUnsafe(ref start, (nuint)i);
                s1 += Vector256.LoadUnsafe(ref start, (nuint)(i + 8));
                s2 += Vector256.LoadUnsafe(ref start, (nuint)(i + 16));
                s3 += Vector256.LoadUnsafe(ref start, (nuint)(i + 24));
            }
            total = Vector256.Sum(s0 + s1 + s2 + s3);
        }
        for (; i < n; i++)
            total += array[i];
        return total;
    }

    public static string Chip() => RuntimeInformation.ProcessArchitecture + ", " + CpuModel();

    private static string CpuModel()
    {
        try
        {
            return File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "unknown CPU";
        }
        catch (IOException)
        {
            return "unknown CPU";
        }
        catch (UnauthorizedAccessException)
        {
            return "unknown CPU";
        }
    }

    private static string Ns(double ns) => ns >= 1e6 ? $"{ns / 1e6:F2} ms" : ns >= 1e3 ? $"{ns / 1e3:F2} µs" : $"{ns:F0} ns";

    private static string F(double x, string format = "F2") => x.ToString(format, CultureInfo.InvariantCulture);

    private static string Count(long n) => n.ToString("N0", CultureInfo.InvariantCulture);

    /// <summary>The fixture table and the targets, as markdown (RESULTS.md's section; <c>--fixtures</c> prints it).</summary>
    public static void Write(StringBuilder md, Report report)
    {
        double peak = report.PeakGflops;
        md.AppendLine("## Fixtures of realistic shapes: compiled against ONNX Runtime, and against the machine");
        md.AppendLine();
        md.AppendLine("Issue 19's fixtures, written by the model writer (`models/fixtures/`): keyword-spotting heads as openWakeWord's are exported " +
            "(`kws_small`, `kws`, `kws7`), a Conv1D audio front-end over 1,280 samples (`frontend`), a MobileNet-style classifier (`mobile`) and an " +
            "LSTM over 64 steps (`lstm64`). Each is one generated class on ONNX Runtime (default session options, so its default threads: " +
            $"{Environment.ProcessorCount} here) and one `Backend=\"Compiled\"`, called with the same input; the two alternate in blocks of about " +
            "200 µs in this process, and each time is the median of its blocks. Multiply-adds are counted from the weights (dense: in · out per row; " +
            "conv: kernel · cin / group · cout · output positions; LSTM: 4 · hidden · (input + hidden) · steps); GFLOP/s is 2 · multiply-adds / time.");
        md.AppendLine();
        md.AppendLine($"- Chip: {report.Chip}, {Environment.ProcessorCount} cores");
        md.AppendLine($"- FMA peak of one core ({report.VectorWidth}, twelve independent chains, the best block of each sample): median {F(peak, "F1")} GFLOP/s " +
            $"(samples {F(report.PeakSamples.Min(), "F1")}–{F(report.PeakSamples.Max(), "F1")}, one before each fixture and one at the end)");
        md.AppendLine("- Streaming: reading an array of the fixture's weight size again and again (so from whichever cache holds it, as a model's weights are), median of blocks");
        md.AppendLine();
        md.AppendLine("| fixture | weights | multiply-adds / row | batch | compiled | ONNX Runtime | ONNX Runtime ÷ compiled | compiled GFLOP/s (% of one core's peak) | batch 1: weights streamed GB/s (stream rate; compiled ÷ stream time) | compiled bytes / call | max \\|compiled − ONNX Runtime\\| |");
        md.AppendLine("|---|---|---|---|---|---|---|---|---|---|---|");
        foreach (var f in report.Fixtures)
        {
            foreach (var c in f.Cells)
            {
                double gflops = 2.0 * f.Spec.MultiplyAddsPerRow * c.Batch / c.CompiledNs;
                bool first = c == f.Cells[0];
                string stream = c.Batch == 1 ? $"{F(4.0 * f.Spec.Weights / c.CompiledNs)} ({F(f.StreamGBs, "F1")}; {F(c.CompiledNs / StreamNs(f))}×)" : "";
                md.AppendLine($"| {(first ? $"`{f.Spec.Name}` {f.Spec.Shape}" : "")} | {(first ? Count(f.Spec.Weights) : "")} | {(first ? Count(f.Spec.MultiplyAddsPerRow) : "")} | {c.Batch} | " +
                    $"{Ns(c.CompiledNs)} | {Ns(c.OnnxNs)} | {F(c.OnnxNs / c.CompiledNs)} | {F(gflops, "F1")} ({F(100 * gflops / peak, "F0")}%) | {stream} | {(first ? F(f.BytesPerCall, "0.##") + " B" : "")} | {(first ? F(f.MaxDifference, "G3") : "")} |");
            }
        }
        md.AppendLine();
        WriteTargets(md, report);
    }

    /// <summary>Nanoseconds to stream a fixture's weights once, at the rate measured for its size.</summary>
    private static double StreamNs(FixtureResult f) => 4.0 * f.Spec.Weights / f.StreamGBs;

    /// <summary>Batch-1 arithmetic time at one core's FMA peak.</summary>
    private static double PeakNs(FixtureResult f, double peak) => 2.0 * f.Spec.MultiplyAddsPerRow / peak;

    private static void WriteTargets(StringBuilder md, Report report)
    {
        double peak = report.PeakGflops;
        md.AppendLine("### Issue 19's targets (float weights), judged on this run");
        md.AppendLine();
        md.AppendLine("The compiled client is timed as a whole, so the per-layer and per-node targets are judged per fixture: the whole call against " +
            "the time to stream all its weights, and the whole call's GFLOP/s (activations, pools and softmax included) against the peak — both stricter " +
            "than the per-layer target. A fixture is streaming-bound at batch 1 when streaming its weights takes longer than its arithmetic at one core's peak. " +
            "Both clients run on every core (ONNX Runtime's default threads; the compiled client splits a large node between its workers), so the " +
            $"compute-bound target is judged against the peak of all {Environment.ProcessorCount} cores (one core's × {Environment.ProcessorCount}); the stream " +
            "rate is one core's, which a layer split by columns between cores can beat.");
        md.AppendLine();
        md.AppendLine("| target | fixture | measured | met? |");
        md.AppendLine("|---|---|---|---|");
        foreach (var f in report.Fixtures)
        {
            var one = f.Cells.FirstOrDefault(c => c.Batch == 1);
            if (one is null)
                continue;
            double ratio = one.OnnxNs / one.CompiledNs;
            md.AppendLine($"| never slower than ONNX Runtime at batch 1 | `{f.Spec.Name}` | ONNX Runtime ÷ compiled {F(ratio)} | {Verdict(ratio >= 1, $"compiled takes {F(1 / ratio)}× ONNX Runtime's time")} |");
        }
        foreach (var f in report.Fixtures.Where(f => f.Spec.Weights < 50_000))
        {
            foreach (var c in f.Cells)
            {
                double ratio = c.OnnxNs / c.CompiledNs;
                md.AppendLine($"| ≥ 1.5× ONNX Runtime under 50k weights | `{f.Spec.Name}` ({Count(f.Spec.Weights)}), batch {c.Batch} | {F(ratio)}× | {Verdict(ratio >= 1.5, $"short by {F(1.5 / ratio)}×")} |");
            }
        }
        foreach (var f in report.Fixtures)
        {
            var one = f.Cells.FirstOrDefault(c => c.Batch == 1);
            if (one is null || StreamNs(f) < PeakNs(f, peak))
                continue;
            double ratio = one.CompiledNs / StreamNs(f);
            md.AppendLine($"| streaming-bound: within 1.25× of the time to stream the weights | `{f.Spec.Name}`, batch 1 ({Ns(StreamNs(f))} to stream {Count(4 * f.Spec.Weights)} B) | {F(ratio)}× | {Verdict(ratio <= 1.25, $"{F(ratio / 1.25)}× over the bound")} |");
        }
        foreach (var f in report.Fixtures)
        {
            foreach (var c in f.Cells.Where(c => c.Batch >= 16))
            {
                double share = 2.0 * f.Spec.MultiplyAddsPerRow * c.Batch / c.CompiledNs / (peak * Environment.ProcessorCount);
                md.AppendLine($"| compute-bound (batch ≥ 16): ≥ 60% of the FMA peak of every core | `{f.Spec.Name}`, batch {c.Batch} | {F(100 * share, "F0")}% | {Verdict(share >= 0.6, $"{F(0.6 / share)}× short")} |");
            }
        }
        md.AppendLine();
        int zero = report.Fixtures.Count(f => f.BytesPerCall == 0);
        md.AppendLine($"0 B per compiled call: {zero} of {report.Fixtures.Count} fixtures" +
            (zero == report.Fixtures.Count ? "." : " (" + string.Join(", ", report.Fixtures.Where(f => f.BytesPerCall != 0).Select(f => $"`{f.Spec.Name}` {F(f.BytesPerCall, "0.##")} B")) + ")."));
        md.AppendLine();
    }

    private static string Verdict(bool met, string miss) => met ? "yes" : $"**no**: {miss}";
}
