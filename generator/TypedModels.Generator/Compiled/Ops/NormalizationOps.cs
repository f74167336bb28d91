using System.Collections.Generic;
using System.Linq;
using TypedModels.Generator.Models;

namespace TypedModels.Generator.Compiled.Ops;

/// <summary>
/// What the channel normalisations share: the input read as [N, C, D1…Dn] (the batch may be a symbol; the kernels
/// take it and the spatial size as counts), and parameters checked against the shape their kernel indexes.
/// </summary>
internal static class Channels
{
    /// <summary>N, C and the spatial dims D1…Dn of an input of rank 2 or more.</summary>
    public static (PlanDim N, PlanDim C, PlanDim[] Spatial) Of(NodeContext node, Value x)
    {
        if (x.Shape.Length < 2)
            throw new Unsupported($"its input {node.Text(x.Shape)} has no channel dim (it must be [N, C, D1, …])");
        return (x.Shape[0], x.Shape[1], x.Shape.Skip(2).ToArray());
    }

    /// <summary>
    /// Input <paramref name="input"/> as a float tensor laid out as <paramref name="expected"/>: the same dims, leading 1s
    /// aside (a [1, C] scale reads as [C]).
    /// </summary>
    public static void Check(NodeContext node, int input, PlanDim[] expected, string what, string kernelTakes)
    {
        var value = node.Data(input);
        if (!Fits(value.Shape, expected))
            throw new Unsupported($"its {what} is {node.Text(value.Shape)}; the compiled kernel takes {kernelTakes}, {node.Text(expected)}");
    }

    /// <summary>Whether a tensor of <paramref name="shape"/> holds the elements of <paramref name="expected"/> in its order: the same dims once leading 1s are dropped.</summary>
    public static bool Fits(PlanDim[] shape, PlanDim[] expected) => Trim(shape).SequenceEqual(Trim(expected));

    private static IEnumerable<PlanDim> Trim(PlanDim[] dims) => dims.SkipWhile(d => d == PlanDim.Fixed(1));
}

/// <summary>
/// <c>BatchNormalization</c> for inference: y = (x − mean) / √(var + ε) · scale + bias per channel, with the given mean
/// and variance. Training (<c>training_mode</c> from opset 14, <c>is_test</c> = 0 in opset 6, or any of the running or
/// saved statistics asked for as outputs, which is how opsets 7 to 13 say it) is not compiled. Before opset 9,
/// <c>spatial</c> = 0 gives every activation its own statistics: the parameters are [C, D1…Dn], and the kernel runs
/// with C·D1…Dn channels of one element each.
/// </summary>
internal sealed class BatchNormalizationOp : Op
{
    public override IReadOnlyList<string> OpTypes => ["BatchNormalization"];

    public override void Plan(NodeContext node)
    {
        if (node.Int("training_mode", 0) != 0)
            throw new Unsupported("its training_mode is set; the compiled backend runs inference only, with the given mean and variance");
        if (node.Int("is_test", 1) == 0)
            throw new Unsupported("its is_test is 0 (training); the compiled backend runs inference only, with the given mean and variance");
        for (int i = 1; i < 5; i++)
        {
            if (node.Wants(i))
                throw new Unsupported($"its output {i} ('{node.Node.Outputs[i]}') is a training statistic; the compiled backend runs inference only and computes Y alone");
        }
        var x = node.Data(0);
        var (n, c, spatial) = Channels.Of(node, x);
        bool perActivation = node.Opset < 9 && node.Int("spatial", 1) == 0;
        PlanDim[] channels = perActivation ? x.Shape.Skip(1).ToArray() : [c];
        string per = perActivation ? "one value per activation (spatial = 0)" : "one value per channel";
        Channels.Check(node, 1, channels, "scale", per);
        Channels.Check(node, 2, channels, "bias", per);
        Channels.Check(node, 3, channels, "mean", per);
        Channels.Check(node, 4, channels, "variance", per);
        if (!perActivation && TryFoldIntoConv(node, x))
            return;
        int d = node.Output(x.Shape);
        node.Step(new BatchNormalizationStep(node.Name, node.OpType, node.Tensor(0), n, channels.ToEquatableArray(),
            (perActivation ? [] : spatial).ToEquatableArray(), node.Tensor(1), node.Tensor(2), node.Tensor(3), node.Tensor(4), node.Float("epsilon", 1e-5f), d));
    }

    /// <summary>
    /// Folds the normalisation into the Conv that writes its input (before any activation folded into it), when nothing
    /// else reads that output and the Conv's weights and the statistics are known: a = scale / √(var + ε), W′ = W·a per
    /// output channel, b′ = (b − mean)·a + bias (bias − mean·a without a Conv bias), in float and in that order, as ONNX
    /// Runtime's Conv-BatchNormalization fusion computes them, so the folded model rounds as ONNX Runtime's optimised
    /// graph does. The normalisation then costs nothing.
    /// </summary>
    private static bool TryFoldIntoConv(NodeContext node, Value x)
    {
        if (x.Index < 0 || !node.OnlyReader(0) || node.Steps.OfType<ConvStep>().LastOrDefault(s => s.D == x.Index && s.OpType == "Conv") is not { Activation: "None" } conv)
            return false;
        var (scale, bias, mean, variance) = (node.Input(1).Floats, node.Input(2).Floats, node.Input(3).Floats, node.Input(4).Floats);
        var weights = node.ConstantFloats(conv.W);
        var convBias = conv.B < 0 ? null : node.ConstantFloats(conv.B);
        int channels = (int)conv.WShape[0];
        if (scale is null || bias is null || mean is null || variance is null || weights is null || (conv.B >= 0 && convBias is null) || scale.Length != channels)
            return false;
        float epsilon = node.Float("epsilon", 1e-5f);
        var a = new float[channels];
        for (int m = 0; m < channels; m++)
            a[m] = scale[m] / (float)System.Math.Sqrt(variance[m] + epsilon);
        int perChannel = weights.Length / channels;
        var folded = new float[weights.Length];
        for (int i = 0; i < weights.Length; i++)
            folded[i] = weights[i] * a[i / perChannel];
        var shift = new float[channels];
        for (int m = 0; m < channels; m++)
            shift[m] = convBias is null ? bias[m] - mean[m] * a[m] : (convBias[m] - mean[m]) * a[m] + bias[m];
        string name = node.Name + " (folded into " + conv.Node + ")";
        int w = node.Constant(name + " weights", new Value("float", conv.WShape.Select(PlanDim.Fixed).ToArray()) { Floats = folded });
        int b = node.Constant(name + " bias", new Value("float", [PlanDim.Fixed(channels)]) { Floats = shift });
        node.Replace(conv, conv with { W = w, B = b, Node = conv.Node + " + " + node.Name, OpType = "Conv" });
        // The Conv's own value, not an alias of it, so that an activation after the normalisation finds the step that writes it.
        node.Define(x, 0);
        return true;
    }
}

/// <summary><c>Kernels.BatchNormalization</c> of <see cref="X"/> viewed as [N, channels, spatial].</summary>
internal sealed record BatchNormalizationStep(string Node, string OpType, int X, PlanDim N, EquatableArray<PlanDim> Channels, EquatableArray<PlanDim> Spatial,
    int Scale, int Bias, int Mean, int Variance, float Epsilon, int D) : PlanStep(Node, OpType)
{
    public override void Emit(StepWriter w) => w.Call("BatchNormalization",
        ("x", w.Tensor(X)), ("n", StepWriter.Count(N)), ("c", StepWriter.Count(Channels)), ("spatial", StepWriter.Count(Spatial)),
        ("scale", w.Tensor(Scale)), ("bias", w.Tensor(Bias)), ("mean", w.Tensor(Mean)), ("variance", w.Tensor(Variance)),
        ("epsilon", StepWriter.Float(Epsilon)), ("d", w.Tensor(D)));
}

/// <summary><c>InstanceNormalization</c>: each (n, c) plane normalised by its own mean and variance, then scaled and shifted per channel.</summary>
internal sealed class InstanceNormalizationOp : Op
{
    public override IReadOnlyList<string> OpTypes => ["InstanceNormalization"];

    public override void Plan(NodeContext node)
    {
        var x = node.Data(0);
        var (n, c, spatial) = Channels.Of(node, x);
        Channels.Check(node, 1, [c], "scale", "one value per channel");
        Channels.Check(node, 2, [c], "bias", "one value per channel");
        int d = node.Output(x.Shape);
        node.Step(new InstanceNormalizationStep(node.Name, node.OpType, node.Tensor(0), n, c, spatial.ToEquatableArray(), node.Tensor(1), node.Tensor(2),
            node.Float("epsilon", 1e-5f), d));
    }
}

/// <summary><c>Kernels.InstanceNormalization</c> of <see cref="X"/> viewed as [N, C, spatial].</summary>
internal sealed record InstanceNormalizationStep(string Node, string OpType, int X, PlanDim N, PlanDim C, EquatableArray<PlanDim> Spatial, int Scale, int Bias,
    float Epsilon, int D) : PlanStep(Node, OpType)
{
    public override void Emit(StepWriter w) => w.Call("InstanceNormalization",
        ("x", w.Tensor(X)), ("n", StepWriter.Count(N)), ("c", StepWriter.Count(C)), ("spatial", StepWriter.Count(Spatial)),
        ("scale", w.Tensor(Scale)), ("bias", w.Tensor(Bias)), ("epsilon", StepWriter.Float(Epsilon)), ("d", w.Tensor(D)));
}

/// <summary>
/// <c>GroupNormalization</c>: the channels in <c>num_groups</c> groups of consecutive channels, each group of each
/// image normalised by its own mean and variance. From opset 21 scale and bias are per channel, as the kernel takes
/// them. Opset 18's are per group; a group of channels and their planes is then one run of C / groups · D1…Dn elements,
/// so the kernel runs on [N, groups, C / groups · D1…Dn] with one channel per group, which reads them as they are.
/// </summary>
internal sealed class GroupNormalizationOp : Op
{
    public override IReadOnlyList<string> OpTypes => ["GroupNormalization"];

    public override int SinceOpset => 18;

    public override void Plan(NodeContext node)
    {
        var x = node.Data(0);
        var (n, c, spatial) = Channels.Of(node, x);
        long groups = node.Int("num_groups", 0);
        if (groups <= 0)
            throw new Unsupported(node.Attribute("num_groups") is null ? "it has no num_groups" : $"its num_groups {groups} is not positive");
        if (!c.IsFixed)
            throw new Unsupported($"its channel dim is the symbol {node.Shapes.Name(c)}; whether {groups} groups divide it is not known at compile time");
        if (c.Value % groups != 0)
            throw new Unsupported($"its {c.Value} channels do not divide into {groups} groups");
        LayerNormalizationOp.CheckStash(node);
        var perGroup = PlanDim.Fixed(groups);
        EquatableArray<PlanDim> channels, runs;
        if (node.Opset >= 21)
        {
            Channels.Check(node, 1, [c], "scale", "one value per channel");
            Channels.Check(node, 2, [c], "bias", "one value per channel");
            (channels, runs) = (new[] { c }.ToEquatableArray(), spatial.ToEquatableArray());
        }
        else
        {
            Channels.Check(node, 1, [perGroup], "scale", "one value per group (opset 18)");
            Channels.Check(node, 2, [perGroup], "bias", "one value per group (opset 18)");
            (channels, runs) = (new[] { perGroup }.ToEquatableArray(), spatial.Prepend(PlanDim.Fixed(c.Value / groups)).ToEquatableArray());
        }
        int d = node.Output(x.Shape);
        node.Step(new GroupNormalizationStep(node.Name, node.OpType, node.Tensor(0), n, channels, runs, groups, node.Tensor(1), node.Tensor(2),
            node.Float("epsilon", 1e-5f), d));
    }
}

/// <summary><c>Kernels.GroupNormalization</c> of <see cref="X"/> viewed as [N, channels, spatial].</summary>
internal sealed record GroupNormalizationStep(string Node, string OpType, int X, PlanDim N, EquatableArray<PlanDim> Channels, EquatableArray<PlanDim> Spatial,
    long Groups, int Scale, int Bias, float Epsilon, int D) : PlanStep(Node, OpType)
{
    public override void Emit(StepWriter w) => w.Call("GroupNormalization",
        ("x", w.Tensor(X)), ("n", StepWriter.Count(N)), ("c", StepWriter.Count(Channels)), ("spatial", StepWriter.Count(Spatial)),
        ("groups", StepWriter.Number(Groups)), ("scale", w.Tensor(Scale)), ("bias", w.Tensor(Bias)), ("epsilon", StepWriter.Float(Epsilon)), ("d", w.Tensor(D)));
}

/// <summary><c>LRN</c>: local response normalisation across <c>size</c> neighbouring channels.</summary>
internal sealed class LrnOp : Op
{
    public override IReadOnlyList<string> OpTypes => ["LRN"];

    public override void Plan(NodeContext node)
    {
        var x = node.Data(0);
        Channels.Of(node, x);
        long size = node.Int("size", 0);
        if (size <= 0)
            throw new Unsupported(node.Attribute("size") is null ? "it has no size" : $"its size {size} is not positive");
        int d = node.Output(x.Shape);
        node.Step(new LrnStep(node.Name, node.OpType, node.Tensor(0), x.Shape.ToEquatableArray(), size,
            node.Float("alpha", 1e-4f), node.Float("beta", 0.75f), node.Float("bias", 1f), d));
    }
}

/// <summary><c>Kernels.LRN</c>.</summary>
internal sealed record LrnStep(string Node, string OpType, int X, EquatableArray<PlanDim> Shape, long Size, float Alpha, float Beta, float Bias, int D)
    : PlanStep(Node, OpType)
{
    public override void Emit(StepWriter w) => w.Call("LRN",
        ("x", w.Tensor(X)), ("xShape", w.Shape(Shape)), ("size", StepWriter.Number(Size)), ("alpha", StepWriter.Float(Alpha)),
        ("beta", StepWriter.Float(Beta)), ("bias", StepWriter.Float(Bias)), ("d", w.Tensor(D)));
}
