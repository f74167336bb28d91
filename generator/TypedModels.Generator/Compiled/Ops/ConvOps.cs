using System.Collections.Generic;
using System.Linq;
using TypedModels.Generator.Models;

namespace TypedModels.Generator.Compiled.Ops;

/// <summary>
/// <c>Conv</c> and <c>ConvTranspose</c> over [N, C, D1..Dn] (any n ≥ 1) with weights of fixed shape. Everything that
/// sizes the output is settled here, at build time, into what <c>Kernels.Conv.cs</c> takes: kernel_shape (the weights'
/// spatial dims), strides and dilations (default 1), auto_pad turned into begin/end pads, and for ConvTranspose
/// output_padding and output_shape. Both are opset 1's semantics, unchanged since (11 and 22 only clarified and widened
/// types). The work counted for the Auto backend is one multiply-add per weight per output position.
/// </summary>
internal sealed class ConvOps : Op
{
    public override IReadOnlyList<string> OpTypes => ["Conv", "ConvTranspose"];

    public override void Plan(NodeContext node)
    {
        var x = node.Data(0);
        var w = node.Data(1);
        bool transpose = node.OpType == "ConvTranspose";
        // A Conv over a symbolic length (audio of any duration) with explicit pads has an output length that is a formula of it.
        var symbolic = !transpose && Window.AutoPad(node) is "NOTSET" or "VALID" ? Window.SymbolicSpatial(x) : null;
        var spatial = symbolic is null ? Window.Spatial(node, x, "N") : symbolic.Select(d => d.IsFixed ? d.Value : 1).ToArray();
        int n = spatial.Length;
        if (w.Shape.Length != x.Shape.Length || w.Shape.Any(d => !d.IsFixed))
            throw new Unsupported($"its weights {node.Text(w.Shape)} must have the input's rank ({x.Shape.Length}) and dims fixed at build time");
        var weights = w.Shape.Select(d => d.Value).ToArray();
        var kernel = weights.Skip(2).ToArray();
        if (node.Ints("kernel_shape") is { } given && !given.SequenceEqual(kernel))
            throw new Unsupported($"its kernel_shape [{string.Join(", ", given)}] is not its weights' spatial dims [{string.Join(", ", kernel)}]");
        long group = node.Int("group", 1);
        if (group < 1)
            throw new Unsupported($"its group {group} is not positive");

        // Conv's weights are [M, C/group, k…], ConvTranspose's [C, M/group, k…].
        long channels = transpose ? weights[0] : weights[1] * group;
        long maps = transpose ? weights[1] * group : weights[0];
        node.Shapes.Same(x.Shape[1], PlanDim.Fixed(channels), transpose ? "its input's channels and its weights' first dim" : "its input's channels and its weights' channels times group");
        if ((transpose ? channels : maps) % group != 0)
            throw new Unsupported($"its {(transpose ? "input channels" : "output maps")} ({(transpose ? channels : maps)}) do not split into {group} groups");
        if (node.Has(2))
        {
            var b = node.Data(2);
            if (b.Shape.Length != 1 || b.Shape[0] != PlanDim.Fixed(maps))
                throw new Unsupported($"its bias {node.Text(b.Shape)} is not one value per output map ({maps})");
        }

        var strides = Window.PerDim(node, "strides", n, 1, 1);
        var dilations = Window.PerDim(node, "dilations", n, 1, 1);
        string autoPad = Window.AutoPad(node);
        var pads = Window.Pads(node, n);
        var begin = new long[n];
        var end = new long[n];
        var output = new long[n];
        if (transpose)
            SizeTranspose(node, spatial, kernel, strides, dilations, autoPad, pads, begin, end, output);
        else
        {
            for (int i = 0; i < n; i++)
            {
                long extent = (kernel[i] - 1) * dilations[i] + 1;
                (begin[i], end[i]) = autoPad switch
                {
                    "NOTSET" => (pads[i], pads[n + i]),
                    "VALID" => (0L, 0L),
                    _ => Window.Same(spatial[i], extent, strides[i], upper: autoPad == "SAME_UPPER"),
                };
                if (symbolic is not null && !symbolic[i].IsFixed)
                    continue;
                long span = spatial[i] + begin[i] + end[i] - extent;
                if (span < 0)
                    throw new Unsupported($"along spatial dim {i} its dilated kernel ({extent}) is wider than the padded input ({spatial[i] + begin[i] + end[i]})");
                output[i] = span / strides[i] + 1;
            }
        }

        var outputDims = output.Select(PlanDim.Fixed).ToArray();
        for (int i = 0; symbolic is not null && i < n; i++)
        {
            if (!symbolic[i].IsFixed)
                outputDims[i] = Window.Count(node, symbolic[i], begin[i] + end[i] - ((kernel[i] - 1) * dilations[i] + 1), strides[i]);
        }
        var shape = new[] { x.Shape[0], PlanDim.Fixed(maps) }.Concat(outputDims).ToArray();
        int d = node.Output(shape);
        // A Conv output element sums C/group·k1·…·kn products; a ConvTranspose input element scatters M/group·k1·…·kn.
        long taps = kernel.Aggregate(1L, (p, k) => p * k);
        if (transpose)
            node.CountWork(x.Shape, PlanDim.Fixed(weights[1] * taps));
        else
            node.CountWork(shape, PlanDim.Fixed(weights[1] * taps));
        // The fast form the shapes allow (Kernels.ConvFast.cs), else the generic one.
        string kernelName = node.OpType;
        int scratch = -1;
        bool unpadded = begin.All(p => p == 0) && end.All(p => p == 0);
        if (!transpose && group == 1 && kernel.All(k => k == 1) && strides.All(s => s == 1) && unpadded)
            kernelName = "ConvPointwise";
        else if (!transpose && n == 2 && group == channels && maps == channels && dilations.All(v => v == 1))
        {
            kernelName = "ConvDepthwise";
            // One input map in phased rows (Kernels.ConvDepthwise: each row as its stride phases of OW + (kw − 1)/stride
            // floats, the pads as zeros), so that every output row is read by whole vectors.
            if (symbolic is null)
                scratch = node.Scratch([PlanDim.Fixed(spatial[0] * strides[1] * (output[1] + (kernel[1] - 1) / strides[1]))], "phased rows");
        }
        else if (!transpose && n == 2 && group == 1 && symbolic is null)
        {
            // The windows of a band of output rows, [C·k, rows·OW], at most ScratchFloats floats (at least one row).
            long depth = weights[1] * taps, row = output[1];
            long rows = System.Math.Max(1, System.Math.Min(output[0], ScratchFloats / System.Math.Max(1, depth * row)));
            // At a stride past 1 along the row, one image split into its stride phases after the windows.
            long phases = strides[1] > 1 ? channels * spatial[0] * spatial[1] : 0;
            if (depth * row * rows <= 4 * ScratchFloats && depth * row > 0 && phases <= 4 * ScratchFloats)
            {
                kernelName = "ConvIm2Col";
                scratch = node.Scratch([PlanDim.Fixed(depth * row * rows + phases)], "windows");
            }
        }
        else if (!transpose && n == 1 && group == 1)
        {
            // 1-D, of a fixed or symbolic length: the windows of a band of output columns, [C·k, columns], about
            // ScratchFloats floats (at least 16 columns, no more than the output when it is fixed); the phases after
            // them when the length is fixed.
            long depth = weights[1] * taps;
            long columns = System.Math.Max(16, ScratchFloats / System.Math.Max(1, depth));
            if (symbolic is null)
                columns = System.Math.Min(columns, output[0]);
            long phases = strides[0] > 1 && symbolic is null ? channels * spatial[0] : 0;
            if (depth * columns <= 4 * ScratchFloats && phases <= 4 * ScratchFloats)
            {
                kernelName = "ConvIm2Col";
                scratch = node.Scratch([PlanDim.Fixed(depth * columns + phases)], "windows");
            }
        }
        node.Step(new ConvStep(node.Name, node.OpType, node.Tensor(0), x.Shape.ToEquatableArray(), node.Tensor(1), weights.ToEquatableArray(), node.Tensor(2),
            group, strides.ToEquatableArray(), dilations.ToEquatableArray(), begin.Concat(end).ToEquatableArray(), d, shape.ToEquatableArray(), kernelName, scratch));
    }

    /// <summary>The im2col scratch aimed at: 256 Ki floats (1 MiB, about one core's L2), up to four times that for one row.</summary>
    private const long ScratchFloats = 1 << 18;

    /// <summary>
    /// ConvTranspose's output and pads per dim, natural = stride·(input − 1) + output_padding + (kernel − 1)·dilation + 1:
    /// explicit pads give natural − begin − end; SAME_UPPER and SAME_LOWER give output_shape (or input·stride) and split
    /// natural − output between the ends as ONNX's reference does (the odd one at the end for SAME_UPPER); an explicit
    /// output_shape without them lengthens the output at the end. Where ONNX's spec, its reference and ONNX Runtime
    /// disagree (an output_shape that crops the natural output, pads given with it, a SAME output wider than natural),
    /// the node is refused rather than given one of their answers.
    /// </summary>
    private static void SizeTranspose(NodeContext node, long[] spatial, long[] kernel, long[] strides, long[] dilations, string autoPad, long[] pads,
        long[] begin, long[] end, long[] output)
    {
        int n = spatial.Length;
        var outputPadding = Window.PerDim(node, "output_padding", n, 0, 0);
        var outputShape = node.Ints("output_shape");
        if (outputShape is not null)
        {
            // ONNX Runtime reads an output_shape of n+2 dims (N and C included) by its last n.
            if (outputShape.Length == n + 2)
                outputShape = outputShape.Skip(2).ToArray();
            if (outputShape.Length != n || outputShape.Any(o => o < 1))
                throw new Unsupported($"its output_shape [{string.Join(", ", node.Ints("output_shape")!)}] is not {n} positive spatial dims");
            if (autoPad == "NOTSET" && pads.Any(p => p != 0))
                throw new Unsupported("it gives both pads and output_shape; ONNX's reference keeps the pads, ONNX Runtime recomputes them from output_shape");
        }
        for (int i = 0; i < n; i++)
        {
            long natural = strides[i] * (spatial[i] - 1) + outputPadding[i] + (kernel[i] - 1) * dilations[i] + 1;
            if (autoPad is "SAME_UPPER" or "SAME_LOWER")
            {
                output[i] = outputShape?[i] ?? spatial[i] * strides[i];
                long total = natural - output[i];
                if (total < 0)
                {
                    throw new Unsupported($"along spatial dim {i} its {autoPad} output ({output[i]}) is wider than stride·(input − 1) + output_padding + dilated kernel ({natural}); " +
                        "ONNX's reference pads it on both sides, ONNX Runtime gives the narrower output");
                }
                begin[i] = autoPad == "SAME_UPPER" ? total / 2 : total - total / 2;
                end[i] = total - begin[i];
            }
            else if (outputShape is not null)
            {
                output[i] = outputShape[i];
                if (natural > output[i])
                {
                    throw new Unsupported($"along spatial dim {i} its output_shape ({output[i]}) crops the natural output ({natural}); " +
                        "ONNX's spec, its reference and ONNX Runtime do not agree on which side to crop");
                }
                (begin[i], end[i]) = (0, natural - output[i]);
            }
            else
            {
                (begin[i], end[i]) = autoPad == "VALID" ? (0L, 0L) : (pads[i], pads[n + i]);
                output[i] = natural - begin[i] - end[i];
                if (output[i] < 1)
                    throw new Unsupported($"along spatial dim {i} its pads ({begin[i]}, {end[i]}) leave no output of {natural}");
            }
        }
    }
}

/// <summary>
/// <c>Kernels.Conv</c> or <c>Kernels.ConvTranspose</c>, or one of Conv's fast forms named by <see cref="Kernel"/>
/// (<c>ConvPointwise</c>, <c>ConvDepthwise</c>, <c>ConvIm2Col</c> with its <see cref="Scratch"/>): shapes, strides,
/// dilations and the pads [begin…, end…] all resolved by the planner; an absent bias is <c>default</c>. The weights keep
/// the model's layout in every form, so a BatchNormalization folds into any of them.
/// </summary>
/// <see cref="Activation"/> (with <see cref="Alpha"/> and <see cref="Beta"/>) is the node after the Conv that a fast form
/// applies to its output (<see cref="ConvFusion.TryActivation"/>); "None" otherwise.
internal sealed record ConvStep(string Node, string OpType, int X, EquatableArray<PlanDim> XShape, int W, EquatableArray<long> WShape, int B, long Group,
    EquatableArray<long> Strides, EquatableArray<long> Dilations, EquatableArray<long> Pads, int D, EquatableArray<PlanDim> DShape,
    string Kernel = "", int Scratch = -1, string Activation = "None", float Alpha = 0f, float Beta = 0f) : PlanStep(Node, OpType)
{
    public override void Emit(StepWriter w)
    {
        switch (Kernel)
        {
            case "ConvPointwise":
                w.Call(Kernel, [("x", w.Tensor(X)), ("xShape", w.Shape(XShape)), ("w", w.Tensor(W)), ("b", w.Tensor(B)), ("d", w.Tensor(D)), ("dShape", w.Shape(DShape)), .. Activated()]);
                break;
            case "ConvDepthwise":
                w.Call(Kernel, [("x", w.Tensor(X)), ("xShape", w.Shape(XShape)), ("w", w.Tensor(W)), ("wShape", w.Shape(WShape)), ("b", w.Tensor(B)),
                    ("strides", w.Shape(Strides)), ("pads", w.Shape(Pads)), ("d", w.Tensor(D)), ("dShape", w.Shape(DShape)), ("scratch", w.Tensor(Scratch)), .. Activated()]);
                break;
            case "ConvIm2Col":
                w.Call(Kernel, [("x", w.Tensor(X)), ("xShape", w.Shape(XShape)), ("w", w.Tensor(W)), ("wShape", w.Shape(WShape)), ("b", w.Tensor(B)),
                    ("strides", w.Shape(Strides)), ("dilations", w.Shape(Dilations)), ("pads", w.Shape(Pads)), ("d", w.Tensor(D)), ("dShape", w.Shape(DShape)),
                    ("scratch", w.Tensor(Scratch)), .. Activated()]);
                break;
            default:
                w.Call(OpType,
                    ("x", w.Tensor(X)), ("xShape", w.Shape(XShape)), ("w", w.Tensor(W)), ("wShape", w.Shape(WShape)), ("b", w.Tensor(B)),
                    ("group", StepWriter.Number(Group)), ("strides", w.Shape(Strides)), ("dilations", w.Shape(Dilations)), ("pads", w.Shape(Pads)),
                    ("d", w.Tensor(D)), ("dShape", w.Shape(DShape)));
                break;
        }
    }

    // The fused activation's arguments: none when there is none, alpha and beta only for the ops that take them.
    private (string, string)[] Activated() => Activation switch
    {
        "None" => [],
        "LeakyRelu" => [("activation", ActivationType + Activation), ("alpha", StepWriter.Float(Alpha))],
        "HardSigmoid" => [("activation", ActivationType + Activation), ("alpha", StepWriter.Float(Alpha)), ("beta", StepWriter.Float(Beta))],
        _ => [("activation", ActivationType + Activation)],
    };

    private const string ActivationType = "global::TypedModels.Compiled.Kernels.ConvActivation.";
}

/// <summary>Folds the activation after a Conv into the fast form that computes it.</summary>
internal static class ConvFusion
{
    /// <summary>
    /// Folds Relu, LeakyRelu, HardSigmoid, HardSwish, Sigmoid or Tanh into the Conv step (one of the fast forms) that
    /// writes its input, when nothing else reads that output and the step has no activation yet: the kernel runs the
    /// op's own kernel on each finished block, and the node's output is the step's.
    /// </summary>
    public static bool TryActivation(NodeContext node, Value x)
    {
        if (node.OpType is not ("Relu" or "LeakyRelu" or "HardSigmoid" or "HardSwish" or "Sigmoid" or "Tanh") || x.Index < 0 || !node.OnlyReader(0)
            || node.Steps.OfType<ConvStep>().LastOrDefault(s => s.D == x.Index) is not { Activation: "None", Kernel: "ConvPointwise" or "ConvDepthwise" or "ConvIm2Col" } conv)
            return false;
        var (alpha, beta) = node.OpType switch
        {
            "LeakyRelu" => (node.Float("alpha", 0.01f), 0f),
            "HardSigmoid" => (node.Float("alpha", 0.2f), node.Float("beta", 0.5f)),
            _ => (0f, 0f),
        };
        node.Replace(conv, conv with { Activation = node.OpType, Alpha = alpha, Beta = beta, Node = conv.Node + " + " + node.Name });
        node.Alias(x.Shape);
        return true;
    }
}

/// <summary>
/// What the sliding-window operators (Conv, ConvTranspose and the pools) share: an input [N, C, D1..Dn] whose spatial
/// dims are fixed at build time, attributes with one entry per spatial dim, and auto_pad.
/// </summary>
internal static class Window
{
    /// <summary>The spatial dims D1..Dn of <paramref name="x"/>, which must be fixed; <paramref name="symbolic"/> names the dims that may be symbols.</summary>
    public static long[] Spatial(NodeContext node, Value x, string symbolic)
    {
        if (x.Shape.Length < 3)
            throw new Unsupported($"its input {node.Text(x.Shape)} is not [N, C, D1, …] with at least one spatial dim");
        if (x.Shape.Skip(2).Any(d => !d.IsFixed))
            throw new Unsupported($"its input {node.Text(x.Shape)} has a symbolic spatial dim; the compiled {node.OpType} sizes its windows at build time, so only {symbolic} may be a symbol");
        return x.Shape.Skip(2).Select(d => d.Value).ToArray();
    }

    /// <summary>
    /// How many windows fit along a symbolic dim: ⌊(input + <paramref name="offset"/>) / stride⌋ + 1 (offset = pads −
    /// dilated kernel), none when the padded input is shorter than the kernel; a derived symbol computed per call. At
    /// stride 1 with offset −1 (a 3×3 "same" convolution, say) it is the input's own symbol, so a residual Add still
    /// sees two equal dims.
    /// </summary>
    public static PlanDim Count(NodeContext node, PlanDim input, long offset, long stride)
    {
        if (stride == 1 && offset == -1)
            return input;
        string span = $"({Shapes.Code(input)} + {offset}L)";
        string text = $"{node.Shapes.Name(input)} {(offset < 0 ? "−" : "+")} {System.Math.Abs(offset)}";
        return stride == 1
            ? node.Shapes.Derive($"({span} < 0L ? 0L : {span} + 1L)", $"{text} + 1")
            : node.Shapes.Derive($"({span} < 0L ? 0L : {span} / {stride}L + 1L)", $"({text}) / {stride} + 1");
    }

    /// <summary>The spatial dims of <paramref name="x"/> when some is a symbol (null when all are fixed).</summary>
    public static PlanDim[]? SymbolicSpatial(Value x) => x.Shape.Length >= 3 && x.Shape.Skip(2).Any(d => !d.IsFixed) ? x.Shape.Skip(2).ToArray() : null;

    /// <summary>An ints attribute with <paramref name="count"/> entries, each at least <paramref name="least"/>; absent: <paramref name="fallback"/> each.</summary>
    public static long[] PerDim(NodeContext node, string name, int count, long fallback, long least)
    {
        var values = node.Ints(name) ?? Enumerable.Repeat(fallback, count).ToArray();
        if (values.Length != count)
            throw new Unsupported($"its {name} [{string.Join(", ", values)}] has {values.Length} entries, not {count}");
        if (values.Any(v => v < least))
            throw new Unsupported($"its {name} [{string.Join(", ", values)}] go below {least}");
        return values;
    }

    /// <summary>The explicit pads [begin1..beginn, end1..endn], default 0 (auto_pad, when set, replaces them).</summary>
    public static long[] Pads(NodeContext node, int count) => PerDim(node, "pads", 2 * count, 0, 0);

    /// <summary>auto_pad: NOTSET (the default, also when empty), VALID, SAME_UPPER or SAME_LOWER.</summary>
    public static string AutoPad(NodeContext node)
    {
        string mode = node.String("auto_pad") is { Length: > 0 } text ? text : "NOTSET";
        return mode is "NOTSET" or "VALID" or "SAME_UPPER" or "SAME_LOWER" ? mode : throw new Unsupported($"its auto_pad '{mode}' is none of NOTSET, VALID, SAME_UPPER, SAME_LOWER");
    }

    /// <summary>
    /// SAME_UPPER or SAME_LOWER along one dim: the output is ⌈input / stride⌉ and the pads total
    /// max(0, (output − 1)·stride + extent − input), the odd one at the end for SAME_UPPER and at the begin for
    /// SAME_LOWER. (A kernel narrower than the stride can need less than none: then none is padded.)
    /// </summary>
    public static (long Begin, long End) Same(long input, long extent, long stride, bool upper)
    {
        long output = (input + stride - 1) / stride;
        long total = System.Math.Max(0, (output - 1) * stride + extent - input);
        long begin = upper ? total / 2 : total - total / 2;
        return (begin, total - begin);
    }

    /// <summary>Refuses an attribute the model's opset does not define for the op (ONNX's checker rejects such a node).</summary>
    public static void Since(NodeContext node, string name, int opset)
    {
        if (node.Attribute(name) is not null && node.Opset < opset)
            throw new Unsupported($"its attribute '{name}' is {node.OpType}'s from opset {opset}; the model imports opset {node.Opset}");
    }
}
