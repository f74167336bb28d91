using System;
using System.Collections.Generic;
using System.Linq;
using TypedModels.Generator.Models;

namespace TypedModels.Generator.Compiled.Ops;

/// <summary>
/// <c>Slice</c> with known starts, ends, axes and steps (attributes before opset 10, inputs since), clamped as ONNX
/// says at build time; a sliced axis must be fixed, the others may be symbols. Known data (a shape's dims included) folds.
/// </summary>
internal sealed class SliceOp : Op
{
    public override IReadOnlyList<string> OpTypes => ["Slice"];

    public override IReadOnlyList<string> Types => Any;

    public override void Plan(NodeContext node)
    {
        var x = node.Data(0);
        int rank = x.Shape.Length;
        long[] starts, ends, axes, steps;
        if (node.Opset < 10)
        {
            starts = node.Ints("starts") ?? throw new Unsupported("it has no starts");
            ends = node.Ints("ends") ?? throw new Unsupported("it has no ends");
            axes = node.Ints("axes") ?? Enumerable.Range(0, starts.Length).Select(a => (long)a).ToArray();
            steps = starts.Select(_ => 1L).ToArray();
        }
        else
        {
            starts = node.Longs(1, "starts");
            ends = node.Longs(2, "ends");
            axes = node.Has(3) ? node.Longs(3, "axes") : Enumerable.Range(0, starts.Length).Select(a => (long)a).ToArray();
            steps = node.Has(4) ? node.Longs(4, "steps") : starts.Select(_ => 1L).ToArray();
        }
        if (ends.Length != starts.Length || axes.Length != starts.Length || steps.Length != starts.Length)
            throw new Unsupported("its starts, ends, axes and steps differ in length");

        var start = new long[rank];
        var step = Enumerable.Repeat(1L, rank).ToArray();
        var shape = x.Shape.ToArray();
        var resolved = Shapes.Axes(axes, rank);
        for (int i = 0; i < resolved.Count; i++)
        {
            int axis = resolved[i];
            var dim = x.Shape[axis];
            if (steps[i] == 0)
                throw new Unsupported("a step is 0");
            if (!dim.IsFixed)
            {
                // The whole of a symbolic dim, forwards, is the only slice of it that is a symbol again.
                if (steps[i] == 1 && starts[i] == 0 && ends[i] >= int.MaxValue)
                    continue;
                throw new Unsupported($"it slices the symbolic dim {node.Shapes.Name(dim)}");
            }
            long size = dim.Value;
            long Clamp(long v, long low, long high) => Math.Max(low, Math.Min(high, v < 0 ? v + size : v));
            long first, last;
            if (steps[i] > 0)
                (first, last) = (Clamp(starts[i], 0, size), Clamp(ends[i], 0, size));
            else
                (first, last) = (Clamp(starts[i], 0, size - 1), ends[i] < -size ? -1 : Clamp(ends[i], -1, size - 1));
            long count = steps[i] > 0 ? Math.Max(0, (last - first + steps[i] - 1) / steps[i]) : Math.Max(0, (first - last - steps[i] - 1) / -steps[i]);
            (start[axis], step[axis], shape[axis]) = (first, steps[i], PlanDim.Fixed(count));
        }

        if (Folding.CanFold(x) || (rank == 1 && x.Dims is not null))
        {
            var picked = Enumerable.Range(0, (int)Shapes.Size(shape)).Select(o =>
            {
                long offset = 0, rest = o, stride = 1;
                for (int k = rank - 1; k >= 0; k--)
                {
                    long i = rest % shape[k].Value;
                    rest /= shape[k].Value;
                    offset += (start[k] + i * step[k]) * stride;
                    stride *= x.Shape[k].Value;
                }
                return (int)offset;
            }).ToArray();
            node.Known(x.Dims is { } dims ? Dimensions(x.ElementType, shape, picked.Select(i => dims[i]).ToArray())
                : x.Pick(shape, picked));
            return;
        }
        int d = node.Output(shape, x.ElementType);
        node.Step(new SliceStep(node.Name, node.OpType, node.Tensor(0), x.Shape.ToEquatableArray(), start.ToEquatableArray(), step.ToEquatableArray(), d,
            shape.ToEquatableArray(), x.ElementType));
    }

    private static Value Dimensions(string elementType, PlanDim[] shape, PlanDim[] dims) =>
        dims.All(d => d.IsFixed) ? Value.Known(elementType, shape, dims.Select(d => d.Value).ToArray()) : new Value(elementType, shape) { Dims = dims };
}

internal sealed record SliceStep(string Node, string OpType, int X, EquatableArray<PlanDim> Shape, EquatableArray<long> Starts, EquatableArray<long> Steps, int D,
    EquatableArray<PlanDim> DShape, string ElementType) : PlanStep(Node, OpType)
{
    public override void Emit(StepWriter w) => w.Call("Slice", ElementType, ("x", w.Tensor(X)), ("shape", w.Shape(Shape)), ("starts", w.Shape(Starts)),
        ("steps", w.Shape(Steps)), ("d", w.Tensor(D)), ("dShape", w.Shape(DShape)));
}
