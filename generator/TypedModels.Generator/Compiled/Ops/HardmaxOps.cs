using System.Collections.Generic;
using System.Linq;
using TypedModels.Generator.Models;

namespace TypedModels.Generator.Compiled.Ops;

/// <summary>
/// <c>Hardmax</c> and <c>LpNormalization</c> of float or double tensors, each along lines of [outer, axis, inner].
/// Hardmax follows Softmax's two conventions: from opset 13 one axis (default the last); before, the input coerced to
/// 2-D at the axis (default 1), every dim from it on one line. LpNormalization (p 1 or 2, default 2) runs along one axis
/// (default the last).
/// </summary>
internal sealed class HardmaxOps : Op
{
    public override IReadOnlyList<string> OpTypes => ["Hardmax", "LpNormalization"];

    public override IReadOnlyList<string> Types => Floats;

    public override void Plan(NodeContext node)
    {
        var x = node.Data(0);
        int rank = x.Shape.Length;
        if (rank == 0)
            throw new Unsupported("its input is a scalar");
        bool hardmax = node.OpType == "Hardmax";
        bool single = !hardmax || node.Opset >= 13;
        int axis = Shapes.Axis(node.Int("axis", single ? -1 : 1), rank);
        var outer = x.Shape.Take(axis).ToEquatableArray();
        var along = (single ? x.Shape.Skip(axis).Take(1) : x.Shape.Skip(axis)).ToEquatableArray();
        var inner = (single ? x.Shape.Skip(axis + 1) : []).ToEquatableArray();
        long p = node.Int("p", 2);
        if (!hardmax && p is not (1 or 2))
            throw new Unsupported($"its p {p} is neither 1 nor 2");
        int d = node.Output(x.Shape, x.ElementType);
        node.Step(new NormalizeStep(node.Name, node.OpType, node.Tensor(0), d, outer, along, inner, hardmax ? 0 : p, x.ElementType));
    }
}

/// <summary><c>Kernels.Hardmax</c> or <c>Kernels.LpNormalization</c> (with <see cref="P"/>) of <see cref="X"/> viewed as [outer, axis, inner].</summary>
internal sealed record NormalizeStep(string Node, string OpType, int X, int D, EquatableArray<PlanDim> Outer, EquatableArray<PlanDim> Axis, EquatableArray<PlanDim> Inner,
    long P, string ElementType) : PlanStep(Node, OpType)
{
    public override void Emit(StepWriter w)
    {
        var args = new List<(string, string)>
        {
            ("x", w.Tensor(X)), ("outer", StepWriter.Count(Outer)), ("axis", StepWriter.Count(Axis)), ("inner", StepWriter.Count(Inner)),
        };
        if (OpType == "LpNormalization")
            args.Add(("p", StepWriter.Number(P)));
        args.Add(("d", w.Tensor(D)));
        w.Call(OpType, ElementType, [.. args]);
    }
}
