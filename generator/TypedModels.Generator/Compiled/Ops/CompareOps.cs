using System.Collections.Generic;
using System.Linq;
using TypedModels.Generator.Models;

namespace TypedModels.Generator.Compiled.Ops;

/// <summary>
/// Comparisons (<c>Equal</c>, <c>Less</c>, <c>LessOrEqual</c>, <c>Greater</c>, <c>GreaterOrEqual</c>) of any number type
/// (Equal of bool too) and logic (<c>And</c>, <c>Or</c>, <c>Xor</c>, <c>Not</c>), all giving bool, with broadcasting.
/// Known inputs fold (exporters build masks from shapes this way).
/// </summary>
internal sealed class CompareOps : Op
{
    public override IReadOnlyList<string> OpTypes => ["Equal", "Less", "LessOrEqual", "Greater", "GreaterOrEqual", "And", "Or", "Xor", "Not"];

    public override IReadOnlyList<string> Types => Any;

    public override void Plan(NodeContext node)
    {
        bool logic = node.OpType is "And" or "Or" or "Xor" or "Not";
        IReadOnlyList<string> types = logic ? ["bool"] : node.OpType == "Equal" ? Any : Numbers;
        var a = node.Data(0, types);
        if (node.OpType == "Not")
        {
            if (Folding.CanFold(a))
            {
                node.Known(Value.Known("bool", a.Shape, a.Longs!.Select(v => v == 0 ? 1L : 0L).ToArray()));
                return;
            }
            int n = node.Output(a.Shape, "bool");
            node.Step(new NotStep(node.Name, node.OpType, node.Tensor(0), n));
            return;
        }
        var b = node.Data(1, types);
        if (a.ElementType != b.ElementType)
            throw new Unsupported($"its inputs are {a.ElementType} and {b.ElementType}; ONNX requires one type");
        var shape = node.Shapes.Broadcast(a.Shape, b.Shape);
        if (Folding.CanFold(a, b))
        {
            node.Known(node.OpType switch
            {
                "Equal" => Folding.Binary(a, b, shape, "bool", (x, y) => x == y ? 1 : 0, (x, y) => x == y ? 1 : 0),
                "Less" => Folding.Binary(a, b, shape, "bool", (x, y) => x < y ? 1 : 0, (x, y) => x < y ? 1 : 0),
                "LessOrEqual" => Folding.Binary(a, b, shape, "bool", (x, y) => x <= y ? 1 : 0, (x, y) => x <= y ? 1 : 0),
                "Greater" => Folding.Binary(a, b, shape, "bool", (x, y) => x > y ? 1 : 0, (x, y) => x > y ? 1 : 0),
                "GreaterOrEqual" => Folding.Binary(a, b, shape, "bool", (x, y) => x >= y ? 1 : 0, (x, y) => x >= y ? 1 : 0),
                "And" => Folding.Binary(a, b, shape, "bool", (x, y) => x & y, (x, y) => x * y),
                "Or" => Folding.Binary(a, b, shape, "bool", (x, y) => x | y, (x, y) => x + y),
                _ => Folding.Binary(a, b, shape, "bool", (x, y) => x ^ y, (x, y) => x != y ? 1 : 0),
            });
            return;
        }
        int d = node.Output(shape, "bool");
        node.Step(new BinaryStep(node.Name, node.OpType, node.Tensor(0), a.Shape.ToEquatableArray(), node.Tensor(1), b.Shape.ToEquatableArray(), d,
            shape.ToEquatableArray(), logic ? null : a.ElementType));
    }
}

internal sealed record NotStep(string Node, string OpType, int X, int D) : PlanStep(Node, OpType)
{
    public override void Emit(StepWriter w) => w.Call("Not", ("x", w.Tensor(X)), ("d", w.Tensor(D)));
}

/// <summary><c>Where</c>: one of two tensors by a bool condition, all three broadcast.</summary>
internal sealed class WhereOp : Op
{
    public override IReadOnlyList<string> OpTypes => ["Where"];

    public override IReadOnlyList<string> Types => Any;

    public override void Plan(NodeContext node)
    {
        var (c, x, y) = (node.Data(0, ["bool"]), node.Data(1), node.Data(2));
        if (x.ElementType != y.ElementType)
            throw new Unsupported($"its inputs are {x.ElementType} and {y.ElementType}; ONNX requires one type");
        var shape = node.Shapes.Broadcast(node.Shapes.Broadcast(c.Shape, x.Shape), y.Shape);
        if (Folding.CanFold(c, x, y))
        {
            var ic = Folding.BroadcastIndexes(c.Shape, shape);
            var ix = Folding.BroadcastIndexes(x.Shape, shape);
            var iy = Folding.BroadcastIndexes(y.Shape, shape);
            node.Known(x.Longs is { } xl && y.Longs is { } yl
                ? Value.Known(x.ElementType, shape, ic.Select((k, i) => c.Longs![k] != 0 ? xl[ix[i]] : yl[iy[i]]).ToArray())
                : Value.Known(x.ElementType, shape, ic.Select((k, i) => c.Longs![k] != 0 ? x.AsDoubles()![ix[i]] : y.AsDoubles()![iy[i]]).ToArray()));
            return;
        }
        int d = node.Output(shape, x.ElementType);
        node.Step(new WhereStep(node.Name, node.OpType, node.Tensor(0), c.Shape.ToEquatableArray(), node.Tensor(1), x.Shape.ToEquatableArray(),
            node.Tensor(2), y.Shape.ToEquatableArray(), d, shape.ToEquatableArray(), x.ElementType));
    }
}

internal sealed record WhereStep(string Node, string OpType, int C, EquatableArray<PlanDim> CShape, int X, EquatableArray<PlanDim> XShape, int Y, EquatableArray<PlanDim> YShape,
    int D, EquatableArray<PlanDim> DShape, string ElementType) : PlanStep(Node, OpType)
{
    public override void Emit(StepWriter w) => w.Call("Where", ElementType, ("condition", w.Tensor(C)), ("conditionShape", w.Shape(CShape)), ("x", w.Tensor(X)),
        ("xShape", w.Shape(XShape)), ("y", w.Tensor(Y)), ("yShape", w.Shape(YShape)), ("d", w.Tensor(D)), ("dShape", w.Shape(DShape)));
}
