extern alias buildstep;

using System;
using System.IO;
using TypedModels.SeedModel;
using TypedModels.Testing;
using Xunit.Abstractions;
using Reader = buildstep::TypedModels.Build.OnnxSignatureReader;
using Signatures = buildstep::TypedModels.Build.ReadModelSignatures;
using Text = buildstep::TypedModels.SignatureText;

namespace TypedModels.Generator.Tests;

/// <summary>
/// Reading a signature costs the same for a 1 KB and a 600 MB model: the weights are seeked past. Asserted as the bytes
/// read from the file and the bytes allocated, which a busy machine does not change; how long a read takes is measured,
/// not asserted, by the build-cost benchmark (benchmarks/TypedModels.Benchmarks/BuildCost.cs, up to 1 GB).
/// </summary>
public sealed class SignatureCostTests(ITestOutputHelper output) : IDisposable
{
    private const long WeightBytes = 600L * 1024 * 1024;
    private const long GraphLimit = 1 << 20;

    // The seed model is about a kilobyte and its signature takes most of it; the large model's extra initializer adds
    // a tag, its name, type and dims, and a length to seek by.
    private const long ExtraBytesForTheLargeInitializer = 64;

    // What one read may allocate: the signature's strings and records and a file stream's buffer, never the weights
    // (about 15-20 KB when written; the 600 MB of weights would be 600 MB).
    private const long AllocationBudget = 64 * 1024;

    private readonly string _path = Path.Combine(Path.GetTempPath(), $"typedmodels-large-{Guid.NewGuid():N}.onnx");

    public void Dispose() => File.Delete(_path);

    [Fact]
    public void A_600_MB_model_signature_reads_the_same_few_bytes_as_the_seed_and_does_not_hold_the_file()
    {
        LargeModelWriter.Write(_path, WeightBytes);
        Assert.True(new FileInfo(_path).Length > WeightBytes);

        var (small, smallRead) = Read(TestHelpers.SeedModelPath);
        var (large, largeRead) = Read(_path);
        output.WriteLine($"seed model ({new FileInfo(TestHelpers.SeedModelPath).Length:N0} B): {smallRead:N0} B read; " +
            $"{new FileInfo(_path).Length / (1024 * 1024)} MB model: {largeRead:N0} B read");

        Assert.Equal(small, large);
        Assert.InRange(largeRead - smallRead, 0, ExtraBytesForTheLargeInitializer);

        // The build step's own path: the same text, little allocated, and the file closed when it returns.
        Assert.Equal(Signatures.SignatureFor(TestHelpers.SeedModelPath), Signatures.SignatureFor(_path));
        long allocated = Allocations.During(() => Signatures.SignatureFor(_path));
        output.WriteLine($"{allocated:N0} B allocated by a read of the large model");
        Assert.InRange(allocated, 0, AllocationBudget);
        using (new FileStream(_path, FileMode.Open, FileAccess.ReadWrite, FileShare.None))
        {
        }
    }

    [Fact]
    public void Over_the_weight_limit_the_graph_is_refused_without_reading_the_weights()
    {
        LargeModelWriter.Write(_path, WeightBytes);

        var (text, read) = Read(_path, GraphLimit);
        var (_, seedRead) = Read(TestHelpers.SeedModelPath, GraphLimit);
        output.WriteLine($"{new FileInfo(_path).Length / (1024 * 1024)} MB model with a 1 MiB graph limit: {read:N0} B read " +
            $"(the seed model's whole graph: {seedRead:N0} B)");

        Assert.Contains("graph_refused\tits graph and weights take 629,145,", text);
        Assert.Contains("over the limit of 1,048,576 bytes (CompiledWeightLimit)", text);
        // Past the limit only names are read (to tell initializers from inputs): no more than the seed's whole graph.
        Assert.InRange(read, 1, seedRead + ExtraBytesForTheLargeInitializer);

        Signatures.SignatureFor(_path, GraphLimit);
        long allocated = Allocations.During(() => Signatures.SignatureFor(_path, GraphLimit));
        output.WriteLine($"{allocated:N0} B allocated by a read with the graph limit");
        Assert.InRange(allocated, 0, AllocationBudget);
    }

    /// <summary>
    /// The signature text of the model at <paramref name="path"/> and the bytes read from the file for it. The file is
    /// opened unbuffered, so every byte the reader takes is a byte read from the file and counted.
    /// </summary>
    private static (string Text, long BytesRead) Read(string path, long? graphLimit = null)
    {
        using var stream = new CountingStream(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 0));
        string text = Text.Write(Reader.Read(stream, graphLimit));
        return (text, stream.BytesRead);
    }
}
