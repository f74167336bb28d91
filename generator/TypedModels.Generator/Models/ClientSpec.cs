using System.Diagnostics;
using System.Linq;

namespace TypedModels.Generator.Models;

/// <summary>Everything the emitter needs to write one typed client.</summary>
/// <remarks>
/// Immutable and value-equatable (strings, numbers, records and <see cref="EquatableArray{T}"/>; no symbols,
/// syntax or locations), so that an edit that leaves it equal leaves the emitted source cached.
/// </remarks>
[DebuggerDisplay("{Class.Name} ← {ModelPath}")]
/// <param name="Plan">The compiled computation when the client runs as C# (<c>Backend="Compiled"</c>); null for ONNX Runtime.</param>
/// <param name="Embedded">The build embeds the model as the resource <c>TypedModels/{TargetPath}</c>, and the default constructor loads it from there.</param>
internal sealed record ClientSpec(
    ClassSpec Class,
    string ModelPath,
    string TargetPath,
    bool Embedded,
    ModelDocs Docs,
    EquatableArray<SymbolSpec> Symbols,
    EquatableArray<TensorSpec> Inputs,
    EquatableArray<TensorSpec> Outputs,
    EquatableArray<DimConstant> Constants,
    ComputePlan? Plan = null);

/// <summary>A generated file that several clients would write: its hint name and the models behind it.</summary>
internal sealed record DuplicateClass(string HintName, EquatableArray<string> ModelPaths);

/// <summary>A fixed dim published as a constant, e.g. <c>HiddenDim1 = 4</c>.</summary>
internal sealed record DimConstant(string Name, long Value, int Dim, string TensorName, string TypeAndShape);

/// <summary>The generated class: its namespace, name and containing types (outermost first).</summary>
/// <param name="Declared">True when the user declared it (<c>[TypedModel]</c>), so the emitted part adds no modifiers.</param>
internal sealed record ClassSpec(string? Namespace, string Name, EquatableArray<ContainingType> ContainingTypes, bool Declared)
{
    public string HintName => (Namespace is null ? "" : Namespace + ".") + string.Concat(ContainingTypes.Select(t => t.Name + ".")) + Name + ".g.cs";
}

/// <summary>A type around the generated class, e.g. <c>partial class Outer</c>.</summary>
internal sealed record ContainingType(string Keyword, string Name);

/// <summary>What the XML docs say about the model.</summary>
internal sealed record ModelDocs(string DocString, string Producer, long IrVersion, string Opsets, string GraphName, string GraphDocString);

/// <summary>
/// A symbolic dim; <paramref name="Parameter"/> is set when the inputs' lengths do not determine it, so the caller gives it,
/// and <paramref name="Optional"/> when its input's length determines it once the caller gives the other dims.
/// </summary>
internal sealed record SymbolSpec(string Name, string? Parameter, bool Optional = false);

/// <summary>An input or output with its C# names and types.</summary>
/// <param name="Dims">Fixed sizes (≥ 0) or symbols as <c>-1 - index</c>, as the runtime's descriptor encodes them; empty for a sequence.</param>
/// <param name="IsSequence">A sequence of tensors of <paramref name="ElementType"/>; <paramref name="ShapeText"/> is then its tensors' shape.</param>
internal sealed record TensorSpec(
    string Name,
    string Identifier,
    ElementTypeSpec ElementType,
    EquatableArray<long> Dims,
    string ShapeText,
    string DocString,
    bool IsSequence)
{
    public bool IsScalar => Dims.Count == 0 && !IsSequence;

    public bool IsString => ElementType.OnnxName == "string";
}

/// <summary>An ONNX element type and how it appears in C#.</summary>
internal sealed record ElementTypeSpec(string OnnxName, string ClrType, string OrtName);
