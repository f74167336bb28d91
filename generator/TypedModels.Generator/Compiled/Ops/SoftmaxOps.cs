using System.Collections.Generic;
using System.Linq;
using TypedModels.Generator.Models;

namespace TypedModels.Generator.Compiled.Ops;

/// <summary>
/// <c>Softmax</c> and <c>LogSoftmax</c>. From opset 13 they normalise along one axis (default the last); before, the
/// input is coerced to 2-D at the axis (default 1) and normalised along everything after it.
/// </summary>
internal sealed class SoftmaxOps : Op
{
    public override IReadOnlyList<string> OpTypes => ["Softmax", "LogSoftmax"];

    public override void Plan(NodeContext node)
    {
        var x = node.Data(0);
        int rank = x.Shape.Length;
        if (rank == 0)
            throw new Unsupported("its input is a scalar");
        bool single = node.Opset >= 13;
        int axis = Shapes.Axis(node.Int("axis", single ? -1 : 1), rank);
        var outer = x.Shape.Take(axis).ToEquatableArray();
        var along = (single ? x.Shape.Skip(axis).Take(1) : x.Shape.Skip(axis)).ToEquatableArray();
        var inner = (single ? x.Shape.Skip(axis + 1) : []).ToEquatableArray();
        int d = node.Output(x.Shape);
        node.Step(new SoftmaxStep(node.Name, node.OpType, node.Tensor(0), d, outer, along, inner));
    }
}

/// <summary><c>Kernels.Softmax</c> or <c>LogSoftmax</c> of <see cref="X"/> viewed as [outer, axis, inner].</summary>
internal sealed record SoftmaxStep(string Node, string OpType, int X, int D, EquatableArray<PlanDim> Outer, EquatableArray<PlanDim> Axis, EquatableArray<PlanDim> Inner)
    : PlanStep(Node, OpType)
{
    public override void Emit(StepWriter w) => w.Call(OpType,
        ("x", w.Tensor(X)), ("d", w.Tensor(D)), ("outer", StepWriter.Count(Outer)), ("axis", StepWriter.Count(Axis)), ("inner", StepWriter.Count(Inner)));
}
