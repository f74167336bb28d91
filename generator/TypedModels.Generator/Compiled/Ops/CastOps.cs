using System.Collections.Generic;
using System.Linq;
using TypedModels.Generator.Models;

namespace TypedModels.Generator.Compiled.Ops;

/// <summary>
/// <c>Cast</c> and <c>CastLike</c> among the numbers and bool. Known data is cast at build time with the run time's
/// rules; a cast to the same type aliases; otherwise a <see cref="CastStep"/>: float to integer truncates toward zero
/// (saturating, as .NET converts), integers wrap to the narrower width, anything to bool is "not zero".
/// </summary>
internal sealed class CastOps : Op
{
    public override IReadOnlyList<string> OpTypes => ["Cast", "CastLike"];

    public override IReadOnlyList<string> Types => Any;

    public override void Plan(NodeContext node)
    {
        var x = node.Data(0);
        string to = node.OpType == "CastLike" ? node.Input(1).ElementType : ElementTypes.Name(node.Int("to", 0));
        if (!Any.Contains(to))
            throw new Unsupported($"it casts to {to}; the compiled backend computes {string.Join(", ", Any)}");
        if (to == x.ElementType)
        {
            node.Alias(x.Shape);
            return;
        }
        if (x.IsKnown)
        {
            node.Known(Fold(x, to));
            return;
        }
        if (x.Dims is { } dims && Integers.Contains(to))
        {
            // A shape with symbolic dims stays one in another integer type (exporters cast shapes to int32 and back).
            node.Known(new Value(to, x.Shape) { Dims = dims });
            return;
        }
        int d = node.Output(x.Shape, to);
        node.Step(new CastStep(node.Name, node.OpType, node.Tensor(0), x.ElementType, d, to));
    }

    /// <summary>Known data cast as <c>Kernels.Cast</c> casts it.</summary>
    public static Value Fold(Value x, string to)
    {
        if (x.Longs is { } longs && x.ElementType != "uint64")
        {
            if (Integers.Contains(to) || to == "bool")
                return Value.Known(to, x.Shape, longs.Select(l => Value.Wrap(to, l)).ToArray());
            return Value.Known(to, x.Shape, longs.Select(l => (double)l).ToArray());
        }
        if (x.Floats is { } floats && to == "double")
            return new Value(to, x.Shape) { Doubles = floats.Select(f => (double)f).ToArray() };
        var values = x.AsDoubles() ?? throw new Unsupported("its input's data is not known");
        return to == "bool" ? Value.Known(to, x.Shape, values.Select(v => v != 0 ? 1L : 0L).ToArray()) : Value.Known(to, x.Shape, values);
    }
}

internal sealed record CastStep(string Node, string OpType, int X, string From, int D, string To) : PlanStep(Node, OpType)
{
    public override void Emit(StepWriter w) =>
        w.Code.WriteLine($"global::TypedModels.Compiled.Kernels.Cast<{StepWriter.Clr(From)}, {StepWriter.Clr(To)}>(x: {w.Tensor(X)}, d: {w.Tensor(D)});");
}
