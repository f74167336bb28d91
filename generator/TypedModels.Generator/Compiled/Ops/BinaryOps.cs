using System.Collections.Generic;
using TypedModels.Generator.Models;

namespace TypedModels.Generator.Compiled.Ops;

/// <summary>
/// The arithmetic operators <c>Add</c>, <c>Sub</c>, <c>Mul</c>, <c>Div</c>, with numpy broadcasting decided at build
/// time, on any number type. Known inputs fold (shape arithmetic is int64).
/// </summary>
internal sealed class BinaryOps : Op
{
    public override IReadOnlyList<string> OpTypes => ["Add", "Sub", "Mul", "Div"];

    public override IReadOnlyList<string> Types => Numbers;

    public override void Plan(NodeContext node)
    {
        var (a, b) = (node.Data(0), node.Data(1));
        if (a.ElementType != b.ElementType)
            throw new Unsupported($"its inputs are {a.ElementType} and {b.ElementType}; ONNX requires one type");
        var shape = node.Shapes.Broadcast(a.Shape, b.Shape);
        if (Folding.CanFold(a, b) && shape is var s)
        {
            node.Known(node.OpType switch
            {
                "Add" => Folding.Binary(a, b, s, a.ElementType, (x, y) => x + y, (x, y) => x + y),
                "Sub" => Folding.Binary(a, b, s, a.ElementType, (x, y) => x - y, (x, y) => x - y),
                "Mul" => Folding.Binary(a, b, s, a.ElementType, (x, y) => x * y, (x, y) => x * y),
                _ => Folding.Binary(a, b, s, a.ElementType, (x, y) => y == 0 ? throw new Unsupported("it divides an integer by zero") : x / y, (x, y) => x / y),
            });
            return;
        }
        int d = node.Output(shape, a.ElementType);
        node.Step(new BinaryStep(node.Name, node.OpType, node.Tensor(0), a.Shape.ToEquatableArray(), node.Tensor(1), b.Shape.ToEquatableArray(), d, shape.ToEquatableArray(), a.ElementType == "float" ? null : a.ElementType));
    }
}

/// <summary>
/// <c>Kernels.{OpType}</c> of two broadcast tensors: float's vectorized kernel, or the generic one of another type
/// (<c>Kernels.Broadcast.cs</c>, also what comparisons and logic use), called as <c>{OpType}&lt;{TypeArgument}&gt;</c> when it is given.
/// </summary>
internal sealed record BinaryStep(string Node, string OpType, int A, EquatableArray<PlanDim> AShape, int B, EquatableArray<PlanDim> BShape, int D, EquatableArray<PlanDim> DShape,
    string? TypeArgument) : PlanStep(Node, OpType)
{
    public override void Emit(StepWriter w) => w.Call(OpType, TypeArgument,
        ("a", w.Tensor(A)), ("aShape", w.Shape(AShape)), ("b", w.Tensor(B)), ("bShape", w.Shape(BShape)), ("d", w.Tensor(D)), ("dShape", w.Shape(DShape)));
}
