using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;

namespace TypedModels.Benchmarks;

/// <summary>
/// The compiled backend against the hand-written C# and the raw OrtIoBinding floor, interleaved in one process: blocks
/// of calls to each path in turn (so a change of machine speed hits all three alike), each block timed as a whole
/// (a call of a few nanoseconds cannot be timed alone). The mean of a path is its total time over its total calls.
/// </summary>
internal static class CompiledBackend
{
    public sealed record Row(int Batch, double CompiledNs, double HandWrittenNs, double FloorNs, double OnnxClientNs, double CompiledMatMulNs);

    public static List<Row> Measure(int[] batches, TimeSpan perBatch)
    {
        var rows = new List<Row>();
        foreach (int batch in batches)
        {
            var protocols = new SeedProtocols { Batch = batch };
            protocols.Setup();
            try
            {
                Func<float>[] paths = [protocols.Compiled, protocols.HandWritten, protocols.RawIoBinding, protocols.Typed, protocols.CompiledMatMul];
                var means = Interleave(paths, perBatch);
                rows.Add(new Row(batch, means[0], means[1], means[2], means[3], means[4]));
            }
            finally
            {
                protocols.Cleanup();
            }
        }
        return rows;
    }

    /// <summary>Where the compiled client stops being faster than the ONNX Runtime client: the seed and a wider model, batch by batch.</summary>
    public sealed record Crossover(string Model, int Batch, double CompiledNs, double OnnxNs);

    public static List<Crossover> Sweep(int[] batches, TimeSpan perBatch)
    {
        var rows = new List<Crossover>();
        var cpu = new TypedModelOptions { ExecutionProvider = ExecutionProviderPreference.Cpu };
        using var seed = new NumberModel(cpu);
        using var compiledSeed = new CompiledNumberModel();
        using var wide = new WideModel(cpu);
        using var compiledWide = new CompiledWideModel();
        using var narrow = new NarrowModel(cpu);
        using var compiledNarrow = new CompiledNarrowModel();
        using var mid = new MidModel(cpu);
        using var compiledMid = new CompiledMidModel();
        foreach (int batch in batches)
        {
            float[] numbers = Enumerable.Range(0, batch).Select(i => 100f + i % 10).ToArray();
            float[] features = Enumerable.Range(0, batch * 32).Select(i => (i % 17) / 17f - 0.5f).ToArray();
            var seedMeans = Interleave([() => compiledSeed.Predict(numbers).Predictions[batch - 1], () => seed.Predict(numbers).Predictions[batch - 1]], perBatch);
            rows.Add(new Crossover("seed (12 multiply-adds per row)", batch, seedMeans[0], seedMeans[1]));
            float[] narrowFeatures = Enumerable.Range(0, batch * 8).Select(i => (i % 11) / 11f - 0.5f).ToArray();
            var narrowMeans = Interleave([() => compiledNarrow.Predict(narrowFeatures).Y[batch * 8 - 1], () => narrow.Predict(narrowFeatures).Y[batch * 8 - 1]], perBatch);
            rows.Add(new Crossover("narrow (256 multiply-adds per row)", batch, narrowMeans[0], narrowMeans[1]));
            float[] midFeatures = Enumerable.Range(0, batch * 16).Select(i => (i % 13) / 13f - 0.5f).ToArray();
            var midMeans = Interleave([() => compiledMid.Predict(midFeatures).Y[batch * 16 - 1], () => mid.Predict(midFeatures).Y[batch * 16 - 1]], perBatch);
            rows.Add(new Crossover("mid (2,048 multiply-adds per row)", batch, midMeans[0], midMeans[1]));
            var wideMeans = Interleave([() => compiledWide.Predict(features).Y[batch * 8 - 1], () => wide.Predict(features).Y[batch * 8 - 1]], perBatch);
            rows.Add(new Crossover("wide (21,504 multiply-adds per row)", batch, wideMeans[0], wideMeans[1]));
        }
        return rows;
    }

    private static double[] Interleave(Func<float>[] paths, TimeSpan budget)
    {
        // Calls per block: about 200 µs of the slowest path, at least one call.
        var perCall = paths.Select(p => Time(p, 200) / 200).ToArray();
        var block = perCall.Select(t => (int)Math.Clamp(200_000 / Math.Max(t, 1), 1, 1_000_000)).ToArray();
        // Warm-up past tiered compilation's delay (100 ms after the 30th call), so every path is measured fully optimised.
        var warm = Stopwatch.StartNew();
        while (warm.Elapsed < TimeSpan.FromMilliseconds(Math.Min(500, budget.TotalMilliseconds)))
        {
            for (int p = 0; p < paths.Length; p++)
                Time(paths[p], block[p]);
        }
        var total = new double[paths.Length];
        var calls = new long[paths.Length];
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < budget)
        {
            for (int p = 0; p < paths.Length; p++)
            {
                total[p] += Time(paths[p], block[p]);
                calls[p] += block[p];
            }
        }
        return total.Select((t, p) => t / calls[p]).ToArray();
    }

    /// <summary>Nanoseconds for <paramref name="calls"/> calls of <paramref name="path"/>.</summary>
    internal static double Time(Func<float> path, int calls)
    {
        float sink = 0;
        long start = Stopwatch.GetTimestamp();
        for (int i = 0; i < calls; i++)
            sink += path();
        long ticks = Stopwatch.GetTimestamp() - start;
        GC.KeepAlive(sink);
        return ticks * 1e9 / Stopwatch.Frequency;
    }
}
