using System.Collections.Generic;
using System.Linq;
using TypedModels.Generator.Models;

namespace TypedModels.Generator.Compiled.Ops;

/// <summary>
/// The reductions (<c>Kernels.Reduce.cs</c>) over known axes: an attribute, or an input (ReduceSum's from opset 13, the
/// others' from 18); none given: every axis, unless <c>noop_with_empty_axes</c> makes it the identity.
/// </summary>
internal sealed class ReduceOps : Op
{
    public override IReadOnlyList<string> OpTypes =>
        ["ReduceSum", "ReduceMean", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceL1", "ReduceL2", "ReduceSumSquare", "ReduceLogSum", "ReduceLogSumExp"];

    public override void Plan(NodeContext node)
    {
        var x = node.Data(0);
        int rank = x.Shape.Length;
        var given = ReshapeOps.Axes(node);
        if ((given is null || given.Length == 0) && node.Int("noop_with_empty_axes", 0) != 0)
        {
            node.Alias(x.Shape);
            return;
        }
        var axes = given is null || given.Length == 0 ? Enumerable.Range(0, rank).ToList() : Shapes.Axes(given, rank);
        bool keep = node.Int("keepdims", 1) != 0;
        var shape = new List<PlanDim>();
        for (int i = 0; i < rank; i++)
        {
            if (!axes.Contains(i))
                shape.Add(x.Shape[i]);
            else if (keep)
                shape.Add(PlanDim.Fixed(1));
        }
        int d = node.Output([.. shape]);
        var reduced = Enumerable.Range(0, rank).Select(i => axes.Contains(i) ? 1L : 0L).ToEquatableArray();
        node.Step(new ReduceStep(node.Name, node.OpType, node.Tensor(0), x.Shape.ToEquatableArray(), reduced, d));
    }
}

/// <summary><c>Kernels.{OpType}</c> of <see cref="X"/> over the dims where <see cref="Reduced"/> is 1.</summary>
internal sealed record ReduceStep(string Node, string OpType, int X, EquatableArray<PlanDim> Shape, EquatableArray<long> Reduced, int D) : PlanStep(Node, OpType)
{
    public override void Emit(StepWriter w) => w.Call(OpType, ("x", w.Tensor(X)), ("shape", w.Shape(Shape)), ("reduced", w.Shape(Reduced)), ("d", w.Tensor(D)));
}
