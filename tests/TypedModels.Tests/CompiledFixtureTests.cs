using System;
using System.Collections.Generic;
using System.Linq;
using System.Runtime.InteropServices;
using TypedModels.Testing;
using Xunit.Abstractions;

namespace TypedModels.Tests;

/// <summary>
/// A fixture per operator family (<c>models/fixtures/</c>, written by <c>models/SeedModel</c>), each compiled to C#
/// (<c>Compiled…Model</c>) and run beside its ONNX Runtime client on the same deterministic pseudo-random inputs, at batch
/// 1 and 5: every output the same shape, floats within 4 ulps of the output's largest magnitude (the conformance run's
/// bound), int64 and bool exactly. The worst difference of each run is written to the test output. Then each compiled
/// client, called again and again, allocates nothing after its first calls.
/// </summary>
public sealed class CompiledFixtureTests(ITestOutputHelper log)
{
    private const int Ulps = 4;
    private static readonly TypedModelOptions Cpu = new() { ExecutionProvider = ExecutionProviderPreference.Cpu };

    [Theory]
    [InlineData(1)]
    [InlineData(5)]
    public void Conv_matches_onnx_runtime(int batch)
    {
        float[] x = ConvInput(batch);
        using var onnx = new ConvModel(Cpu);
        using var compiled = new CompiledConvModel();
        var expected = onnx.Predict(x);
        var actual = compiled.Predict(x);
        var check = new Comparison("conv", batch);
        check.Match("logits", expected.Logits, actual.Logits);
        check.Match("probs", expected.Probs, actual.Probs);
        check.Match("upsampled", expected.Upsampled, actual.Upsampled);
        Report(check);
    }

    /// <summary>
    /// The 64-step LSTM of issue 19 (hidden 64: gate rows of 256, one product of 16 vectors per step), at batch 1 and
    /// at 5, where its entries step together and are split between threads.
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(5)]
    public void Lstm64_matches_onnx_runtime(int batch)
    {
        var random = new Random(batch);
        float[] x = [.. Enumerable.Range(0, 64 * batch * 40).Select(_ => (float)(random.NextDouble() * 2 - 1))];
        using var onnx = new Lstm64Model(Cpu);
        using var compiled = new CompiledLstm64Model();
        var check = new Comparison("lstm64", batch);
        check.Match("probs", onnx.Predict(x).Probs, compiled.Predict(x).Probs);
        Report(check);
    }

    /// <summary>Two lengths of audio per batch, on one client: the derived frame count is computed per call.</summary>
    [Theory]
    [InlineData(1)]
    [InlineData(5)]
    public void Audio_matches_onnx_runtime(int batch)
    {
        using var onnx = new AudioModel(Cpu);
        using var compiled = new CompiledAudioModel();
        foreach (int samples in new[] { 203, 64 })
        {
            float[] x = AudioInput(batch, samples);
            var expected = onnx.Predict(x, batch);
            var actual = compiled.Predict(x, batch);
            var check = new Comparison($"audio ({samples} samples)", batch);
            check.Match("features", expected.Features, actual.Features);
            check.Match("energy", expected.Energy, actual.Energy);
            Report(check);
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(5)]
    public void Norms_matches_onnx_runtime(int batch)
    {
        var (x, image) = NormsInput(batch);
        using var onnx = new NormsModel(Cpu);
        using var compiled = new CompiledNormsModel();
        var expected = onnx.Predict(x, image);
        var actual = compiled.Predict(x, image);
        var check = new Comparison("norms", batch);
        check.Match("manual", expected.Manual, actual.Manual);
        check.Match("layer", expected.Layer, actual.Layer);
        check.Match("instance", expected.Instance, actual.Instance);
        check.Match("lrn", expected.Lrn, actual.Lrn);
        check.Match("batch_norm", expected.BatchNorm, actual.BatchNorm);
        Report(check);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(5)]
    public void Reductions_matches_onnx_runtime(int batch)
    {
        var (x, p) = ReductionsInput(batch);
        using var onnx = new ReductionsModel(Cpu);
        using var compiled = new CompiledReductionsModel();
        var expected = onnx.Predict(x, p);
        var actual = compiled.Predict(x, p);
        var check = new Comparison("reductions", batch);
        check.Match("mean", expected.Mean, actual.Mean);
        check.Match("sum", expected.Sum, actual.Sum);
        check.Match("max", expected.Max, actual.Max);
        check.Match("min", expected.Min, actual.Min);
        check.Match("prod", expected.Prod, actual.Prod);
        check.Match("l1", expected.L1, actual.L1);
        check.Match("l2", expected.L2, actual.L2);
        check.Match("log_sum", expected.LogSum, actual.LogSum);
        check.Match("log_sum_exp", expected.LogSumExp, actual.LogSumExp);
        check.Match("sum_square", expected.SumSquare, actual.SumSquare);
        check.Match("mean_all", expected.MeanAll, actual.MeanAll);
        check.Match("arg_max", expected.ArgMax, actual.ArgMax);
        check.Match("arg_min", expected.ArgMin, actual.ArgMin);
        check.Match("cum_sum", expected.CumSum, actual.CumSum);
        check.Match("cum_sum_reversed", expected.CumSumReversed, actual.CumSumReversed);
        Report(check);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(5)]
    public void Elementwise_matches_onnx_runtime(int batch)
    {
        var (x, n) = ElementwiseInput(batch);
        using var onnx = new ElementwiseModel(Cpu);
        using var compiled = new CompiledElementwiseModel();
        var e = onnx.Predict(x, n);
        var a = compiled.Predict(x, n);
        var check = new Comparison("elementwise", batch);
        check.Match("abs", e.Abs, a.Abs);
        check.Match("sqrt", e.Sqrt, a.Sqrt);
        check.Match("exp", e.Exp, a.Exp);
        check.Match("log", e.Log, a.Log);
        check.Match("neg", e.Neg, a.Neg);
        check.Match("reciprocal", e.Reciprocal, a.Reciprocal);
        check.Match("floor", e.Floor, a.Floor);
        check.Match("ceil", e.Ceil, a.Ceil);
        check.Match("round", e.Round, a.Round);
        check.Match("sign", e.Sign, a.Sign);
        check.Match("erf", e.Erf, a.Erf);
        check.Match("sin", e.Sin, a.Sin);
        check.Match("cos", e.Cos, a.Cos);
        check.Match("tan", e.Tan, a.Tan);
        check.Match("atan", e.Atan, a.Atan);
        check.Match("sinh", e.Sinh, a.Sinh);
        check.Match("cosh", e.Cosh, a.Cosh);
        check.Match("asinh", e.Asinh, a.Asinh);
        check.Match("asin", e.Asin, a.Asin);
        check.Match("acos", e.Acos, a.Acos);
        check.Match("atanh", e.Atanh, a.Atanh);
        check.Match("acosh", e.Acosh, a.Acosh);
        check.Match("elu", e.Elu, a.Elu);
        check.Match("selu", e.Selu, a.Selu);
        check.Match("celu", e.Celu, a.Celu);
        check.Match("softplus", e.Softplus, a.Softplus);
        check.Match("softsign", e.Softsign, a.Softsign);
        check.Match("thresholded_relu", e.ThresholdedRelu, a.ThresholdedRelu);
        check.Match("hard_swish", e.HardSwish, a.HardSwish);
        check.Match("hard_sigmoid", e.HardSigmoid, a.HardSigmoid);
        check.Match("clip", e.Clip, a.Clip);
        check.Match("gelu", e.Gelu, a.Gelu);
        check.Match("mish", e.Mish, a.Mish);
        check.Match("prelu", e.Prelu, a.Prelu);
        check.Match("max", e.Max, a.Max);
        check.Match("min", e.Min, a.Min);
        check.Match("sum", e.Sum, a.Sum);
        check.Match("mean", e.Mean, a.Mean);
        check.Match("where", e.Where, a.Where);
        check.Match("mod", e.Mod, a.Mod);
        check.Match("log_softmax", e.LogSoftmax, a.LogSoftmax);
        check.Match("hardmax", e.Hardmax, a.Hardmax);
        Report(check);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(5)]
    public void Shapes_matches_onnx_runtime(int batch)
    {
        var (x, picks) = ShapesInput(batch);
        using var onnx = new ShapesModel(Cpu);
        using var compiled = new CompiledShapesModel();
        var e = onnx.Predict(x, picks);
        var a = compiled.Predict(x, picks);
        var check = new Comparison("shapes", batch);
        check.Match("flat", e.Flat, a.Flat);
        check.Match("sliced", e.Sliced, a.Sliced);
        check.Match("split_a", e.SplitA, a.SplitA);
        check.Match("split_b", e.SplitB, a.SplitB);
        check.Match("expanded", e.Expanded, a.Expanded);
        check.Match("padded", e.Padded, a.Padded);
        check.Match("reflected", e.Reflected, a.Reflected);
        check.Match("offset", e.Offset, a.Offset);
        check.Match("ramp", e.Ramp, a.Ramp);
        check.Match("tiled", e.Tiled, a.Tiled);
        check.Match("transposed", e.Transposed, a.Transposed);
        check.Match("depth_to_space", e.DepthToSpace, a.DepthToSpace);
        check.Match("space_to_depth", e.SpaceToDepth, a.SpaceToDepth);
        check.Match("gathered_elements", e.GatheredElements, a.GatheredElements);
        check.Match("gathered_columns", e.GatheredColumns, a.GatheredColumns);
        check.Match("gathered_rows", e.GatheredRows, a.GatheredRows);
        check.Match("truncated", e.Truncated, a.Truncated);
        check.Match("truncated_float", e.TruncatedFloat, a.TruncatedFloat);
        check.Match("unit", e.Unit, a.Unit);
        check.Match("picked_two", e.PickedTwo, a.PickedTwo);
        Report(check);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(5)]
    public void Recurrent_matches_onnx_runtime(int batch)
    {
        var (x, h0, c0) = RecurrentInput(batch);
        using var onnx = new RecurrentModel(Cpu);
        using var compiled = new CompiledRecurrentModel();
        var e = onnx.Predict(x, h0, c0);
        var a = compiled.Predict(x, h0, c0);
        var check = new Comparison("recurrent", batch);
        check.Match("lstm_y", e.LstmY, a.LstmY);
        check.Match("lstm_h", e.LstmH, a.LstmH);
        check.Match("lstm_c", e.LstmC, a.LstmC);
        check.Match("gru_y", e.GruY, a.GruY);
        check.Match("gru_h", e.GruH, a.GruH);
        check.Match("rnn_y", e.RnnY, a.RnnY);
        check.Match("rnn_h", e.RnnH, a.RnnH);
        Report(check);
    }

    /// <summary>Inputs that sum above zero and below it, on one client, so that both branches run.</summary>
    [Theory]
    [InlineData(1)]
    [InlineData(5)]
    public void Branch_matches_onnx_runtime_down_both_branches(int batch)
    {
        using var onnx = new BranchModel(Cpu);
        using var compiled = new CompiledBranchModel();
        foreach (bool positive in new[] { true, false })
        {
            float[] x = BranchInput(batch, positive);
            var e = onnx.Predict(x);
            var a = compiled.Predict(x);
            var check = new Comparison(positive ? "branch (then)" : "branch (else)", batch);
            check.Match("y", e.Y, a.Y);
            check.Match("z", e.Z, a.Z);
            Report(check);
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(5)]
    public void Resize_matches_onnx_runtime(int batch)
    {
        float[] x = ResizeInput(batch);
        using var onnx = new ResizeModel(Cpu);
        using var compiled = new CompiledResizeModel();
        var e = onnx.Predict(x);
        var a = compiled.Predict(x);
        var check = new Comparison("resize", batch);
        check.Match("nearest", e.Nearest, a.Nearest);
        check.Match("bilinear", e.Bilinear, a.Bilinear);
        check.Match("aligned", e.Aligned, a.Aligned);
        check.Match("bicubic", e.Bicubic, a.Bicubic);
        Report(check);
    }

    [Theory]
    [InlineData("conv")]
    [InlineData("audio")]
    [InlineData("norms")]
    [InlineData("reductions")]
    [InlineData("elementwise")]
    [InlineData("shapes")]
    [InlineData("recurrent")]
    [InlineData("branch")]
    [InlineData("resize")]
    public void A_compiled_call_allocates_nothing_after_the_first(string fixture)
    {
        const int batch = 3;
        long bytes;
        switch (fixture)
        {
            case "conv":
            {
                using var model = new CompiledConvModel();
                float[] x = ConvInput(batch);
                bytes = Allocated(() => model.Predict(x).Probs[0]);
                break;
            }
            case "audio":
            {
                using var model = new CompiledAudioModel();
                float[] x = AudioInput(batch, 203);
                bytes = Allocated(() => model.Predict(x, batch).Energy[0]);
                break;
            }
            case "norms":
            {
                using var model = new CompiledNormsModel();
                var (x, image) = NormsInput(batch);
                bytes = Allocated(() => model.Predict(x, image).Layer[0]);
                break;
            }
            case "reductions":
            {
                using var model = new CompiledReductionsModel();
                var (x, p) = ReductionsInput(batch);
                bytes = Allocated(() => model.Predict(x, p).ArgMax[0]);
                break;
            }
            case "elementwise":
            {
                using var model = new CompiledElementwiseModel();
                var (x, n) = ElementwiseInput(batch);
                bytes = Allocated(() => model.Predict(x, n).Mod[0]);
                break;
            }
            case "shapes":
            {
                using var model = new CompiledShapesModel();
                var (x, picks) = ShapesInput(batch);
                bytes = Allocated(() => model.Predict(x, picks).Flat[0]);
                break;
            }
            case "recurrent":
            {
                using var model = new CompiledRecurrentModel();
                var (x, h0, c0) = RecurrentInput(batch);
                bytes = Allocated(() => model.Predict(x, h0, c0).LstmY[0]);
                break;
            }
            case "branch":
            {
                using var model = new CompiledBranchModel();
                float[] up = BranchInput(batch, true), down = BranchInput(batch, false);
                bytes = Allocated(i => model.Predict(i % 2 == 0 ? up : down).Z[0]);
                break;
            }
            case "resize":
            {
                using var model = new CompiledResizeModel();
                float[] x = ResizeInput(batch);
                bytes = Allocated(() => model.Predict(x).Bicubic[0]);
                break;
            }
            default:
                throw new ArgumentOutOfRangeException(nameof(fixture), fixture, null);
        }
        Assert.Equal(0, bytes);
    }

    private static float[] ConvInput(int batch) => Uniform(new Random(100 + batch), batch * 3 * 16 * 16, -1, 1);

    private static float[] AudioInput(int batch, int samples) => Uniform(new Random(200 + batch * samples), batch * samples, -1, 1);

    private static (float[] X, float[] Image) NormsInput(int batch)
    {
        var random = new Random(300 + batch);
        // Rows with an offset and a spread of their own, as activations have.
        float[] x = Uniform(random, batch * 10 * 32, -1, 1);
        for (int row = 0; row < batch * 10; row++)
        {
            float shift = (float)(random.NextDouble() * 4 - 2), spread = (float)(0.5 + random.NextDouble() * 2);
            for (int i = 0; i < 32; i++)
                x[row * 32 + i] = x[row * 32 + i] * spread + shift;
        }
        return (x, Uniform(random, batch * 4 * 6 * 6, -2, 2));
    }

    private static (float[] X, float[] P) ReductionsInput(int batch)
    {
        var random = new Random(400 + batch);
        return (Uniform(random, batch * 24, -2, 2), Uniform(random, batch * 24, 0.5, 1.5));
    }

    private static (float[] X, long[] N) ElementwiseInput(int batch)
    {
        var random = new Random(500 + batch);
        return (Uniform(random, batch * 8, -3, 3), Enumerable.Range(0, batch * 8).Select(_ => (long)random.Next(-20, 21)).ToArray());
    }

    private static (float[] X, long[] Picks) ShapesInput(int batch)
    {
        var random = new Random(600 + batch);
        // Indices along a dim of 6, negative ones counted from its end.
        return (Uniform(random, batch * 24, -2, 2), Enumerable.Range(0, batch * 12).Select(_ => (long)random.Next(-6, 6)).ToArray());
    }

    private static (float[] X, float[] H0, float[] C0) RecurrentInput(int batch)
    {
        var random = new Random(700 + batch);
        const int seq = 6;
        return (Uniform(random, seq * batch * 3, -1, 1), Uniform(random, 2 * batch * 5, -0.5, 0.5), Uniform(random, 2 * batch * 5, -0.5, 0.5));
    }

    /// <summary>Pseudo-random values whose sum has the sign asked for (all negated if it has not).</summary>
    private static float[] BranchInput(int batch, bool positive)
    {
        float[] x = Uniform(new Random(800 + batch), batch * 4, -1, 1);
        if (x.Sum() > 0 != positive)
            x = x.Select(v => -v).ToArray();
        Assert.True(x.Sum() > 0 == positive);
        return x;
    }

    private static float[] ResizeInput(int batch) => Uniform(new Random(900 + batch), batch * 2 * 4 * 5, -1, 1);

    private static float[] Uniform(Random random, int count, double low, double high) =>
        Enumerable.Range(0, count).Select(_ => (float)(low + random.NextDouble() * (high - low))).ToArray();

    /// <summary>The bytes 100 calls allocate after 10 (JIT, tiering, buffers sized on first use).</summary>
    private static long Allocated(Func<float> call) => Allocated(_ => call());

    private static long Allocated(Func<int, float> call)
    {
        float sink = 0;
        long bytes = Allocations.PerLoop(warmUp: 10, calls: 100, i => sink += call(i));
        Assert.False(float.IsNaN(sink));
        return bytes;
    }

    private void Report(Comparison check) => log.WriteLine(check.Summary);

    /// <summary>
    /// One run's outputs compared: the same shape, then floats within <see cref="Ulps"/> ulps of the expected tensor's
    /// largest magnitude and every other type exactly; a failure names the fixture, batch, output, element and both
    /// values. Keeps the worst float difference seen, in those ulps.
    /// </summary>
    private sealed class Comparison(string fixture, int batch)
    {
        private double _worst;
        private string _worstAt = "every float output exact";

        public string Summary => $"{fixture}, batch {batch}: worst {_worst:0.##} ulps of the largest magnitude ({_worstAt})";

        public void Match<T>(string output, TensorView<T> expected, TensorView<T> actual) where T : unmanaged
        {
            string where = $"{fixture}, batch {batch}, output '{output}'";
            Assert.True(expected.Shape.SequenceEqual(actual.Shape),
                $"{where}: shape [{string.Join(", ", expected.Shape.ToArray())}] from ONNX Runtime, [{string.Join(", ", actual.Shape.ToArray())}] compiled");
            Assert.True(expected.Length > 0, $"{where}: empty, which compares nothing");
            if (typeof(T) == typeof(float))
            {
                MatchFloats(where, output, MemoryMarshal.Cast<T, float>(expected.Span), MemoryMarshal.Cast<T, float>(actual.Span));
                return;
            }
            var comparer = EqualityComparer<T>.Default;
            for (int i = 0; i < expected.Length; i++)
                Assert.True(comparer.Equals(expected[i], actual[i]), $"{where}, element {i}: ONNX Runtime {expected[i]}, compiled {actual[i]}");
        }

        private void MatchFloats(string where, string output, ReadOnlySpan<float> expected, ReadOnlySpan<float> actual)
        {
            float largest = 0;
            foreach (float v in expected)
                largest = Math.Max(largest, Math.Abs(v));
            double ulp = MathF.BitIncrement(largest) - largest;
            for (int i = 0; i < expected.Length; i++)
            {
                if (float.IsNaN(expected[i]) && float.IsNaN(actual[i]))
                    continue;
                double ulps = Math.Abs((double)expected[i] - actual[i]) / ulp;
                Assert.True(ulps <= Ulps,
                    $"{where}, element {i}: ONNX Runtime {expected[i]:R}, compiled {actual[i]:R} ({ulps:0.#} ulps of the largest magnitude {largest:R}; at most {Ulps})");
                if (ulps > _worst)
                    (_worst, _worstAt) = (ulps, $"{output}[{i}]");
            }
        }
    }
}
