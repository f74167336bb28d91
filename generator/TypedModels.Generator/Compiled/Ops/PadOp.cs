using System;
using System.Collections.Generic;
using System.Linq;
using TypedModels.Generator.Models;

namespace TypedModels.Generator.Compiled.Ops;

/// <summary>
/// <c>Pad</c> with known pads (an attribute before opset 11, an input since, with opset 18's axes), mode constant,
/// reflect, edge or wrap, and a known constant value; negative pads crop.
/// </summary>
internal sealed class PadOp : Op
{
    private static readonly string[] Modes = ["constant", "reflect", "edge", "wrap"];

    public override IReadOnlyList<string> OpTypes => ["Pad"];

    public override IReadOnlyList<string> Types => Any;

    public override void Plan(NodeContext node)
    {
        var x = node.Data(0);
        int rank = x.Shape.Length;
        long[] given = node.Opset < 11 ? node.Ints("pads") ?? node.Ints("paddings") ?? throw new Unsupported("it has no pads") : node.Longs(1, "pads");
        var axes = node.Opset >= 18 && node.Has(3) ? Shapes.Axes(node.Longs(3, "axes"), rank) : Enumerable.Range(0, rank).ToList();
        if (given.Length != 2 * axes.Count)
            throw new Unsupported($"its {given.Length} pads do not fit {axes.Count} axes");
        var pads = new long[2 * rank];
        for (int i = 0; i < axes.Count; i++)
            (pads[axes[i]], pads[rank + axes[i]]) = (given[i], given[axes.Count + i]);
        string mode = node.String("mode") ?? "constant";
        int modeIndex = System.Array.IndexOf(Modes, mode);
        if (modeIndex < 0)
            throw new Unsupported($"its mode '{mode}' is not one ONNX defines");

        // Cropping and padding one axis at once: ONNX leaves their order open (onnx/onnx#4294), and where it matters
        // (a wrap, or a reflection reaching past what the crop leaves) the kernel's order is not checked against ONNX Runtime's.
        for (int k = 0; k < rank && modeIndex > 0; k++)
        {
            long begin = pads[k], end = pads[rank + k];
            if (x.Shape[k].IsFixed && begin < 0 != end < 0 && begin != 0 && end != 0 && (mode == "wrap" || (mode == "reflect" && System.Math.Max(begin, end) >= x.Shape[k].Value + System.Math.Min(begin, end))))
                throw new Unsupported($"it crops one end of axis {k} and pads the other in {mode} mode, an order ONNX leaves open");
        }

        Value fill = node.Opset < 11 ? new Value("float", []) { Floats = [node.Float("value", 0f)] }
            : node.Has(2) ? node.Data(2) : Value.Known("int64", [], [0L]);
        if (!fill.IsKnown)
            throw new Unsupported("its constant value is not known at build time");
        if (fill.ElementType != x.ElementType)
            fill = CastOps.Fold(fill, x.ElementType);

        var shape = new PlanDim[rank];
        for (int k = 0; k < rank; k++)
        {
            var dim = x.Shape[k];
            if (pads[k] == 0 && pads[rank + k] == 0)
                shape[k] = dim;
            else if (!dim.IsFixed)
            {
                // A symbolic length padded: a derived dim, computed once per call (silero's STFT pads its samples).
                if (pads[k] < 0 || pads[rank + k] < 0)
                    throw new Unsupported($"it crops the symbolic dim {node.Shapes.Name(dim)}");
                long total = pads[k] + pads[rank + k];
                shape[k] = node.Shapes.Derive($"({Shapes.Code(dim)} + {total}L)", $"{node.Shapes.Name(dim)} + {total}");
                // ONNX Runtime reflects only pads shorter than the dim; the call checks that one is.
                long most = Math.Max(pads[k], pads[rank + k]);
                if (mode == "reflect")
                {
                    node.Step(new ExpectDimStep(node.Name, node.OpType, dim, most + 1, int.MaxValue,
                        $"The compiled node '{node.Name}' (Pad) reflects dim {k} of {node.Text(x.Shape)}, {node.Shapes.Name(dim)}, by {most}, and this input makes it {{0}}; it must be longer than its pads."));
                }
            }
            else if (modeIndex > 0 && dim.Value == 0)
                throw new Unsupported($"it pads an empty dim in {mode} mode");
            else if (mode == "reflect" && Math.Max(pads[k], pads[rank + k]) >= dim.Value)
                throw new Unsupported($"it reflects dim {k} ({dim.Value}) by {Math.Max(pads[k], pads[rank + k])}, which ONNX Runtime refuses: a reflection is shorter than its dim");
            else
                shape[k] = PlanDim.Fixed(dim.Value + pads[k] + pads[rank + k]);
            if (shape[k].IsFixed && shape[k].Value < 0)
                throw new Unsupported("its negative pads crop more than the dim holds");
        }
        int d = node.Output(shape, x.ElementType);
        node.Step(new PadStep(node.Name, node.OpType, node.Tensor(0), x.Shape.ToEquatableArray(), pads.ToEquatableArray(), modeIndex, StepWriter.Literal(fill, 0), d,
            shape.ToEquatableArray(), x.ElementType));
    }
}

internal sealed record PadStep(string Node, string OpType, int X, EquatableArray<PlanDim> Shape, EquatableArray<long> Pads, int Mode, string Value, int D,
    EquatableArray<PlanDim> DShape, string ElementType) : PlanStep(Node, OpType)
{
    public override void Emit(StepWriter w) => w.Call("Pad", ElementType, ("x", w.Tensor(X)), ("shape", w.Shape(Shape)), ("pads", w.Shape(Pads)),
        ("mode", StepWriter.Number(Mode)), ("value", Value), ("d", w.Tensor(D)), ("dShape", w.Shape(DShape)));
}
