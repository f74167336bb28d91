extern alias buildstep;

using System;
using System.Linq;
using System.Runtime.InteropServices;
using System.Text;
using TypedModels.SeedModel.Onnx;

namespace TypedModels.Conformance;

/// <summary>
/// One tensor of a backend test (<c>input_K.pb</c> or <c>output_K.pb</c>, a serialized <c>TensorProto</c>) in the
/// form both paths take: the element bytes as they lie in memory, or the strings.
/// </summary>
internal sealed record TestTensor(string Name, int DataType, long[] Shape, byte[] Bytes, string[]? Strings)
{
    public bool IsString => DataType == (int)TensorProto.Types.DataType.String;

    public long Count => Shape.Aggregate(1L, (a, b) => a * b);

    /// <summary>The size of one element in bytes (the one element table); 0 for strings and for types the suite does not carry.</summary>
    public static int ElementSize(int dataType) => buildstep::TypedModels.ElementTypes.Carried(buildstep::TypedModels.ElementTypes.Name(dataType)) is null
        ? 0 : buildstep::TypedModels.ElementTypes.Size(dataType);

    public static TestTensor Read(byte[] file) => From(TensorProto.Parser.ParseFrom(file));

    public static TestTensor From(TensorProto proto)
    {
        var shape = proto.Dims.ToArray();
        long count = shape.Aggregate(1L, (a, b) => a * b);
        int type = proto.DataType;
        if (type == (int)TensorProto.Types.DataType.String)
        {
            var strings = proto.StringData.Select(s => Encoding.UTF8.GetString(s.Span)).ToArray();
            return new TestTensor(proto.Name, type, shape, [], strings);
        }

        int size = ElementSize(type);
        if (size == 0)
            throw new NotSupportedException($"tensor '{proto.Name}' has ONNX data type {type}, which the conformance run does not read");
        if (proto.HasRawData)
            return new TestTensor(proto.Name, type, shape, proto.RawData.ToByteArray(), null);

        var bytes = new byte[count * size];
        switch (type)
        {
            case 1: MemoryMarshal.AsBytes(proto.FloatData.ToArray().AsSpan()).CopyTo(bytes); break;
            case 11: MemoryMarshal.AsBytes(proto.DoubleData.ToArray().AsSpan()).CopyTo(bytes); break;
            case 7: MemoryMarshal.AsBytes(proto.Int64Data.ToArray().AsSpan()).CopyTo(bytes); break;
            case 12 or 13:
                // uint32 and uint64 travel in uint64_data.
                for (int i = 0; i < proto.Uint64Data.Count; i++)
                    BitConverter.GetBytes(proto.Uint64Data[i]).AsSpan(0, size).CopyTo(bytes.AsSpan(i * size));
                break;
            default:
                // int32 and every narrower type (float16 and bfloat16 as their bits) travel in int32_data.
                for (int i = 0; i < proto.Int32Data.Count; i++)
                    BitConverter.GetBytes(proto.Int32Data[i]).AsSpan(0, size).CopyTo(bytes.AsSpan(i * size));
                break;
        }
        return new TestTensor(proto.Name, type, shape, bytes, null);
    }

    /// <summary>Element <paramref name="index"/> as a double, for the floating-point types the tolerance applies to.</summary>
    public double Real(int index) => DataType switch
    {
        1 => BitConverter.ToSingle(Bytes, index * 4),
        11 => BitConverter.ToDouble(Bytes, index * 8),
        10 => (double)BitConverter.ToHalf(Bytes, index * 2),
        16 => BitConverter.Int32BitsToSingle(BitConverter.ToUInt16(Bytes, index * 2) << 16),
        _ => throw new InvalidOperationException("not a floating-point tensor"),
    };

    public bool IsReal => DataType is 1 or 11 or 10 or 16;
}
