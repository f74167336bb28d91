using System;
using System.Diagnostics;
using System.Linq;

namespace TypedModels.Benchmarks;

/// <summary>
/// The latency distribution of sequential batch-1 calls, the generated client against the raw OrtIoBinding floor,
/// in blocks that alternate between the two in one process, so that a change of machine speed hits both alike.
/// </summary>
internal static class Latency
{
    public sealed record Distribution(double Mean, double P50, double P99, double P999, double Max, int Gen0, int Gen1, int Gen2);

    public static (Distribution Typed, Distribution Raw) Measure(int calls, int block, int batch = 1)
    {
        var protocols = new SeedProtocols { Batch = batch };
        protocols.Setup();
        try
        {
            return Interleave(protocols.Typed, protocols.RawIoBinding, calls, block);
        }
        finally
        {
            protocols.Cleanup();
        }
    }

    /// <summary>The same comparison for silero VAD v5.</summary>
    public static (Distribution Typed, Distribution Raw) MeasureSilero(int calls, int block)
    {
        var protocols = new SileroProtocols();
        protocols.Setup();
        try
        {
            return Interleave(protocols.Typed, protocols.RawIoBinding, calls, block);
        }
        finally
        {
            protocols.Cleanup();
        }
    }

    private static (Distribution Typed, Distribution Raw) Interleave(Func<float> typedCall, Func<float> rawCall, int calls, int block)
    {
        for (int i = 0; i < Math.Min(10_000, calls); i++)
            _ = typedCall() + rawCall();
        var typed = new long[calls];
        var raw = new long[calls];
        var gcTyped = new int[3];
        var gcRaw = new int[3];
        for (int start = 0; start < calls; start += block)
        {
            int end = Math.Min(calls, start + block);
            Run(typed, start, end, gcTyped, typedCall);
            Run(raw, start, end, gcRaw, rawCall);
        }
        return (Summarize(typed, gcTyped), Summarize(raw, gcRaw));
    }

    private static void Run(long[] ticks, int start, int end, int[] collections, Func<float> call)
    {
        int g0 = GC.CollectionCount(0), g1 = GC.CollectionCount(1), g2 = GC.CollectionCount(2);
        for (int i = start; i < end; i++)
        {
            long before = Stopwatch.GetTimestamp();
            call();
            ticks[i] = Stopwatch.GetTimestamp() - before;
        }
        collections[0] += GC.CollectionCount(0) - g0;
        collections[1] += GC.CollectionCount(1) - g1;
        collections[2] += GC.CollectionCount(2) - g2;
    }

    private static Distribution Summarize(long[] ticks, int[] collections)
    {
        double mean = ticks.Average() * 1e6 / Stopwatch.Frequency;
        Array.Sort(ticks);
        double Micros(double q) => ticks[(int)Math.Min(ticks.Length - 1, q * ticks.Length)] * 1e6 / Stopwatch.Frequency;
        return new(mean, Micros(0.5), Micros(0.99), Micros(0.999), Micros(1), collections[0], collections[1], collections[2]);
    }
}
