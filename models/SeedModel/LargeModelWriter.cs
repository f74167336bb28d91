using System;
using System.IO;
using Google.Protobuf;

namespace TypedModels.SeedModel;

/// <summary>
/// Writes the seed model with an extra initializer of any size before its inputs, as exporters order a model's
/// fields. The weights are written by seeking (a sparse file of zeros), so a 1 GB model costs neither the memory nor
/// the time to produce it: for measuring what reading a signature costs as models grow.
/// </summary>
public static class LargeModelWriter
{
    public static void Write(string path, long weightBytes)
    {
        var seed = SeedModelWriter.Build(SeedModelTrainer.Train(steps: 1));

        var tensorHead = Message(t =>
        {
            t.WriteTag(8, WireFormat.WireType.LengthDelimited); t.WriteString("big");
            t.WriteTag(2, WireFormat.WireType.Varint); t.WriteInt32(1);
            t.WriteTag(1, WireFormat.WireType.Varint); t.WriteInt64(weightBytes / 4);
            t.WriteTag(9, WireFormat.WireType.LengthDelimited); t.WriteUInt64((ulong)weightBytes);
        });
        byte[] rest = seed.Graph.ToByteArray(); // nodes, the seed's initializers, inputs, outputs
        long tensorLength = tensorHead.Length + weightBytes;
        var graphHead = Message(g =>
        {
            g.WriteTag(5, WireFormat.WireType.LengthDelimited); g.WriteUInt64((ulong)tensorLength);
        });
        long graphLength = graphHead.Length + tensorLength + rest.Length;
        var modelHead = Message(m =>
        {
            m.WriteTag(1, WireFormat.WireType.Varint); m.WriteInt64(seed.IrVersion);
            m.WriteTag(2, WireFormat.WireType.LengthDelimited); m.WriteString(seed.ProducerName);
            m.WriteTag(3, WireFormat.WireType.LengthDelimited); m.WriteString(seed.ProducerVersion);
            m.WriteTag(6, WireFormat.WireType.LengthDelimited); m.WriteString(seed.DocString);
            m.WriteTag(7, WireFormat.WireType.LengthDelimited); m.WriteUInt64((ulong)graphLength);
        });
        // The opsets come after the graph, as field order puts them.
        var opsets = Message(o =>
        {
            foreach (var opset in seed.OpsetImport)
            {
                o.WriteTag(8, WireFormat.WireType.LengthDelimited);
                o.WriteMessage(opset);
            }
        });

        using var file = new FileStream(path, FileMode.Create, FileAccess.Write);
        file.Write(modelHead);
        file.Write(graphHead);
        file.Write(tensorHead);
        file.Seek(weightBytes, SeekOrigin.Current);
        file.Write(rest);
        file.Write(opsets);
    }

    private static byte[] Message(Action<CodedOutputStream> write)
    {
        var buffer = new MemoryStream();
        var stream = new CodedOutputStream(buffer, leaveOpen: true);
        write(stream);
        stream.Flush();
        return buffer.ToArray();
    }
}
