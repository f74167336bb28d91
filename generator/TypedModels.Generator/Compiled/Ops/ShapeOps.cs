using System;
using System.Collections.Generic;
using System.Linq;
using TypedModels.Generator.Models;

namespace TypedModels.Generator.Compiled.Ops;

/// <summary>
/// <c>Shape</c> (with opset 15's start and end) and <c>Size</c>: known at build time, since every shape is, up to the
/// client's symbols. A shape with symbols becomes a vector of dims that Gather, Concat, Slice and Reshape fold on; a
/// kernel that reads one (a comparison of a dim, deciding an If) reads it as a <see cref="DimsStep"/> writes it.
/// </summary>
internal sealed class ShapeOps : Op
{
    public override IReadOnlyList<string> OpTypes => ["Shape", "Size"];

    public override IReadOnlyList<string> Types => Any;

    public override void Plan(NodeContext node)
    {
        var x = node.Input(0);
        if (node.OpType == "Size")
        {
            var size = node.Shapes.Product(x.Shape);
            node.Known(size.IsFixed ? Value.Known("int64", [], [size.Value]) : new Value("int64", []) { Dims = [size] });
            return;
        }
        int rank = x.Shape.Length;
        int Clamp(long at) => (int)Math.Max(0, Math.Min(rank, at < 0 ? at + rank : at));
        int start = Clamp(node.Int("start", 0)), end = Clamp(node.Int("end", rank));
        var dims = x.Shape.Skip(start).Take(Math.Max(0, end - start)).ToArray();
        PlanDim[] shape = [PlanDim.Fixed(dims.Length)];
        node.Known(dims.All(d => d.IsFixed) ? Value.Known("int64", shape, dims.Select(d => d.Value).ToArray()) : new Value("int64", shape) { Dims = dims });
    }
}

/// <summary>
/// <c>Kernels.Dims</c>: a vector of dims, some of them the client's symbols or formulas of them, written into a tensor of
/// its integer type when a kernel reads it; each reading has its own (a few integers), so a use inside an If's branch
/// never stands for one outside it.
/// </summary>
internal sealed record DimsStep(string Node, int D, EquatableArray<PlanDim> Dims, string ElementType) : PlanStep(Node, "Shape")
{
    public override void Emit(StepWriter w) => w.Call("Dims", ElementType, ("dims", w.Shape(Dims)), ("d", w.Tensor(D)));
}
