using System;
using System.Collections.Generic;
using System.Linq;
using TypedModels.Generator.Models;

namespace TypedModels.Generator.Compiled.Ops;

/// <summary>
/// The ops that make tensors from shapes: <c>Expand</c> (a broadcast copy to a known shape), <c>ConstantOfShape</c> and
/// <c>Range</c>, whose results are known at build time when their inputs are.
/// </summary>
internal sealed class ExpandOps : Op
{
    // A tensor folded here is emitted as static data when a kernel reads it; past this many elements it is not worth it.
    private const int MaxFolded = 1 << 20;

    public override IReadOnlyList<string> OpTypes => ["Expand", "ConstantOfShape", "Range"];

    public override IReadOnlyList<string> Types => Any;

    public override void Plan(NodeContext node)
    {
        switch (node.OpType)
        {
            case "Expand":
            {
                var x = node.Data(0);
                var target = node.Input(1).AsDims() ?? throw new Unsupported("its shape is not known at build time");
                var shape = node.Shapes.Broadcast(x.Shape, target);
                if (Folding.CanFold(x) && shape.All(d => d.IsFixed) && Shapes.Size(shape) <= MaxFolded)
                {
                    var from = Folding.BroadcastIndexes(x.Shape, shape);
                    node.Known(x.Longs is { } l ? Value.Known(x.ElementType, shape, from.Select(i => l[i]).ToArray())
                        : Value.Known(x.ElementType, shape, from.Select(i => x.AsDoubles()![i]).ToArray()));
                    return;
                }
                int d = node.Output(shape, x.ElementType);
                node.Step(new ExpandStep(node.Name, node.OpType, node.Tensor(0), x.Shape.ToEquatableArray(), d, shape.ToEquatableArray(), x.ElementType));
                return;
            }
            case "ConstantOfShape":
            {
                var dims = node.Longs(0, "shape");
                var shape = Shapes.Fixed(dims);
                long count = Shapes.Size(shape);
                if (count > MaxFolded)
                    throw new Unsupported($"it makes {count} elements; the compiled backend folds at most {MaxFolded}");
                var fill = node.Attribute("value")?.Tensor is { } tensor ? Value.FromConstant(tensor) : new Value("float", [PlanDim.Fixed(1)]) { Floats = [0f] };
                if (!fill.IsKnown || !Any.Contains(fill.ElementType))
                    throw new Unsupported($"its value is a tensor of {fill.ElementType}");
                node.Known(fill.Longs is { } l ? Value.Known(fill.ElementType, shape, Enumerable.Repeat(l[0], (int)count).ToArray())
                    : Value.Known(fill.ElementType, shape, Enumerable.Repeat(fill.AsDoubles()![0], (int)count).ToArray()));
                return;
            }
            default:
            {
                var (start, limit, delta) = (node.Data(0, Numbers), node.Data(1, Numbers), node.Data(2, Numbers));
                if (!Folding.CanFold(start, limit, delta))
                    throw new Unsupported("its start, limit and delta are not known at build time");
                if (start.Longs is { } s && limit.Longs is { } l && delta.Longs is { } d)
                {
                    if (d[0] == 0)
                        throw new Unsupported("its delta is 0");
                    long count = Math.Max(0, (long)Math.Ceiling((double)(l[0] - s[0]) / d[0]));
                    node.Known(Value.Known(start.ElementType, [PlanDim.Fixed(count)], Enumerable.Range(0, (int)Math.Min(count, MaxFolded)).Select(i => s[0] + i * d[0]).ToArray()));
                    return;
                }
                // Floating-point ranges step by repeated addition in their own type, as ONNX Runtime's kernel does.
                double first = start.AsDoubles()![0], end = limit.AsDoubles()![0], step = delta.AsDoubles()![0];
                if (step == 0)
                    throw new Unsupported("its delta is 0");
                long n = Math.Max(0, (long)Math.Ceiling((end - first) / step));
                if (n > MaxFolded)
                    throw new Unsupported($"it makes {n} elements; the compiled backend folds at most {MaxFolded}");
                var values = new double[n];
                if (start.ElementType == "float")
                {
                    float at = (float)first, by = (float)step;
                    for (long i = 0; i < n; i++, at += by)
                        values[i] = at;
                }
                else
                {
                    double at = first;
                    for (long i = 0; i < n; i++, at += step)
                        values[i] = at;
                }
                node.Known(Value.Known(start.ElementType, [PlanDim.Fixed(n)], values));
                return;
            }
        }
    }
}

internal sealed record ExpandStep(string Node, string OpType, int X, EquatableArray<PlanDim> Shape, int D, EquatableArray<PlanDim> DShape, string ElementType) : PlanStep(Node, OpType)
{
    public override void Emit(StepWriter w) => w.Call("Expand", ElementType, ("x", w.Tensor(X)), ("shape", w.Shape(Shape)), ("d", w.Tensor(D)), ("dShape", w.Shape(DShape)));
}
