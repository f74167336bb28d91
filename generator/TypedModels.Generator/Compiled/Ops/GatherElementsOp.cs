using System.Collections.Generic;
using TypedModels.Generator.Models;

namespace TypedModels.Generator.Compiled.Ops;

/// <summary><c>GatherElements</c>: elements picked along an axis by int64 indices of the output's shape (known int32 indices are widened).</summary>
internal sealed class GatherElementsOp : Op
{
    public override IReadOnlyList<string> OpTypes => ["GatherElements"];

    public override IReadOnlyList<string> Types => Any;

    public override void Plan(NodeContext node)
    {
        var (x, indices) = (node.Data(0), node.Data(1, ["int32", "int64"]));
        int rank = x.Shape.Length;
        if (rank == 0 || indices.Shape.Length != rank)
            throw new Unsupported($"its data {node.Text(x.Shape)} and indices {node.Text(indices.Shape)} differ in rank");
        int axis = Shapes.Axis(node.Int("axis", 0), rank);
        if (indices.Longs is null && indices.ElementType != "int64")
            throw new Unsupported("its indices are int32 given at run time; the compiled GatherElements takes int64");
        int index = indices.Longs is { } known && indices.ElementType != "int64"
            ? node.Constant(node.Node.Inputs[1] + " (int64)", Value.Known("int64", indices.Shape, known))
            : node.Tensor(1);
        int d = node.Output(indices.Shape, x.ElementType);
        node.Step(new GatherElementsStep(node.Name, node.OpType, node.Tensor(0), x.Shape.ToEquatableArray(), index, indices.Shape.ToEquatableArray(), axis, d, x.ElementType));
    }
}

internal sealed record GatherElementsStep(string Node, string OpType, int X, EquatableArray<PlanDim> Shape, int Indices, EquatableArray<PlanDim> IndicesShape, int Axis, int D,
    string ElementType) : PlanStep(Node, OpType)
{
    public override void Emit(StepWriter w) => w.Call("GatherElements", ElementType, ("x", w.Tensor(X)), ("shape", w.Shape(Shape)), ("indices", w.Tensor(Indices)),
        ("indicesShape", w.Shape(IndicesShape)), ("axis", StepWriter.Number(Axis)), ("d", w.Tensor(D)));
}
