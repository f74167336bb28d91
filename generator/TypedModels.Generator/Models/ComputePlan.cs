using System.Globalization;
using TypedModels.Generator.Compiled;

namespace TypedModels.Generator.Models;

/// <summary>
/// A model compiled to kernel calls (<c>Backend="Compiled"</c>): the constants that become static data, every tensor
/// the calls read or write, and the calls in order. Value-equatable, like every pipeline model; it holds the weights,
/// so a compiled client is re-emitted when they change.
/// </summary>
/// <param name="Outputs">For each client output, the index of the value that holds it (always arena storage).</param>
/// <param name="MultiplyAddsPerRow">The matrix products' multiply-adds with every symbolic dim at 1: a call's work per row of its batch.</param>
/// <param name="DerivedSymbols">Symbols after the client's, each a C# expression of those before it (<see cref="Compiled.Shapes.Derive"/>).</param>
internal sealed record ComputePlan(
    EquatableArray<PlanConstant> Constants,
    EquatableArray<PlanValue> Values,
    EquatableArray<PlanStep> Steps,
    EquatableArray<int> Outputs,
    long MultiplyAddsPerRow,
    EquatableArray<string> DerivedSymbols = default);

/// <summary>
/// A tensor from the model, emitted as static data: <paramref name="Data"/> is its elements' little-endian bytes in
/// base64 (one string: equality is one comparison, and large constants are written as exactly this text).
/// </summary>
internal sealed record PlanConstant(string Name, string ElementType, int Count, string Data);

/// <summary>Where a value lives: a <c>Predict</c> parameter, a constant, its own slice of the arena, or another value's storage.</summary>
internal enum Storage
{
    Input,
    Constant,
    Arena,
    Alias,
}

/// <summary>
/// A tensor of the plan, of ONNX element type <paramref name="ElementType"/>. <paramref name="Source"/> is the input,
/// constant or aliased value's index, by <paramref name="Storage"/>.
/// </summary>
internal sealed record PlanValue(string Name, Storage Storage, int Source, EquatableArray<PlanDim> Shape, string ElementType = "float");

/// <summary>A dim: a fixed size, or one of the client's symbols (<see cref="Symbol"/> ≥ 0).</summary>
internal readonly record struct PlanDim(long Value, int Symbol)
{
    public bool IsFixed => Symbol < 0;

    public static PlanDim Fixed(long value) => new(value, -1);

    public static PlanDim Of(int symbol) => new(-1, symbol);

    public override string ToString() => IsFixed ? Value.ToString(CultureInfo.InvariantCulture) : "$" + Symbol.ToString(CultureInfo.InvariantCulture);
}

/// <summary>
/// One step of the plan, for the node it computes (named in a comment above its code). Each kind of step is a record
/// of its own, declared beside the operator that plans it (<c>Compiled/Ops/</c>), holding exactly what its kernel call
/// needs; it writes that call itself, every argument named, so the C# compiler checks it against the kernel's
/// signature. Records compare by value, derived fields and kind included, so the generator's cache still works.
/// </summary>
internal abstract record PlanStep(string Node, string OpType)
{
    /// <summary>Writes the step's code; every tensor it names goes through <see cref="StepWriter.Tensor"/>, which is how the arena learns its lifetimes.</summary>
    public abstract void Emit(StepWriter w);
}
