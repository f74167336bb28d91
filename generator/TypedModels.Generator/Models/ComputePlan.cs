using System.Globalization;
using System.Linq;

namespace TypedModels.Generator.Models;

/// <summary>
/// A model compiled to kernel calls (<c>Backend="Compiled"</c>): the constants that become static data, every tensor
/// the calls read or write, and the calls in order. Value-equatable, like every pipeline model; it holds the weights,
/// so a compiled client is re-emitted when they change.
/// </summary>
/// <param name="Outputs">For each client output, the index of the value that holds it (always arena storage).</param>
/// <param name="MultiplyAddsPerRow">The matrix products' multiply-adds with every symbolic dim at 1: a call's work per row of its batch.</param>
internal sealed record ComputePlan(
    EquatableArray<PlanConstant> Constants,
    EquatableArray<PlanValue> Values,
    EquatableArray<PlanStep> Steps,
    EquatableArray<int> Outputs,
    long MultiplyAddsPerRow);

/// <summary>A float tensor from the model, emitted as a static <c>ReadOnlySpan&lt;float&gt;</c> (data in the assembly image).</summary>
internal sealed record PlanConstant(string Name, EquatableArray<float> Values);

/// <summary>Where a value lives: a <c>Predict</c> parameter, a constant, its own slice of the arena, or another value's storage.</summary>
internal enum Storage
{
    Input,
    Constant,
    Arena,
    Alias,
}

/// <summary>A tensor of the plan. <paramref name="Source"/> is the input, constant or aliased value's index, by <paramref name="Storage"/>.</summary>
internal sealed record PlanValue(string Name, Storage Storage, int Source, EquatableArray<PlanDim> Shape);

/// <summary>A dim: a fixed size, or one of the client's symbols (<see cref="Symbol"/> ≥ 0).</summary>
internal readonly record struct PlanDim(long Value, int Symbol)
{
    public bool IsFixed => Symbol < 0;

    public static PlanDim Fixed(long value) => new(value, -1);

    public static PlanDim Of(int symbol) => new(-1, symbol);

    public override string ToString() => IsFixed ? Value.ToString(CultureInfo.InvariantCulture) : "$" + Symbol.ToString(CultureInfo.InvariantCulture);
}

/// <summary>One kernel call, for the node it computes (named in a comment above it).</summary>
internal sealed record PlanStep(string Kernel, string Node, string OpType, EquatableArray<PlanArg> Args)
{
    /// <summary>The argument for the kernel's parameter <paramref name="name"/>.</summary>
    public PlanArg this[string name] => Args.First(a => a.Name == name);
}

internal enum ArgKind
{
    /// <summary>A value's span (<see cref="PlanArg.Integer"/> is its index; -1 for an absent optional input).</summary>
    Tensor,

    /// <summary>Dims passed as a <c>ReadOnlySpan&lt;int&gt;</c>.</summary>
    Shape,

    /// <summary>The product of <see cref="PlanArg.Dims"/> as an <c>int</c>.</summary>
    Count,
    Float,
    Bool,
}

/// <summary>
/// An argument of a kernel call. <paramref name="Name"/> is the kernel's parameter: the emitter writes every argument
/// named (<c>transB: true</c>), so the C# compiler checks the planner's calls against the kernels' signatures.
/// </summary>
internal sealed record PlanArg(ArgKind Kind, long Integer, float Real, EquatableArray<PlanDim> Dims, string Name = "")
{
    public static PlanArg Tensor(int value) => new(ArgKind.Tensor, value, 0, EquatableArray<PlanDim>.Empty);

    public static PlanArg Shape(EquatableArray<PlanDim> dims) => new(ArgKind.Shape, 0, 0, dims);

    public static PlanArg Count(EquatableArray<PlanDim> dims) => new(ArgKind.Count, 0, 0, dims);

    public static PlanArg Float(float value) => new(ArgKind.Float, 0, value, EquatableArray<PlanDim>.Empty);

    public static PlanArg Bool(bool value) => new(ArgKind.Bool, value ? 1 : 0, 0, EquatableArray<PlanDim>.Empty);

    /// <summary>A <see cref="ArgKind.Bool"/> argument's value.</summary>
    public bool IsTrue => Integer != 0;
}
