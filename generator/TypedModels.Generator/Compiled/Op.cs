using System.Collections.Generic;

namespace TypedModels.Generator.Compiled;

/// <summary>
/// An operator (or a family of them) of the compiled backend, in one file under <c>Compiled/Ops/</c>: which op types
/// and opsets it handles, which element types its data inputs may have, and <see cref="Plan"/>, which infers the
/// node's output shapes, folds it when its inputs are known at build time, and otherwise adds the step record (declared
/// in the same file) that writes its kernel call. <see cref="OpRegistry"/> lists every one.
/// </summary>
internal abstract class Op
{
    public static readonly string[] Float = ["float"];

    /// <summary>The floating-point types a kernel computes in.</summary>
    public static readonly string[] Floats = ["float", "double"];

    /// <summary>Every number type the compiled backend carries.</summary>
    public static readonly string[] Numbers = ["float", "double", "int8", "uint8", "int16", "uint16", "int32", "uint32", "int64", "uint64"];

    /// <summary>The signed numbers (what Neg, Abs and Sign take beyond the unsigned).</summary>
    public static readonly string[] Signed = ["float", "double", "int8", "int16", "int32", "int64"];

    /// <summary>The integers.</summary>
    public static readonly string[] Integers = ["int8", "uint8", "int16", "uint16", "int32", "uint32", "int64", "uint64"];

    /// <summary>Every element type the compiled backend carries: the numbers and bool.</summary>
    public static readonly string[] Any = [.. Numbers, "bool"];

    /// <summary>The ONNX op types (domain <c>ai.onnx</c>) this class plans.</summary>
    public abstract IReadOnlyList<string> OpTypes { get; }

    /// <summary>The earliest ai.onnx opset whose semantics <see cref="Plan"/> follows (later ones it branches on itself).</summary>
    public virtual int SinceOpset => 1;

    /// <summary>The element types of the inputs <see cref="NodeContext.Data"/> reads (ONNX's type constraint <c>T</c>).</summary>
    public virtual IReadOnlyList<string> Types => Float;

    /// <summary>Plans <paramref name="node"/>; throws <see cref="Unsupported"/> with the reason when it cannot.</summary>
    public abstract void Plan(NodeContext node);
}
