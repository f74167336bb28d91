namespace TypedModels;

/// <summary>
/// ONNX's element types in one table: the <c>TensorProto.DataType</c> number, the ONNX name, the bytes an element
/// takes, and, for those a typed client carries, the C# type and ONNX Runtime's <c>TensorElementType</c> name. The
/// build step, the generator and the tests all read it here.
/// </summary>
internal static class ElementTypes
{
    // Size 0: strings (managed objects) and types no .NET tensor carries (complex, the packed 4- and 2-bit types).
    private static readonly Row[] Rows =
    [
        new(1, "float", 4, "float", "Float"),
        new(2, "uint8", 1, "byte", "UInt8"),
        new(3, "int8", 1, "sbyte", "Int8"),
        new(4, "uint16", 2, "ushort", "UInt16"),
        new(5, "int16", 2, "short", "Int16"),
        new(6, "int32", 4, "int", "Int32"),
        new(7, "int64", 8, "long", "Int64"),
        new(8, "string", 0, "string", "String"),
        new(9, "bool", 1, "bool", "Bool"),
        new(10, "float16", 2, "global::System.Half", "Float16"),
        new(11, "double", 8, "double", "Double"),
        new(12, "uint32", 4, "uint", "UInt32"),
        new(13, "uint64", 8, "ulong", "UInt64"),
        new(14, "complex64", 0, null, null),
        new(15, "complex128", 0, null, null),
        new(16, "bfloat16", 2, "global::Microsoft.ML.OnnxRuntime.BFloat16", "BFloat16"),
        new(17, "float8e4m3fn", 1, null, null),
        new(18, "float8e4m3fnuz", 1, null, null),
        new(19, "float8e5m2", 1, null, null),
        new(20, "float8e5m2fnuz", 1, null, null),
        new(21, "uint4", 0, null, null),
        new(22, "int4", 0, null, null),
        new(23, "float4e2m1", 0, null, null),
        new(24, "float8e8m0", 1, null, null),
        new(25, "uint2", 0, null, null),
        new(26, "int2", 0, null, null),
    ];

    /// <summary>The ONNX name of a <c>TensorProto.DataType</c> value.</summary>
    public static string Name(long dataType) => Find(dataType)?.Name ?? (dataType == 0 ? "undefined" : "data_type_" + dataType);

    /// <summary>The bytes one element takes in memory; 0 for strings and for types of less than a byte or no .NET form.</summary>
    public static int Size(long dataType) => Find(dataType)?.Size ?? 0;

    /// <summary>As <see cref="Size(long)"/>, by ONNX name.</summary>
    public static int SizeOf(string onnxName)
    {
        foreach (var row in Rows)
        {
            if (row.Name == onnxName)
                return row.Size;
        }
        return 0;
    }

    /// <summary>The C# type and ONNX Runtime's <c>TensorElementType</c> name of a type a typed client carries; null for the others.</summary>
    public static (string ClrType, string OrtName)? Carried(string onnxName)
    {
        foreach (var row in Rows)
        {
            if (row.Name == onnxName)
                return row.ClrType is { } clr ? (clr, row.OrtName!) : null;
        }
        return null;
    }

    private static Row? Find(long dataType)
    {
        foreach (var row in Rows)
        {
            if (row.Number == dataType)
                return row;
        }
        return null;
    }

    private sealed class Row(int number, string name, int size, string? clrType, string? ortName)
    {
        public int Number { get; } = number;
        public string Name { get; } = name;
        public int Size { get; } = size;
        public string? ClrType { get; } = clrType;
        public string? OrtName { get; } = ortName;
    }
}
