extern alias buildstep;

using System;
using System.Diagnostics;
using System.IO;
using Google.Protobuf;
using TypedModels.SeedModel;
using TypedModels.SeedModel.Onnx;
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
        WriteLargeModel();
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

    private static (TimeSpan Time, long Allocated) Measure(string path)
    {
        long allocated = GC.GetAllocatedBytesForCurrentThread();
        var watch = Stopwatch.StartNew();
        buildstep::TypedModels.Build.ReadModelSignatures.SignatureFor(path);
        watch.Stop();
        return (watch.Elapsed, GC.GetAllocatedBytesForCurrentThread() - allocated);
    }

    /// <summary>
    /// The seed model with a 600 MB initializer written before its inputs, as exporters order it. The weights are
    /// written by seeking (a sparse file), so the test needs neither the memory nor the time to produce them.
    /// </summary>
    private void WriteLargeModel()
    {
        var seed = SeedModelWriter.Build(SeedModelTrainer.Train(steps: 1));
        var graph = seed.Graph;

        var tensorHead = new MemoryStream();
        var t = new CodedOutputStream(tensorHead, leaveOpen: true);
        t.WriteTag(8, WireFormat.WireType.LengthDelimited); t.WriteString("big");
        t.WriteTag(2, WireFormat.WireType.Varint); t.WriteInt32(1);
        t.WriteTag(1, WireFormat.WireType.Varint); t.WriteInt64(WeightBytes / 4);
        t.WriteTag(9, WireFormat.WireType.LengthDelimited); t.WriteLength((int)Math.Min(WeightBytes, int.MaxValue));
        t.Flush();

        byte[] rest = graph.ToByteArray(); // nodes, the seed's initializers, inputs, outputs
        long tensorLength = tensorHead.Length + WeightBytes;

        var graphHead = new MemoryStream();
        var g = new CodedOutputStream(graphHead, leaveOpen: true);
        g.WriteTag(5, WireFormat.WireType.LengthDelimited); WriteLength(g, tensorLength);
        g.Flush();
        long graphLength = graphHead.Length + tensorLength + rest.Length;

        var modelHead = new MemoryStream();
        var m = new CodedOutputStream(modelHead, leaveOpen: true);
        m.WriteTag(1, WireFormat.WireType.Varint); m.WriteInt64(seed.IrVersion);
        m.WriteTag(2, WireFormat.WireType.LengthDelimited); m.WriteString(seed.ProducerName);
        m.WriteTag(3, WireFormat.WireType.LengthDelimited); m.WriteString(seed.ProducerVersion);
        m.WriteTag(6, WireFormat.WireType.LengthDelimited); m.WriteString(seed.DocString);
        m.WriteTag(7, WireFormat.WireType.LengthDelimited); WriteLength(m, graphLength);
        m.Flush();

        using var file = new FileStream(_path, FileMode.CreateNew, FileAccess.Write);
        modelHead.WriteTo(file);
        graphHead.WriteTo(file);
        tensorHead.WriteTo(file);
        file.Seek(WeightBytes, SeekOrigin.Current);
        file.Write(rest);
        // The opsets come after the graph, as field order puts them.
        var opsets = new MemoryStream();
        var o = new CodedOutputStream(opsets, leaveOpen: true);
        foreach (var opset in seed.OpsetImport)
        {
            o.WriteTag(8, WireFormat.WireType.LengthDelimited);
            o.WriteMessage(opset);
        }
        o.Flush();
        opsets.WriteTo(file);
    }

    private static void WriteLength(CodedOutputStream stream, long length) => stream.WriteUInt64((ulong)length);
}
