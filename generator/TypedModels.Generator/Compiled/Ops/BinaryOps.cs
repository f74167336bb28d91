using System;
using System.Collections.Generic;
using System.Linq;
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
        if (DenseFusion.TryBias(node, shape))
            return;
        int d = node.Output(shape, a.ElementType);
        node.Step(new BinaryStep(node.Name, node.OpType, node.Tensor(0), a.Shape.ToEquatableArray(), node.Tensor(1), b.Shape.ToEquatableArray(), d, shape.ToEquatableArray(), a.ElementType == "float" ? null : a.ElementType));
    }
}

/// <summary>
/// <c>Kernels.{Kernel}</c> (by default the op type) of two broadcast tensors: float's vectorized kernel, or the generic one
/// of another type (<c>Kernels.Broadcast.cs</c>, also what comparisons and logic use), called as
/// <c>{Kernel}&lt;{TypeArgument}&gt;</c> when it is given.
/// </summary>
internal sealed record BinaryStep(string Node, string OpType, int A, EquatableArray<PlanDim> AShape, int B, EquatableArray<PlanDim> BShape, int D, EquatableArray<PlanDim> DShape,
    string? TypeArgument, string? Kernel = null) : PlanStep(Node, OpType)
{
    public override void Emit(StepWriter w) => w.Call(Kernel ?? OpType, TypeArgument,
        ("a", w.Tensor(A)), ("aShape", w.Shape(AShape)), ("b", w.Tensor(B)), ("bShape", w.Shape(BShape)), ("d", w.Tensor(D)), ("dShape", w.Shape(DShape)));
}

/// <summary>
/// The other elementwise operators of two tensors, with numpy broadcasting (<c>Kernels.Broadcast.cs</c>): <c>Pow</c> (a
/// base of any number type to an exponent of any number type, converted as ONNX Runtime's std::pow converts), <c>Mod</c>
/// (fmod=0: integers, the result with the divisor's sign; fmod=1: C's fmod, on every number type), <c>PRelu</c> (the
/// slope broadcast to x) and <c>BitShift</c> (unsigned integers, LEFT or RIGHT). Known inputs fold.
/// </summary>
internal sealed class BinaryFunctionOps : Op
{
    private static readonly string[] Unsigned = ["uint8", "uint16", "uint32", "uint64"];

    public override IReadOnlyList<string> OpTypes => ["Pow", "Mod", "PRelu", "BitShift"];

    public override IReadOnlyList<string> Types => Numbers;

    public override void Plan(NodeContext node)
    {
        var (a, b) = node.OpType == "BitShift" ? (node.Data(0, Unsigned), node.Data(1, Unsigned)) : (node.Data(0), node.Data(1));
        if (node.OpType != "Pow" && a.ElementType != b.ElementType)
            throw new Unsupported($"its inputs are {a.ElementType} and {b.ElementType}; ONNX requires one type");
        var shape = node.Shapes.Broadcast(a.Shape, b.Shape);
        string kernel = node.OpType;
        string typeArgument = StepWriter.Clr(a.ElementType);
        Value? folded = null;
        switch (node.OpType)
        {
            case "Pow":
                // The base's type is the result's; ONNX Runtime computes float^float as powf and the rest as pow in double.
                typeArgument += ", " + StepWriter.Clr(b.ElementType);
                if (Folding.CanFold(a, b))
                    folded = Folding.Binary(a, b, shape, a.ElementType, (x, y) => Value.Integer(a.ElementType, Math.Pow(x, y)), Math.Pow);
                break;
            case "Mod":
                bool fmod = node.Int("fmod", 0) != 0;
                if (!fmod && a.ElementType is "float" or "double")
                    throw new Unsupported("its fmod is 0 on floats; ONNX requires fmod=1 for floating-point types");
                kernel = fmod ? "FMod" : "Mod";
                if (Folding.CanFold(a, b))
                {
                    folded = Folding.Binary(a, b, shape, a.ElementType,
                        (x, y) => y == 0 ? throw new Unsupported("it divides an integer by zero") : fmod || x % y == 0 || (x % y < 0) == (y < 0) ? x % y : x % y + y,
                        (x, y) => x % y);
                }
                break;
            case "PRelu":
                if (!shape.SequenceEqual(a.Shape))
                    throw new Unsupported($"its slope {node.Text(b.Shape)} does not broadcast to its input {node.Text(a.Shape)}");
                if (Folding.CanFold(a, b))
                    folded = Folding.Binary(a, b, shape, a.ElementType, (x, s) => x > 0 ? x : x * s, (x, s) => x > 0 ? x : x * s);
                break;
            default:
                kernel = node.String("direction") switch
                {
                    "LEFT" => "BitShiftLeft",
                    "RIGHT" => "BitShiftRight",
                    var other => throw new Unsupported($"its direction is {(other is null ? "missing" : "'" + other + "'")}; ONNX defines LEFT and RIGHT"),
                };
                if (Folding.CanFold(a, b))
                    folded = Shift(a, b, shape, kernel == "BitShiftLeft");
                break;
        }
        if (folded is not null)
        {
            node.Known(folded);
            return;
        }
        int d = node.Output(shape, a.ElementType);
        node.Step(new BinaryFunctionStep(node.Name, node.OpType, kernel + "<" + typeArgument + ">", (node.OpType == "PRelu" ? new[] { "x", "slope" } : new[] { "a", "b" }).ToEquatableArray(),
            node.Tensor(0), a.Shape.ToEquatableArray(), node.Tensor(1), b.Shape.ToEquatableArray(), d, shape.ToEquatableArray()));
    }

    // Unsigned shifts on known data (a 64-bit value is held as its bit pattern): by the width or more, 0.
    private static Value Shift(Value a, Value b, PlanDim[] shape, bool left)
    {
        int width = ElementTypes.SizeOf(a.ElementType) * 8;
        var ia = Folding.BroadcastIndexes(a.Shape, shape);
        var ib = Folding.BroadcastIndexes(b.Shape, shape);
        return Value.Known(a.ElementType, shape, ia.Select((k, i) =>
        {
            ulong x = (ulong)a.Longs![k], y = (ulong)b.Longs![ib[i]];
            return y >= (ulong)width ? 0L : Value.Wrap(a.ElementType, (long)(left ? x << (int)y : x >> (int)y));
        }).ToArray());
    }
}

/// <summary>
/// <c>Kernels.{Kernel}</c>, the kernel with its type arguments written out (<c>Pow&lt;float, long&gt;</c>), of two
/// broadcast tensors whose parameters are named <see cref="Names"/> and their shapes <c>{name}Shape</c>.
/// </summary>
internal sealed record BinaryFunctionStep(string Node, string OpType, string Kernel, EquatableArray<string> Names, int A, EquatableArray<PlanDim> AShape,
    int B, EquatableArray<PlanDim> BShape, int D, EquatableArray<PlanDim> DShape) : PlanStep(Node, OpType)
{
    public override void Emit(StepWriter w) => w.Call(Kernel, (Names[0], w.Tensor(A)), (Names[0] + "Shape", w.Shape(AShape)), (Names[1], w.Tensor(B)),
        (Names[1] + "Shape", w.Shape(BShape)), ("d", w.Tensor(D)), ("dShape", w.Shape(DShape)));
}
