using System.Collections.Generic;
using System.Linq;
using TypedModels.Generator.Models;

namespace TypedModels.Generator.Compiled.Ops;

/// <summary><c>Tile</c> by known repeats; a repeated symbolic dim would not be a symbol, so only fixed dims repeat.</summary>
internal sealed class TileOp : Op
{
    public override IReadOnlyList<string> OpTypes => ["Tile"];

    public override IReadOnlyList<string> Types => Any;

    public override void Plan(NodeContext node)
    {
        var x = node.Data(0);
        var repeats = node.Longs(1, "repeats");
        if (repeats.Length != x.Shape.Length || repeats.Any(r => r < 0))
            throw new Unsupported($"its repeats [{string.Join(", ", repeats)}] do not fit the input {node.Text(x.Shape)}");
        var shape = new PlanDim[x.Shape.Length];
        for (int i = 0; i < shape.Length; i++)
        {
            shape[i] = repeats[i] == 1 ? x.Shape[i]
                : x.Shape[i].IsFixed ? PlanDim.Fixed(x.Shape[i].Value * repeats[i])
                : throw new Unsupported($"repeating the symbolic dim {node.Shapes.Name(x.Shape[i])} {repeats[i]} times gives a dim that is not a symbol");
        }
        int d = node.Output(shape, x.ElementType);
        node.Step(new TileStep(node.Name, node.OpType, node.Tensor(0), x.Shape.ToEquatableArray(), repeats.ToEquatableArray(), d, x.ElementType));
    }
}

/// <summary><c>Kernels.Tile</c>, or, for a small tile of the last dim only, assignments.</summary>
internal sealed record TileStep(string Node, string OpType, int X, EquatableArray<PlanDim> Shape, EquatableArray<long> Repeats, int D, string ElementType) : PlanStep(Node, OpType)
{
    public override void Emit(StepWriter w)
    {
        if (Shape.Count > 0 && Shape[Shape.Count - 1].IsFixed && Repeats.Take(Repeats.Count - 1).All(r => r == 1))
        {
            int width = (int)Shape[Shape.Count - 1].Value, times = (int)Repeats[Repeats.Count - 1];
            if (width * times <= Dense.InlineWeights && width > 0)
            {
                var code = w.Code;
                using (code.Block($"for (int __i = 0, __rows = {StepWriter.Count(Shape.Take(Shape.Count - 1))}; __i < __rows; __i++)"))
                {
                    code.WriteLine($"var __in = {w.Tensor(X)}.Slice(__i * {width}, {width});");
                    code.WriteLine($"var __out = {w.Tensor(D)}.Slice(__i * {width * times}, {width * times});");
                    for (int r = 0; r < times; r++)
                        for (int j = 0; j < width; j++)
                            code.WriteLine($"__out[{r * width + j}] = __in[{j}];");
                }
                return;
            }
        }
        w.Call("Tile", ElementType, ("x", w.Tensor(X)), ("shape", w.Shape(Shape)), ("repeats", w.Shape(Repeats)), ("d", w.Tensor(D)));
    }
}
