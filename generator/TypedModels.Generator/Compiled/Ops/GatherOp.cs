using System.Collections.Generic;
using System.Linq;
using TypedModels.Generator.Models;

namespace TypedModels.Generator.Compiled.Ops;

/// <summary>
/// <c>Gather</c> along an axis by int32 or int64 indices. Known data (a shape's dims included) with known indices
/// folds; otherwise the indices must be int64 and the kernel copies inner blocks.
/// </summary>
internal sealed class GatherOp : Op
{
    public override IReadOnlyList<string> OpTypes => ["Gather"];

    public override IReadOnlyList<string> Types => Any;

    public override void Plan(NodeContext node)
    {
        var (x, indices) = (node.Data(0), node.Data(1, ["int32", "int64"]));
        int rank = x.Shape.Length;
        if (rank == 0)
            throw new Unsupported("its data is a scalar");
        int axis = Shapes.Axis(node.Int("axis", 0), rank);
        var shape = x.Shape.Take(axis).Concat(indices.Shape).Concat(x.Shape.Skip(axis + 1)).ToArray();
        var axisDim = x.Shape[axis];
        if (indices.Longs is { } known && axisDim.IsFixed && known.Any(i => i < -axisDim.Value || i >= axisDim.Value))
            throw new Unsupported($"an index of [{string.Join(", ", known)}] lies outside its axis of {axisDim.Value}");
        if (indices.Longs is { } at && rank == 1 && x.AsDims() is { } dims && Folding.CanFold(indices))
        {
            var picked = at.Select(i => dims[i < 0 ? i + dims.Length : i]).ToArray();
            node.Known(picked.All(d => d.IsFixed) ? Value.Known(x.ElementType, shape, picked.Select(d => d.Value).ToArray()) : new Value(x.ElementType, shape) { Dims = picked });
            return;
        }
        if (indices.Longs is { } where && Folding.CanFold(x, indices))
        {
            long outer = Shapes.Size(x.Shape.Take(axis)), inner = Shapes.Size(x.Shape.Skip(axis + 1)), along = axisDim.Value;
            var order = new List<long>();
            for (long o = 0; o < outer; o++)
                foreach (long i in where)
                    for (long j = 0; j < inner; j++)
                        order.Add((o * along + (i < 0 ? i + along : i)) * inner + j);
            node.Known(x.Longs is { } l ? Value.Known(x.ElementType, shape, order.Select(k => l[k]).ToArray())
                : Value.Known(x.ElementType, shape, order.Select(k => x.AsDoubles()![k]).ToArray()));
            return;
        }
        if (indices.ElementType != "int64" && indices.Longs is null)
            throw new Unsupported("its indices are int32 given at run time; the compiled Gather takes int64");
        int d = node.Output(shape, x.ElementType);
        // Known int32 indices are widened here; the kernel reads int64.
        int index = indices.Longs is { } constant && indices.ElementType != "int64"
            ? node.Constant(node.Node.Inputs[1] + " (int64)", Value.Known("int64", indices.Shape, constant))
            : node.Tensor(1);
        node.Step(new GatherStep(node.Name, node.OpType, node.Tensor(0), x.Shape.Take(axis).ToEquatableArray(), axisDim, x.Shape.Skip(axis + 1).ToEquatableArray(),
            index, d, x.ElementType));
    }
}

internal sealed record GatherStep(string Node, string OpType, int X, EquatableArray<PlanDim> Outer, PlanDim Axis, EquatableArray<PlanDim> Inner, int Indices, int D, string ElementType)
    : PlanStep(Node, OpType)
{
    public override void Emit(StepWriter w) => w.Call("Gather", ElementType, ("x", w.Tensor(X)), ("outer", StepWriter.Count(Outer)), ("axis", StepWriter.Count(Axis)),
        ("inner", StepWriter.Count(Inner)), ("indices", w.Tensor(Indices)), ("d", w.Tensor(D)));
}
