using System.Collections.Generic;
using System.Linq;
using TypedModels.Generator.Models;

namespace TypedModels.Generator.Compiled.Ops;

/// <summary><c>ArgMax</c> and <c>ArgMin</c> along one axis (keepdims, select_last_index from opset 12), giving int64.</summary>
internal sealed class ArgOps : Op
{
    public override IReadOnlyList<string> OpTypes => ["ArgMax", "ArgMin"];

    public override IReadOnlyList<string> Types => Numbers;

    public override void Plan(NodeContext node)
    {
        var x = node.Data(0);
        int rank = x.Shape.Length;
        if (rank == 0)
            throw new Unsupported("its input is a scalar");
        int axis = Shapes.Axis(node.Int("axis", 0), rank);
        bool keep = node.Int("keepdims", 1) != 0, last = node.Int("select_last_index", 0) != 0;
        if (!x.Shape[axis].IsFixed)
            throw new Unsupported($"it reduces the symbolic dim {node.Shapes.Name(x.Shape[axis])}, which may be 0");
        if (x.Shape[axis].Value == 0)
            throw new Unsupported("it reduces an empty axis, which has no index to give");
        var shape = keep ? x.Shape.Select((d, i) => i == axis ? PlanDim.Fixed(1) : d).ToArray() : x.Shape.Where((_, i) => i != axis).ToArray();
        int d = node.Output(shape, "int64");
        node.Step(new ArgStep(node.Name, node.OpType, node.Tensor(0), x.Shape.Take(axis).ToEquatableArray(), x.Shape[axis], x.Shape.Skip(axis + 1).ToEquatableArray(),
            last, d, x.ElementType));
    }
}

internal sealed record ArgStep(string Node, string OpType, int X, EquatableArray<PlanDim> Outer, PlanDim Axis, EquatableArray<PlanDim> Inner, bool SelectLastIndex, int D,
    string ElementType) : PlanStep(Node, OpType)
{
    public override void Emit(StepWriter w) => w.Call(OpType, ElementType, ("x", w.Tensor(X)), ("outer", StepWriter.Count(Outer)), ("axis", StepWriter.Count(Axis)),
        ("inner", StepWriter.Count(Inner)), ("selectLastIndex", StepWriter.Bool(SelectLastIndex)), ("d", w.Tensor(D)));
}
