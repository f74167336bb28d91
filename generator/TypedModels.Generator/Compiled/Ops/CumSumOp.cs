using System.Collections.Generic;
using System.Linq;
using TypedModels.Generator.Models;

namespace TypedModels.Generator.Compiled.Ops;

/// <summary><c>CumSum</c> along a known axis, exclusive and reverse as attributes say.</summary>
internal sealed class CumSumOp : Op
{
    public override IReadOnlyList<string> OpTypes => ["CumSum"];

    public override IReadOnlyList<string> Types => Numbers;

    public override void Plan(NodeContext node)
    {
        var x = node.Data(0);
        var axes = node.Longs(1, "axis");
        if (axes.Length != 1)
            throw new Unsupported("its axis is not one value");
        int axis = Shapes.Axis(axes[0], x.Shape.Length);
        int d = node.Output(x.Shape, x.ElementType);
        node.Step(new CumSumStep(node.Name, node.OpType, node.Tensor(0), x.Shape.Take(axis).ToEquatableArray(), x.Shape[axis], x.Shape.Skip(axis + 1).ToEquatableArray(),
            node.Int("exclusive", 0) != 0, node.Int("reverse", 0) != 0, d, x.ElementType));
    }
}

internal sealed record CumSumStep(string Node, string OpType, int X, EquatableArray<PlanDim> Outer, PlanDim Axis, EquatableArray<PlanDim> Inner, bool Exclusive, bool Reverse,
    int D, string ElementType) : PlanStep(Node, OpType)
{
    public override void Emit(StepWriter w) => w.Call("CumSum", ElementType, ("x", w.Tensor(X)), ("outer", StepWriter.Count(Outer)), ("axis", StepWriter.Count(Axis)),
        ("inner", StepWriter.Count(Inner)), ("exclusive", StepWriter.Bool(Exclusive)), ("reverse", StepWriter.Bool(Reverse)), ("d", w.Tensor(D)));
}
