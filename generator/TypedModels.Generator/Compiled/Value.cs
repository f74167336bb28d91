using System;
using System.Linq;
using TypedModels.Generator.Models;

namespace TypedModels.Generator.Compiled;

/// <summary>
/// A tensor while the graph is planned: its element type and shape, and its data when the build knows it (an
/// initializer, a <c>Constant</c>, or a node the planner folded). Data is held by kind: <see cref="Floats"/> for float,
/// <see cref="Doubles"/> for double, <see cref="Longs"/> for the integer types and bool (0 or 1). A 1-D int64 tensor
/// whose elements are dims some of which are the client's symbols (a <c>Shape</c> of a symbolic input) is held as
/// <see cref="Dims"/> instead, so the Shape-Gather-Concat chains exporters write fold into a Reshape's shape.
/// </summary>
internal sealed class Value(string elementType, PlanDim[] shape)
{
    public string ElementType { get; } = elementType;

    public PlanDim[] Shape { get; } = shape;

    public float[]? Floats { get; init; }

    public double[]? Doubles { get; init; }

    public long[]? Longs { get; init; }

    /// <summary>Elements as dims, at least one of them symbolic (all-fixed dims are <see cref="Longs"/>).</summary>
    public PlanDim[]? Dims { get; init; }

    /// <summary>The value's index in the plan, once a step reads or writes it; -1 for data not yet needed at run time.</summary>
    public int Index { get; set; } = -1;

    public bool IsKnown => Floats is not null || Doubles is not null || Longs is not null;

    /// <summary>The integer elements as dims, fixed or symbolic; null when they are not known at build time.</summary>
    public PlanDim[]? AsDims() => Dims ?? Longs?.Select(PlanDim.Fixed).ToArray();

    /// <summary>The known elements as doubles (integers beyond 2^53 round), for folding arithmetic and comparisons.</summary>
    public double[]? AsDoubles() => Doubles ?? Floats?.Select(f => (double)f).ToArray() ?? Longs?.Select(l => (double)l).ToArray();

    public long Count => Shape.All(d => d.IsFixed) ? Shape.Aggregate(1L, (p, d) => p * d.Value) : -1;

    /// <summary>A known tensor of <paramref name="elementType"/> from doubles, each converted as a cast to that type converts.</summary>
    public static Value Known(string elementType, PlanDim[] shape, double[] values) => elementType switch
    {
        "float" => new Value(elementType, shape) { Floats = values.Select(v => (float)v).ToArray() },
        "double" => new Value(elementType, shape) { Doubles = values },
        "bool" => new Value(elementType, shape) { Longs = values.Select(v => v != 0 ? 1L : 0L).ToArray() },
        _ => new Value(elementType, shape) { Longs = values.Select(v => Integer(elementType, v)).ToArray() },
    };

    /// <summary>A known tensor of <paramref name="shape"/> whose element <c>i</c> is this one's element <c>indexes[i]</c> (a transpose, a slice), of the same type and bits.</summary>
    public Value Pick(PlanDim[] shape, int[] indexes) => new(ElementType, shape)
    {
        Floats = Floats is { } f ? indexes.Select(i => f[i]).ToArray() : null,
        Doubles = Doubles is { } d ? indexes.Select(i => d[i]).ToArray() : null,
        Longs = Longs is { } l ? indexes.Select(i => l[i]).ToArray() : null,
    };

    /// <summary>A known integer (or bool) tensor.</summary>
    public static Value Known(string elementType, PlanDim[] shape, long[] values) => new(elementType, shape) { Longs = values };

    /// <summary>A double truncated toward zero and wrapped to an integer type's width, as a C# unchecked cast does.</summary>
    public static long Integer(string elementType, double value)
    {
        if (double.IsNaN(value) || double.IsInfinity(value))
            return 0;
        long whole = value >= 9.2233720368547758E+18 ? long.MaxValue : value <= -9.2233720368547758E+18 ? long.MinValue : (long)value;
        return Wrap(elementType, whole);
    }

    /// <summary>An integer wrapped to <paramref name="elementType"/>'s width.</summary>
    public static long Wrap(string elementType, long value) => elementType switch
    {
        "int8" => (sbyte)value,
        "uint8" => (byte)value,
        "int16" => (short)value,
        "uint16" => (ushort)value,
        "int32" => (int)value,
        "uint32" => (uint)value,
        "bool" => value != 0 ? 1 : 0,
        _ => value,
    };

    /// <summary>The little-endian bytes of the known data in base64, as a <see cref="PlanConstant"/> carries them.</summary>
    public string ToBase64()
    {
        int size = ElementTypes.SizeOf(ElementType);
        var bytes = new byte[Math.Max(0, (Floats?.Length ?? Doubles?.Length ?? Longs?.Length ?? 0) * size)];
        if (Floats is { } floats)
        {
            for (int i = 0; i < floats.Length; i++)
                Put(BitConverter.GetBytes(floats[i]), i * 4);
        }
        else if (Doubles is { } doubles)
        {
            for (int i = 0; i < doubles.Length; i++)
                Put(BitConverter.GetBytes(doubles[i]), i * 8);
        }
        else if (Longs is { } longs)
        {
            for (int i = 0; i < longs.Length; i++)
                Put(BitConverter.GetBytes(longs[i]), i * size, size);
        }
        return Convert.ToBase64String(bytes);

        void Put(byte[] value, int at, int count = -1)
        {
            if (!BitConverter.IsLittleEndian)
                Array.Reverse(value);
            Buffer.BlockCopy(value, 0, bytes, at, count < 0 ? value.Length : count);
        }
    }

    /// <summary>A tensor of the model's (initializer or <c>Constant</c>) read from its little-endian bytes; its data stays unknown when its type is not one the planner folds.</summary>
    public static Value FromConstant(ConstantTensor tensor)
    {
        var shape = tensor.Dims.Select(PlanDim.Fixed).ToArray();
        byte[] data = Convert.FromBase64String(tensor.Data);
        long count = tensor.Dims.Aggregate(1L, (p, d) => p * d);
        int size = ElementTypes.SizeOf(tensor.ElementType);
        if (size == 0 || data.Length != count * size)
            return new Value(tensor.ElementType, shape);
        // ONNX stores little-endian, as BitConverter reads on the machines .NET builds on.
        return tensor.ElementType switch
        {
            "float" => new Value("float", shape) { Floats = Enumerable.Range(0, (int)count).Select(i => BitConverter.ToSingle(data, i * 4)).ToArray() },
            "double" => new Value("double", shape) { Doubles = Enumerable.Range(0, (int)count).Select(i => BitConverter.ToDouble(data, i * 8)).ToArray() },
            "int64" => Known("int64", shape, Enumerable.Range(0, (int)count).Select(i => BitConverter.ToInt64(data, i * 8)).ToArray()),
            "uint64" => Known("uint64", shape, Enumerable.Range(0, (int)count).Select(i => BitConverter.ToInt64(data, i * 8)).ToArray()),
            "int32" => Known("int32", shape, Enumerable.Range(0, (int)count).Select(i => (long)BitConverter.ToInt32(data, i * 4)).ToArray()),
            "uint32" => Known("uint32", shape, Enumerable.Range(0, (int)count).Select(i => (long)BitConverter.ToUInt32(data, i * 4)).ToArray()),
            "int16" => Known("int16", shape, Enumerable.Range(0, (int)count).Select(i => (long)BitConverter.ToInt16(data, i * 2)).ToArray()),
            "uint16" => Known("uint16", shape, Enumerable.Range(0, (int)count).Select(i => (long)BitConverter.ToUInt16(data, i * 2)).ToArray()),
            "int8" => Known("int8", shape, data.Select(b => (long)(sbyte)b).ToArray()),
            "uint8" => Known("uint8", shape, data.Select(b => (long)b).ToArray()),
            "bool" => Known("bool", shape, data.Select(b => b != 0 ? 1L : 0L).ToArray()),
            _ => new Value(tensor.ElementType, shape),
        };
    }
}
