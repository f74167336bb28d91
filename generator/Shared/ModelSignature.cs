using System;

namespace TypedModels;

/// <summary>What the compiler needs to know of an ONNX model: its inputs, outputs and descriptive metadata.</summary>
/// <remarks>
/// Value-equatable throughout (records and <see cref="EquatableArray{T}"/>): two reads of models that differ only
/// in weights compare equal, so the generator's pipeline reuses its cached output.
/// </remarks>
internal sealed record ModelSignature(
    long IrVersion,
    string ProducerName,
    string ProducerVersion,
    string Domain,
    long ModelVersion,
    string DocString,
    string GraphName,
    string GraphDocString,
    EquatableArray<OpsetImport> Opsets,
    EquatableArray<TensorSignature> Inputs,
    EquatableArray<TensorSignature> Outputs);

internal sealed record OpsetImport(string Domain, long Version);

/// <summary>One graph input or output. <see cref="Shape"/> is null when the model gives no shape (unknown rank).</summary>
internal sealed record TensorSignature(string Name, ValueKind Kind, string ElementType, EquatableArray<Dim>? Shape, string TypeText, string DocString)
{
    public bool IsTensor => Kind == ValueKind.Tensor;
}

internal enum ValueKind
{
    Tensor,
    SparseTensor,
    Sequence,
    Map,
    Optional,
    Unknown,
}

/// <summary>A dimension: a fixed size (<see cref="Value"/> ≥ 0), a named symbol, or unknown (neither).</summary>
internal readonly record struct Dim(long Value, string? Symbol)
{
    public bool IsFixed => Value >= 0;

    public static Dim Fixed(long value) => new(value, null);

    public static Dim Named(string symbol) => new(-1, symbol);

    public static Dim Unknown => new(-1, null);

    public override string ToString() => IsFixed ? Value.ToString(System.Globalization.CultureInfo.InvariantCulture) : Symbol ?? "?";
}

/// <summary>Why a model's signature could not be read; the build step records it instead of failing the build.</summary>
internal enum SignatureErrorKind
{
    Missing,
    Unreadable,
    NotOnnx,
}

internal sealed record SignatureError(SignatureErrorKind Kind, string Message);
