using System.Collections.Generic;
using System.Linq;
using TypedModels.Generator.Models;

namespace TypedModels.Generator.Compiled.Ops;

/// <summary>
/// <c>Concat</c> along a fixed-size axis. Vectors of dims (the shapes exporters assemble from <c>Shape</c> and
/// constants) and other known data fold; tensors are copied in by one step per input.
/// </summary>
internal sealed class ConcatOp : Op
{
    public override IReadOnlyList<string> OpTypes => ["Concat"];

    public override IReadOnlyList<string> Types => Any;

    public override void Plan(NodeContext node)
    {
        if (node.InputCount == 0)
            throw new Unsupported("it has no inputs");
        var parts = Enumerable.Range(0, node.InputCount).Select(i => node.Data(i)).ToList();
        if (parts.Any(p => p.ElementType != parts[0].ElementType))
            throw new Unsupported("its inputs have different element types");
        int rank = parts[0].Shape.Length;
        long axisAttribute = node.Int("axis", long.MinValue);
        if (axisAttribute == long.MinValue)
            throw new Unsupported("it has no axis");
        int axis = Shapes.Axis(axisAttribute, rank);
        long total = 0;
        foreach (var part in parts)
        {
            if (part.Shape.Length != rank)
                throw new Unsupported($"its inputs have different ranks ({node.Text(parts[0].Shape)}, {node.Text(part.Shape)})");
            for (int i = 0; i < rank; i++)
            {
                if (i != axis)
                    node.Shapes.Same(parts[0].Shape[i], part.Shape[i], $"dim {i} of its inputs");
            }
            total += part.Shape[axis].IsFixed ? part.Shape[axis].Value
                : throw new Unsupported($"the concatenated dim {node.Shapes.Name(part.Shape[axis])} is symbolic; its sum would not be a symbol");
        }
        var shape = parts[0].Shape.ToArray();
        shape[axis] = PlanDim.Fixed(total);

        if (rank == 1 && parts.All(p => p.AsDims() is not null))
        {
            var dims = parts.SelectMany(p => p.AsDims()!).ToArray();
            node.Known(dims.All(d => d.IsFixed) ? Value.Known(parts[0].ElementType, shape, dims.Select(d => d.Value).ToArray())
                : new Value(parts[0].ElementType, shape) { Dims = dims });
            return;
        }
        var outer = shape.Take(axis).ToList();
        var inner = shape.Skip(axis + 1).ToList();
        if (Folding.CanFold([.. parts]))
        {
            long blocks = Shapes.Size(outer), width = Shapes.Size(inner);
            var values = new List<double>();
            var longs = new List<long>();
            for (long o = 0; o < blocks; o++)
            {
                foreach (var part in parts)
                {
                    long block = part.Shape[axis].Value * width;
                    if (part.Longs is { } l)
                        longs.AddRange(l.Skip((int)(o * block)).Take((int)block));
                    else
                        values.AddRange(part.AsDoubles()!.Skip((int)(o * block)).Take((int)block));
                }
            }
            node.Known(parts[0].Longs is not null ? Value.Known(parts[0].ElementType, shape, longs.ToArray()) : Value.Known(parts[0].ElementType, shape, values.ToArray()));
            return;
        }
        int d = node.Output(shape, parts[0].ElementType);
        long offset = 0;
        for (int i = 0; i < parts.Count; i++)
        {
            long along = parts[i].Shape[axis].Value;
            node.Step(new ConcatStep(node.Name, node.OpType, node.Tensor(i), d, outer.ToEquatableArray(), Times(along, inner), Times(total, inner), Times(offset, inner), parts[0].ElementType));
            offset += along;
        }
    }

    private static EquatableArray<PlanDim> Times(long factor, IEnumerable<PlanDim> dims) => new[] { PlanDim.Fixed(factor) }.Concat(dims).ToEquatableArray();
}

/// <summary><c>Kernels.ConcatPart</c>: one input's blocks into their place in the output.</summary>
internal sealed record ConcatStep(string Node, string OpType, int X, int D, EquatableArray<PlanDim> Outer, EquatableArray<PlanDim> Block,
    EquatableArray<PlanDim> OutputBlock, EquatableArray<PlanDim> Offset, string ElementType) : PlanStep(Node, OpType)
{
    public override void Emit(StepWriter w) => w.Call("ConcatPart", ElementType, ("x", w.Tensor(X)), ("d", w.Tensor(D)), ("outer", StepWriter.Count(Outer)),
        ("block", StepWriter.Count(Block)), ("outputBlock", StepWriter.Count(OutputBlock)), ("offset", StepWriter.Count(Offset)));
}
