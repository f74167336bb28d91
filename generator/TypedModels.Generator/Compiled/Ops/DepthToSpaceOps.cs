using System.Collections.Generic;
using System.Linq;
using TypedModels.Generator.Models;

namespace TypedModels.Generator.Compiled.Ops;

/// <summary>
/// <c>DepthToSpace</c> (modes DCR, the default, and CRD from opset 11) and <c>SpaceToDepth</c> of [N, C, H, W] by
/// blocksize b, on every element type, as ONNX defines them: a reshape to six dims, a transpose, a reshape back. The
/// reshapes move nothing, so the step is the transpose alone, reading the input as the six-dim view and writing the
/// output in the order its four dims lay it out. C, H and W must be fixed; N may be a symbol.
/// </summary>
internal sealed class DepthToSpaceOps : Op
{
    public override IReadOnlyList<string> OpTypes => ["DepthToSpace", "SpaceToDepth"];

    public override IReadOnlyList<string> Types => Any;

    public override void Plan(NodeContext node)
    {
        var x = node.Data(0);
        if (x.Shape.Length != 4)
            throw new Unsupported($"its input {node.Text(x.Shape)} is not [N, C, H, W]");
        if (x.Shape.Skip(1).Any(d => !d.IsFixed))
            throw new Unsupported($"its input {node.Text(x.Shape)} has C, H or W symbolic");
        long b = node.Int("blocksize", 0);
        if (b < 1)
            throw new Unsupported(node.Attribute("blocksize") is null ? "it has no blocksize" : $"its blocksize {b} is not positive");
        var n = x.Shape[0];
        long c = x.Shape[1].Value, h = x.Shape[2].Value, w = x.Shape[3].Value;
        PlanDim[] view, shape;
        long[] perm;
        if (node.OpType == "DepthToSpace")
        {
            if (c % (b * b) != 0)
                throw new Unsupported($"its channels ({c}) are not a multiple of blocksize² ({b * b})");
            string mode = node.Opset >= 11 ? node.String("mode") ?? "DCR" : "DCR";
            (view, perm) = mode switch
            {
                "DCR" => (new[] { n, Fixed(b), Fixed(b), Fixed(c / (b * b)), Fixed(h), Fixed(w) }, new long[] { 0, 3, 4, 1, 5, 2 }),
                "CRD" => (new[] { n, Fixed(c / (b * b)), Fixed(b), Fixed(b), Fixed(h), Fixed(w) }, new long[] { 0, 1, 4, 2, 5, 3 }),
                _ => throw new Unsupported($"its mode '{mode}' is neither DCR nor CRD"),
            };
            shape = [n, Fixed(c / (b * b)), Fixed(h * b), Fixed(w * b)];
        }
        else
        {
            if (h % b != 0 || w % b != 0)
                throw new Unsupported($"its height and width ({h}, {w}) are not multiples of its blocksize ({b})");
            view = [n, Fixed(c), Fixed(h / b), Fixed(b), Fixed(w / b), Fixed(b)];
            perm = [0, 3, 5, 1, 2, 4];
            shape = [n, Fixed(c * b * b), Fixed(h / b), Fixed(w / b)];
        }
        int d = node.Output(shape, x.ElementType);
        node.Step(new TransposeStep(node.Name, node.OpType, node.Tensor(0), view.ToEquatableArray(), perm.ToEquatableArray(), d, x.ElementType));
    }

    private static PlanDim Fixed(long value) => PlanDim.Fixed(value);
}
