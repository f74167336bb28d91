extern alias buildstep;

using System;
using System.Diagnostics;
using System.IO;
using TypedModels.SeedModel;
using Xunit.Abstractions;

namespace TypedModels.Generator.Tests;

/// <summary>Reading a signature costs the same for a 1 KB and a 600 MB model: the weights are seeked past.</summary>
public sealed class SignatureCostTests(ITestOutputHelper output) : IDisposable
{
    private const long WeightBytes = 600L * 1024 * 1024;
    private readonly string _path = Path.Combine(Path.GetTempPath(), $"typedmodels-large-{Guid.NewGuid():N}.onnx");

    public void Dispose() => File.Delete(_path);

    [Fact]
    public void A_600_MB_model_signature_reads_in_well_under_100_ms_without_holding_the_file()
    {
        LargeModelWriter.Write(_path, WeightBytes);
        Assert.True(new FileInfo(_path).Length > WeightBytes);

        // Warm the reader up on the 1 KB seed model, then time both.
        string small = buildstep::TypedModels.Build.ReadModelSignatures.SignatureFor(TestHelpers.SeedModelPath);
        var (smallTime, _) = Measure(TestHelpers.SeedModelPath);
        var (largeTime, allocated) = Measure(_path);

        output.WriteLine($"seed model ({new FileInfo(TestHelpers.SeedModelPath).Length} B): {smallTime.TotalMilliseconds:F3} ms; " +
            $"{new FileInfo(_path).Length / (1024 * 1024)} MB model: {largeTime.TotalMilliseconds:F3} ms, {allocated} B allocated");
        Assert.Equal(small, buildstep::TypedModels.Build.ReadModelSignatures.SignatureFor(_path));
        Assert.InRange(largeTime.TotalMilliseconds, 0, 100);
        Assert.InRange(allocated, 0, 256 * 1024);
    }

    [Fact]
    public void Over_the_weight_limit_the_graph_is_refused_without_reading_the_weights()
    {
        LargeModelWriter.Write(_path, WeightBytes);

        var (time, allocated) = Measure(_path, graphLimit: 1 << 20);
        string text = buildstep::TypedModels.Build.ReadModelSignatures.SignatureFor(_path, 1 << 20);

        output.WriteLine($"{new FileInfo(_path).Length / (1024 * 1024)} MB model with a 1 MiB graph limit: {time.TotalMilliseconds:F3} ms, {allocated} B allocated");
        Assert.Contains("graph_refused\tits graph and weights take 629,145,", text);
        Assert.Contains("over the limit of 1,048,576 bytes (CompiledWeightLimit)", text);
        Assert.InRange(time.TotalMilliseconds, 0, 100);
        Assert.InRange(allocated, 0, 256 * 1024);
    }

    private static (TimeSpan Time, long Allocated) Measure(string path, long? graphLimit = null)
    {
        long allocated = GC.GetAllocatedBytesForCurrentThread();
        var watch = Stopwatch.StartNew();
        buildstep::TypedModels.Build.ReadModelSignatures.SignatureFor(path, graphLimit);
        watch.Stop();
        return (watch.Elapsed, GC.GetAllocatedBytesForCurrentThread() - allocated);
    }
}
