using System.Collections.Generic;
using System.Linq;
using TypedModels.Generator.Models;

namespace TypedModels.Generator.Compiled.Ops;

/// <summary>
/// <c>LayerNormalization</c> (opset 17): each row of the dims from <c>axis</c> on (default the last) normalised by its
/// own mean and standard deviation, then scaled and shifted element by element. The optional outputs Mean and
/// InvStdDev have the input's shape with the normalised dims 1. Scale and bias must be laid out as the normalised dims
/// (leading 1s aside), which is how exporters write them.
/// </summary>
internal sealed class LayerNormalizationOp : Op
{
    public override IReadOnlyList<string> OpTypes => ["LayerNormalization"];

    public override int SinceOpset => 17;

    public override void Plan(NodeContext node)
    {
        var x = node.Data(0);
        CheckStash(node);
        var (outer, normalised) = Rows(node, x);
        PerElement(node, 1, x, normalised, "scale");
        if (node.Has(2))
            PerElement(node, 2, x, normalised, "bias");
        var reduced = x.Shape.Take(outer.Length).Concat(normalised.Select(_ => PlanDim.Fixed(1))).ToArray();
        int d = node.Output(x.Shape);
        int mean = node.Wants(1) ? node.Output(reduced, "float", 1) : -1;
        int invStdDev = node.Wants(2) ? node.Output(reduced, "float", 2) : -1;
        node.Step(new LayerNormalizationStep(node.Name, node.OpType, node.Tensor(0), outer.ToEquatableArray(), normalised.ToEquatableArray(),
            node.Tensor(1), node.Tensor(2), node.Float("epsilon", 1e-5f), d, mean, invStdDev));
    }

    /// <summary>The dims before <c>axis</c> (the rows) and from it on (normalised together).</summary>
    internal static (PlanDim[] Outer, PlanDim[] Normalised) Rows(NodeContext node, Value x)
    {
        if (x.Shape.Length == 0)
            throw new Unsupported("its input is a scalar");
        int axis = Shapes.Axis(node.Int("axis", -1), x.Shape.Length);
        return (x.Shape.Take(axis).ToArray(), x.Shape.Skip(axis).ToArray());
    }

    /// <summary>
    /// Scale or bias as the kernel reads it: one value per normalised element, in their order. One that broadcasts to
    /// the normalised dims from fewer elements ([C] over [T, C], say) is not expanded.
    /// </summary>
    internal static void PerElement(NodeContext node, int input, Value x, PlanDim[] normalised, string what)
    {
        var value = node.Data(input);
        if (Channels.Fits(value.Shape, normalised))
            return;
        string dims = $"the normalised dims {node.Text(normalised)} (of {node.Text(x.Shape)} from axis {x.Shape.Length - normalised.Length})";
        bool broadcasts = value.Shape.Length <= normalised.Length
            && value.Shape.Select((dim, i) => dim == PlanDim.Fixed(1) || dim == normalised[normalised.Length - value.Shape.Length + i]).All(b => b);
        throw new Unsupported(broadcasts
            ? $"its {what} {node.Text(value.Shape)} broadcasts over {dims}; the compiled kernel takes one {what} per normalised element, and does not expand a smaller one"
            : $"its {what} {node.Text(value.Shape)} is not laid out as {dims}");
    }

    /// <summary><c>stash_type</c>, the precision of the statistics: float (1, the default) is what the kernels compute in.</summary>
    internal static void CheckStash(NodeContext node)
    {
        long stash = node.Int("stash_type", 1);
        if (stash != 1)
        {
            string type = stash switch { 11 => "double", 10 => "float16", 16 => "bfloat16", _ => "element type " + stash };
            throw new Unsupported($"its stash_type asks for the statistics in {type}; the compiled kernel computes them in float (stash_type 1)");
        }
    }
}

/// <summary><c>Kernels.LayerNormalization</c> of <see cref="X"/> viewed as [outer, inner]; <see cref="Mean"/> and <see cref="InvStdDev"/> are -1 when not asked for.</summary>
internal sealed record LayerNormalizationStep(string Node, string OpType, int X, EquatableArray<PlanDim> Outer, EquatableArray<PlanDim> Inner, int Scale, int Bias,
    float Epsilon, int D, int Mean, int InvStdDev) : PlanStep(Node, OpType)
{
    public override void Emit(StepWriter w) => w.Call("LayerNormalization",
        ("x", w.Tensor(X)), ("outer", StepWriter.Count(Outer)), ("inner", StepWriter.Count(Inner)), ("scale", w.Tensor(Scale)), ("bias", w.Tensor(Bias)),
        ("epsilon", StepWriter.Float(Epsilon)), ("d", w.Tensor(D)), ("mean", w.Tensor(Mean)), ("invStdDev", w.Tensor(InvStdDev)));
}

/// <summary>
/// <c>RMSNormalization</c> (opset 23): each row of the dims from <c>axis</c> on divided by its root mean square, then
/// scaled element by element; the scale is laid out as <see cref="LayerNormalizationOp"/>'s.
/// </summary>
internal sealed class RmsNormalizationOp : Op
{
    public override IReadOnlyList<string> OpTypes => ["RMSNormalization"];

    public override int SinceOpset => 23;

    public override void Plan(NodeContext node)
    {
        var x = node.Data(0);
        LayerNormalizationOp.CheckStash(node);
        var (outer, normalised) = LayerNormalizationOp.Rows(node, x);
        LayerNormalizationOp.PerElement(node, 1, x, normalised, "scale");
        int d = node.Output(x.Shape);
        node.Step(new RmsNormalizationStep(node.Name, node.OpType, node.Tensor(0), outer.ToEquatableArray(), normalised.ToEquatableArray(), node.Tensor(1),
            node.Float("epsilon", 1e-5f), d));
    }
}

/// <summary><c>Kernels.RMSNormalization</c> of <see cref="X"/> viewed as [outer, inner].</summary>
internal sealed record RmsNormalizationStep(string Node, string OpType, int X, EquatableArray<PlanDim> Outer, EquatableArray<PlanDim> Inner, int Scale,
    float Epsilon, int D) : PlanStep(Node, OpType)
{
    public override void Emit(StepWriter w) => w.Call("RMSNormalization",
        ("x", w.Tensor(X)), ("outer", StepWriter.Count(Outer)), ("inner", StepWriter.Count(Inner)), ("scale", w.Tensor(Scale)),
        ("epsilon", StepWriter.Float(Epsilon)), ("d", w.Tensor(D)));
}
