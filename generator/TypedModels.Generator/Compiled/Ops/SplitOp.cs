using System.Collections.Generic;
using System.Linq;
using TypedModels.Generator.Models;

namespace TypedModels.Generator.Compiled.Ops;

/// <summary>
/// <c>Split</c> along a fixed axis into known sizes (the split attribute before opset 13, an input since, or opset 18's
/// num_outputs; absent, equal parts): each output is a <c>Slice</c> of the input.
/// </summary>
internal sealed class SplitOp : Op
{
    public override IReadOnlyList<string> OpTypes => ["Split"];

    public override IReadOnlyList<string> Types => Any;

    public override void Plan(NodeContext node)
    {
        var x = node.Data(0);
        int rank = x.Shape.Length;
        int axis = Shapes.Axis(node.Int("axis", 0), rank);
        var dim = x.Shape[axis];
        if (!dim.IsFixed)
            throw new Unsupported($"it splits the symbolic dim {node.Shapes.Name(dim)}");
        int outputs = node.Node.Outputs.Count;
        long[] sizes = node.Opset < 13 ? node.Ints("split") ?? [] : node.Has(1) ? node.Longs(1, "split") : [];
        if (sizes.Length == 0)
        {
            // Equal parts; from opset 18 num_outputs may leave the last one smaller.
            long part = (dim.Value + outputs - 1) / outputs;
            if (node.Opset < 18 && dim.Value % outputs != 0)
                throw new Unsupported($"its dim of {dim.Value} does not split into {outputs} equal parts");
            sizes = Enumerable.Range(0, outputs).Select(i => System.Math.Max(0, System.Math.Min(part, dim.Value - i * part))).ToArray();
        }
        if (sizes.Length != outputs || sizes.Sum() != dim.Value || sizes.Any(s => s < 0))
            throw new Unsupported($"its sizes [{string.Join(", ", sizes)}] do not split a dim of {dim.Value} into {outputs} outputs");

        var steps = Enumerable.Repeat(1L, rank).ToEquatableArray();
        long offset = 0;
        for (int o = 0; o < outputs; o++)
        {
            var shape = x.Shape.Select((d, k) => k == axis ? PlanDim.Fixed(sizes[o]) : d).ToArray();
            var starts = Enumerable.Range(0, rank).Select(k => k == axis ? offset : 0L).ToEquatableArray();
            offset += sizes[o];
            if (!node.Wants(o))
                continue;
            int d = node.Output(shape, x.ElementType, o);
            node.Step(new SliceStep(node.Name, node.OpType, node.Tensor(0), x.Shape.ToEquatableArray(), starts, steps, d, shape.ToEquatableArray(), x.ElementType));
        }
    }
}
