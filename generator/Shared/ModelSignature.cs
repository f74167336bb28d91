using System;

namespace TypedModels;

/// <summary>What the compiler needs to know of an ONNX model: its inputs, outputs and descriptive metadata.</summary>
/// <remarks>
/// Value-equatable throughout (records and <see cref="EquatableArray{T}"/>): two reads of models that differ only
/// in weights compare equal, so the generator's pipeline reuses its cached output. <see cref="Graph"/>, with the
/// weights, is read only for models whose backend may be compiled; their client changes with their weights.
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
    EquatableArray<TensorSignature> Outputs,
    ModelGraph? Graph = null);

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

/// <summary>
/// A model's computation: its nodes in the file's (topological) order and its constant tensors. The build step reads
/// it only for items whose backend may be compiled; <see cref="Refused"/> says why it did not (weights over the
/// limit, or stored outside the file), and then the lists are empty. A subgraph (an <c>If</c>'s branch, a graph
/// attribute) has no inputs of its own: its nodes read outer values by name, its own names shadowing them, and
/// <see cref="Outputs"/> names what it returns; the model's graph leaves <see cref="Outputs"/> empty (its outputs are
/// the signature's).
/// </summary>
internal sealed record ModelGraph(EquatableArray<GraphNode> Nodes, EquatableArray<ConstantTensor> Initializers, string? Refused,
    EquatableArray<string> Outputs = default)
{
    /// <summary>How deep subgraphs may nest (an If in a branch of an If…): deeper is no real model's, and would only exhaust the stack of whatever walks them.</summary>
    public const int MaxDepth = 32;
}

/// <summary>One node; an empty input name is an optional input left out.</summary>
internal sealed record GraphNode(string Name, string OpType, string Domain, EquatableArray<string> Inputs, EquatableArray<string> Outputs, EquatableArray<NodeAttribute> Attributes);

/// <summary>A node's attribute: the field its <see cref="Kind"/> names is set, the others are empty.</summary>
internal sealed record NodeAttribute(string Name, AttributeKind Kind, EquatableArray<long> Ints, EquatableArray<float> Floats, string Text, ConstantTensor? Tensor,
    ModelGraph? Graph = null);

internal enum AttributeKind
{
    Float,
    Int,
    String,
    Tensor,
    Floats,
    Ints,
    Other,
    Graph,
}

/// <summary>An initializer or a tensor attribute: its element type, dims and data as little-endian bytes in base64 (empty when its type is not carried).</summary>
internal sealed record ConstantTensor(string Name, string ElementType, EquatableArray<long> Dims, string Data);
