using System;
using System.Collections.Generic;
using System.Linq;
using TypedModels.Generator.Models;

namespace TypedModels.Generator.Compiled.Ops;

/// <summary>
/// <c>Resize</c> (opsets 10 to 19) and <c>Upsample</c> (7 and 9) of float tensors, with scales or sizes (and roi) known
/// at build time: Upsample-7's scales attribute, Upsample-9's and Resize-10's scales input, Resize-11's roi, scales and
/// sizes inputs, and from opset 18 its axes and keep_aspect_ratio_policy. Modes nearest (nearest_mode round_prefer_floor,
/// round_prefer_ceil, floor, ceil; before Resize-11, ONNX Runtime's truncation, or ceiling when shrinking), linear (over
/// any number of resized axes) and cubic (cubic_coeff_a, exclude_outside); coordinate_transformation_mode half_pixel,
/// half_pixel_symmetric, pytorch_half_pixel, align_corners, asymmetric (the only one before opset 11),
/// tf_half_pixel_for_nn and tf_crop_and_resize (roi, extrapolation_value).
/// <para>
/// Everything that depends only on shapes is settled here, in ONNX Runtime's float arithmetic (its upsample kernels: the
/// output dims ⌊scale·dim⌋ of a float product, a scale out/in of sizes, the coordinate formulas, the 0.5/0.5 weights where
/// the two linear taps meet at the edge, Keys' cubic coefficients), into per-axis tables of input indices and weights
/// that <c>Kernels.Resize</c> only gathers and blends. As ONNX Runtime does, an axis whose scale is exactly 1 is copied
/// as it is (except by a 2-D or 3-D linear or a 2-D cubic resize, which interpolate every axis), and a resize that
/// changes no dim is a copy. Linear and cubic resize the axes ONNX Runtime's bilinear, trilinear and bicubic kernels do,
/// and any others whose scale is not 1. With antialias (opset 18), linear and cubic weigh a window widened by 1/scale
/// when shrinking, as its antialiasing kernels do (a tap's weight f((i − centre + 0.5)·scale), the taps off the input
/// folded onto the edge ones unless exclude_outside drops them, all times the reciprocal of their sum), the innermost
/// axis summed first. Where scales do not give whole output dims, ONNX's reference maps align_corners and
/// tf_crop_and_resize coordinates through scale·dim while ONNX Runtime uses the output dim; this follows ONNX Runtime
/// (two backend tests expect the reference's values, and ONNX Runtime fails them too).
/// </para>
/// </summary>
internal sealed class ResizeOps : Op
{
    public override IReadOnlyList<string> OpTypes => ["Resize", "Upsample"];

    public override void Plan(NodeContext node)
    {
        var x = node.Data(0);
        int rank = x.Shape.Length;
        if (rank == 0)
            throw new Unsupported("its input is a scalar");
        bool upsample = node.OpType == "Upsample";
        if (upsample && node.Opset >= 10)
            throw new Unsupported($"Upsample is deprecated from opset 10 (Resize replaces it); the model imports opset {node.Opset}");
        if (!upsample && node.Opset < 10)
            throw new Unsupported($"Resize starts at opset 10; the model imports opset {node.Opset}");
        bool since11 = !upsample && node.Opset >= 11, since18 = !upsample && node.Opset >= 18;

        string mode = node.String("mode") ?? "nearest";
        if (mode is not ("nearest" or "linear" or "cubic") || (mode == "cubic" && !since11))
            throw new Unsupported($"its mode '{mode}' is not nearest, linear or cubic (cubic from Resize-11)");
        string transform = since11 ? node.String("coordinate_transformation_mode") ?? "half_pixel" : "asymmetric";
        if (transform is not ("half_pixel" or "half_pixel_symmetric" or "pytorch_half_pixel" or "align_corners" or "asymmetric" or "tf_half_pixel_for_nn" or "tf_crop_and_resize"))
            throw new Unsupported($"its coordinate_transformation_mode '{transform}' is not one ONNX defines");
        string nearest = mode == "nearest" && since11 ? node.String("nearest_mode") ?? "round_prefer_floor" : "simple";
        if (nearest is not ("simple" or "round_prefer_floor" or "round_prefer_ceil" or "floor" or "ceil"))
            throw new Unsupported($"its nearest_mode '{nearest}' is not one ONNX defines");
        float a = node.Float("cubic_coeff_a", -0.75f);
        bool excludeOutside = node.Int("exclude_outside", 0) != 0;
        if (excludeOutside && mode != "cubic")
            throw new Unsupported($"it sets exclude_outside in mode {mode}, which ONNX Runtime refuses (it weighs cubic taps)");
        float extrapolation = node.Float("extrapolation_value", 0f);
        bool antialias = since18 && node.Int("antialias", 0) != 0;
        if (antialias && mode == "nearest")
            throw new Unsupported("it sets antialias in mode nearest, which ONNX Runtime refuses");
        string policy = since18 ? node.String("keep_aspect_ratio_policy") ?? "stretch" : "stretch";
        if (policy is not ("stretch" or "not_larger" or "not_smaller"))
            throw new Unsupported($"its keep_aspect_ratio_policy '{policy}' is not stretch, not_larger or not_smaller");
        var axes = since18 && node.Ints("axes") is { } given ? Shapes.Axes(given, rank).ToArray() : Enumerable.Range(0, rank).ToArray();

        var scales = Enumerable.Repeat(1f, rank).ToArray();
        var shape = x.Shape.ToArray();
        if (upsample && node.Opset < 9)
            FromScales(node, x, axes, node.Floats("scales") ?? throw new Unsupported("it has no scales"), upsample, scales, shape);
        else if (!since11)
            FromScales(node, x, axes, KnownFloats(node, 1, "scales"), upsample, scales, shape);
        else
        {
            bool hasScales = Given(node, 2), hasSizes = Given(node, 3);
            if (hasScales == hasSizes)
                throw new Unsupported(hasScales ? "it gives both scales and sizes" : "it gives neither scales nor sizes");
            if (hasScales)
                FromScales(node, x, axes, KnownFloats(node, 2, "scales"), upsample, scales, shape);
            else
                FromSizes(node, x, axes, policy, scales, shape);
        }

        var roiStart = new float[rank];
        var roiEnd = Enumerable.Repeat(1f, rank).ToArray();
        if (transform == "tf_crop_and_resize" && Given(node, 1))
        {
            var roi = KnownFloats(node, 1, "roi");
            if (roi.Length != 2 * axes.Length)
                throw new Unsupported($"its roi has {roi.Length} values, not 2 per resized axis ({2 * axes.Length})");
            for (int i = 0; i < axes.Length; i++)
                (roiStart[axes[i]], roiEnd[axes[i]]) = (roi[i], roi[axes.Length + i]);
        }

        // ONNX Runtime copies the input when no dim changes, whatever the mode and the scales say.
        if (shape.SequenceEqual(x.Shape))
        {
            node.Alias(shape);
            return;
        }
        int d = node.Output(shape);
        if (shape.Any(dim => dim == PlanDim.Fixed(0)))
            return;

        var resized = Resized(mode, rank, scales, x.Shape);
        var tapCounts = new long[rank];
        var indices = new List<long>();
        var weights = new List<float>();
        foreach (int k in resized)
        {
            if (!x.Shape[k].IsFixed)
                throw new Unsupported($"it resizes dim {k} of {node.Text(x.Shape)}, which is symbolic");
            var axis = new Axis(transform, scales[k], (int)x.Shape[k].Value, (int)shape[k].Value, roiStart[k], roiEnd[k]);
            tapCounts[k] = antialias ? axis.Window(mode) : mode switch { "nearest" => 1, "linear" => 2, _ => 4 };
            for (int o = 0; o < axis.Resized; o++)
            {
                switch (mode)
                {
                    case var _ when antialias:
                        axis.Antialiased(o, mode, a, excludeOutside, indices, weights);
                        break;
                    case "nearest":
                        indices.Add(axis.Nearest(o, nearest, rank == 1));
                        break;
                    case "linear":
                        axis.Linear(o, indices, weights);
                        break;
                    default:
                        axis.Cubic(o, a, excludeOutside, indices, weights);
                        break;
                }
            }
        }
        int indexTable = node.Constant(node.Name + " (Resize indices)", Value.Known("int32", [PlanDim.Fixed(indices.Count)], indices.ToArray()));
        int weightTable = mode == "nearest" ? -1 : node.Constant(node.Name + " (Resize weights)", new Value("float", [PlanDim.Fixed(weights.Count)]) { Floats = weights.ToArray() });
        node.Step(new ResizeStep(node.Name, node.OpType, node.Tensor(0), x.Shape.ToEquatableArray(), tapCounts.ToEquatableArray(), indexTable, weightTable,
            mode == "cubic" || antialias, extrapolation, d, shape.ToEquatableArray()));
    }

    /// <summary>Whether optional input <paramref name="index"/> is given and not empty (an empty tensor stands for an absent one).</summary>
    private static bool Given(NodeContext node, int index) => node.Has(index) && node.Input(index).Count != 0;

    private static float[] KnownFloats(NodeContext node, int index, string what) =>
        node.Input(index).AsDoubles()?.Select(v => (float)v).ToArray() ?? throw new Unsupported($"its {what} are not known at build time");

    /// <summary>Output dims from scales: ⌊scale·dim⌋ of ONNX Runtime's float product, an axis of scale 1 kept (a symbol too).</summary>
    private static void FromScales(NodeContext node, Value x, int[] axes, float[] given, bool upsample, float[] scales, PlanDim[] shape)
    {
        if (given.Length != axes.Length)
            throw new Unsupported($"it has {given.Length} scales for {axes.Length} axes");
        for (int i = 0; i < axes.Length; i++)
        {
            int axis = axes[i];
            float scale = given[i];
            if (!(scale > 0) || float.IsInfinity(scale) || (upsample && scale < 1))
                throw new Unsupported($"its scale {scale} is not {(upsample ? "at least 1" : "positive")}");
            scales[axis] = scale;
            if (scale == 1f)
                continue;
            var dim = x.Shape[axis];
            if (!dim.IsFixed)
                throw new Unsupported($"it scales dim {axis} of {node.Text(x.Shape)}, which is symbolic");
            shape[axis] = PlanDim.Fixed((long)(float)(scale * (float)dim.Value));
        }
    }

    /// <summary>Output dims from sizes (a dim the input's own symbol is kept), scales out/in in float, then keep_aspect_ratio_policy as ONNX Runtime applies it.</summary>
    private static void FromSizes(NodeContext node, Value x, int[] axes, string policy, float[] scales, PlanDim[] shape)
    {
        var sizes = node.Input(3).AsDims() ?? throw new Unsupported("its sizes are not known at build time");
        if (sizes.Length != axes.Length)
            throw new Unsupported($"it has {sizes.Length} sizes for {axes.Length} axes");
        for (int i = 0; i < axes.Length; i++)
        {
            int axis = axes[i];
            var (dim, size) = (x.Shape[axis], sizes[i]);
            if (size == dim && policy == "stretch")
                continue;
            if (!dim.IsFixed || !size.IsFixed)
                throw new Unsupported($"it sizes dim {axis} of {node.Text(x.Shape)} to {node.Shapes.Name(size)}, and one of them is symbolic");
            if (size.Value < 0 || (dim.Value == 0 && size.Value != 0))
                throw new Unsupported($"it sizes dim {axis} of {dim.Value} to {size.Value}");
            shape[axis] = size;
            scales[axis] = dim.Value == 0 ? 1f : (float)size.Value / (float)dim.Value;
        }
        if (policy == "stretch")
            return;
        float chosen = policy == "not_larger" ? axes.Min(k => scales[k]) : axes.Max(k => scales[k]);
        foreach (int axis in axes)
        {
            scales[axis] = chosen;
            shape[axis] = PlanDim.Fixed((long)Math.Round((float)(chosen * (float)x.Shape[axis].Value), MidpointRounding.AwayFromZero));
        }
    }

    /// <summary>
    /// The axes a mode interpolates, as ONNX Runtime picks them: its bilinear kernel takes [H, W], [N, C, H, W] with N and
    /// C unscaled, or [N, H, W, C] with N and C unscaled; its trilinear [D, H, W] or [N, C, D, H, W]; its bicubic [H, W] or
    /// [N, C, H, W]; nearest every axis whose scale is not 1 (of a 1-D input, that axis whatever its scale). Past those
    /// layouts, which ONNX Runtime refuses, every axis whose scale is not 1. An unscaled symbolic axis is copied as it is.
    /// </summary>
    private static int[] Resized(string mode, int rank, float[] scales, PlanDim[] input)
    {
        var all = Enumerable.Range(0, rank);
        var scaled = all.Where(k => scales[k] != 1f);
        var axes = mode switch
        {
            "nearest" => rank == 1 ? all : scaled,
            "linear" when rank is 2 or 3 => all,
            "linear" when rank == 4 && scales[0] == 1f && scales[1] == 1f => [2, 3],
            "linear" when rank == 4 && scales[0] == 1f && scales[3] == 1f => [1, 2],
            "linear" when rank == 5 && scales[0] == 1f && scales[1] == 1f => [2, 3, 4],
            "cubic" when rank == 2 => all,
            "cubic" when rank == 4 && scales[0] == 1f && scales[1] == 1f => [2, 3],
            "cubic" when rank == 4 && scales[0] == 1f && scales[3] == 1f => [1, 2],
            _ => scaled,
        };
        return axes.Where(k => input[k].IsFixed || scales[k] != 1f).ToArray();
    }

    /// <summary>One resized axis: its scale, lengths and roi, and ONNX Runtime's float arithmetic for its taps.</summary>
    private readonly struct Axis(string transform, float scale, int input, int resized, float roiStart, float roiEnd)
    {
        public int Resized => resized;

        /// <summary>The input coordinate of output position <paramref name="o"/> (ONNX Runtime's formulas, each step rounded to float; two compute in double as it does).</summary>
        private float Original(int o)
        {
            float x = o, length = resized, original = input;
            switch (transform)
            {
                case "asymmetric":
                    return x / scale;
                case "pytorch_half_pixel":
                    return length > 1 ? (float)((float)(x + 0.5f) / scale) - 0.5f : 0f;
                case "tf_half_pixel_for_nn":
                    return (float)(x + 0.5f) / scale;
                case "align_corners":
                    return length == 1 ? 0f : (float)(x * (float)(original - 1)) / (float)(length - 1);
                case "tf_crop_and_resize":
                    if (length > 1)
                    {
                        float start = (float)(roiStart * (float)(original - 1));
                        float along = (float)((float)(x * (float)(roiEnd - roiStart)) * (float)(original - 1)) / (float)(length - 1);
                        return start + along;
                    }
                    return (float)(0.5 * (float)(roiStart + roiEnd) * (float)(original - 1));
                case "half_pixel_symmetric":
                {
                    float width = scale * original;
                    float adjustment = length / width;
                    float center = original / 2;
                    float offset = center * (float)(1 - adjustment);
                    return (float)(offset + (x + 0.5) / scale - 0.5);
                }
                default:
                    return (float)((float)(x + 0.5f) / scale) - 0.5f;
            }
        }

        /// <summary>The coordinate a linear or cubic tap starts from: an unscaled axis maps each position to itself.</summary>
        private float Coordinate(int o) => scale == 1f ? o : Original(o);

        /// <summary>Whether tf_crop_and_resize puts a coordinate outside the input (its output is the extrapolation value).</summary>
        private bool Outside(float c) => transform == "tf_crop_and_resize" && (c < 0 || c > (float)(input - 1));

        /// <summary>The input index nearest mode reads for output position <paramref name="o"/>, or -1 to extrapolate.</summary>
        public long Nearest(int o, string mode, bool alone)
        {
            if (scale == 1f && !alone)
                return o;
            float c = Original(o);
            if (Outside(c))
                return -1;
            long index = mode switch
            {
                "simple" => scale < 1 ? (long)Math.Ceiling(c) : (long)c,
                "round_prefer_ceil" => (long)Math.Round(c, MidpointRounding.AwayFromZero),
                "floor" => (long)Math.Floor(c),
                "ceil" => (long)Math.Ceiling(c),
                _ => c == (float)((float)(long)c + 0.5f) ? (long)Math.Floor(c) : (long)Math.Round(c, MidpointRounding.AwayFromZero),
            };
            return Math.Max(0, Math.Min(input - 1, index));
        }

        /// <summary>Linear's two taps: the indices around the clamped coordinate and the distances to the other (0.5 each where they meet at the edge).</summary>
        public void Linear(int o, List<long> indices, List<float> weights)
        {
            float c = Coordinate(o);
            bool outside = Outside(c);
            float v = Math.Max(0f, Math.Min(c, (float)(input - 1)));
            int first = Math.Min((int)v, input - 1), second = Math.Min(first + 1, input - 1);
            float toFirst = Math.Abs(v - first), toSecond = Math.Abs(v - second);
            if (first == second)
                (toFirst, toSecond) = (0.5f, 0.5f);
            indices.Add(outside ? -1 : first);
            indices.Add(second);
            weights.Add(toSecond);
            weights.Add(toFirst);
        }

        /// <summary>The support of antialiasing's filter (1 for linear, 2 for cubic), widened by 1/scale when shrinking.</summary>
        private float Support(string mode, out float inverse)
        {
            float widen = 1f / scale, half = mode == "linear" ? 1f : 2f;
            inverse = widen >= 1f ? 1f / widen : 1f;
            return widen >= 1f ? half * widen : half;
        }

        /// <summary>How many taps antialiasing reads per output position: 2·⌈support⌉ + 1 (fewer are padded with weight 0).</summary>
        public int Window(string mode) => (int)Math.Ceiling(Support(mode, out _)) * 2 + 1;

        /// <summary>
        /// Antialiasing's taps for output position <paramref name="o"/> (ONNX Runtime's upsample_aa): the inputs within the
        /// support of the centre c + 0.5, each weighed by the filter at (i − centre + 0.5)·scale; those off the input are
        /// folded onto the first and last ones inside (or dropped with exclude_outside); all times the reciprocal of their sum.
        /// tf_crop_and_resize extrapolates where the centre lies outside the input.
        /// </summary>
        public void Antialiased(int o, string mode, float a, bool excludeOutside, List<long> indices, List<float> weights)
        {
            float support = Support(mode, out float inverse);
            int window = Window(mode);
            float center = 0.5f + (1f / scale == 1f ? o : Original(o));
            long realMin = (long)Math.Floor((float)((float)(center - support) + 0.5f)), realMax = (long)Math.Floor((float)((float)(center + support) + 0.5f));
            long cutMin = Math.Max(realMin, 0), cutMax = Math.Min(realMax, input);
            long min = excludeOutside ? cutMin : realMin, count = (excludeOutside ? cutMax : realMax) - min;
            var buffer = new float[Math.Max(count, window)];
            float total = 0;
            for (long t = 0; t < count; t++)
            {
                float w = Filter(mode, a, (float)((float)((float)(t + min) - center) + 0.5f) * inverse);
                buffer[t] = w;
                total += w;
            }
            if (!excludeOutside)
            {
                long below = min < 0 ? -min : 0, above = count + min > input ? count + min - input : 0;
                for (long t = 0; t < below && below < count; t++)
                    buffer[below] += buffer[t];
                for (long t = count - above; t < count && count - above - 1 >= 0; t++)
                    buffer[count - above - 1] += buffer[t];
                if ((below | above) > 0)
                {
                    for (long t = 0; t < cutMax - cutMin; t++)
                        buffer[t] = buffer[t + below];
                }
            }
            float reciprocal = total == 0 ? 1f : 1f / total;
            for (long t = 0; t < cutMax - cutMin; t++)
                buffer[t] *= reciprocal;
            bool outside = transform == "tf_crop_and_resize" && ((float)(center - 0.5f) < 0 || (float)(center - 0.5f) > (float)(input - 1));
            for (int t = 0; t < window; t++)
            {
                bool inside = t < cutMax - cutMin;
                long at = inside ? cutMin + t : Math.Max(0, Math.Min(input - 1, cutMin));
                indices.Add(t == 0 && outside ? -1 : at);
                weights.Add(inside ? buffer[t] : 0f);
            }
        }

        /// <summary>Antialiasing's filters: the triangle for linear, Keys' cubic with <paramref name="a"/>.</summary>
        private static float Filter(string mode, float a, float x)
        {
            x = Math.Abs(x);
            if (mode == "linear")
                return x < 1f ? 1f - x : 0f;
            if (x < 1f)
                return (float)((float)((float)((float)(a + 2f) * x) - (float)(a + 3f)) * x) * x + 1;
            return x < 2f ? (float)((float)((float)((float)(x - 5f) * x) + 8f) * x - 4f) * a : 0f;
        }

        /// <summary>Cubic's four taps around ⌊c⌋ (clamped to the edge) with Keys' coefficients in float; with exclude_outside, those off the input are 0 and the rest renormalised.</summary>
        public void Cubic(int o, float a, bool excludeOutside, List<long> indices, List<float> weights)
        {
            float c = Coordinate(o);
            bool outside = Outside(c);
            float floor = (float)Math.Floor(c);
            long whole = (long)floor;
            float s = Math.Abs(c - floor);
            float[] coefficients =
            [
                (float)((float)((float)((float)((float)(a * (float)(s + 1)) - (float)(5 * a)) * (float)(s + 1)) + (float)(8 * a)) * (float)(s + 1)) - (float)(4 * a),
                (float)((float)((float)((float)((float)(a + 2) * s) - (float)(a + 3)) * s) * s) + 1,
                (float)((float)((float)((float)((float)(a + 2) * (float)(1 - s)) - (float)(a + 3)) * (float)(1 - s)) * (float)(1 - s)) + 1,
                (float)((float)((float)((float)((float)(a * (float)(2 - s)) - (float)(5 * a)) * (float)(2 - s)) + (float)(8 * a)) * (float)(2 - s)) - (float)(4 * a),
            ];
            float sum = 1;
            if (excludeOutside)
            {
                sum = 0;
                for (int j = 0; j < 4; j++)
                {
                    long at = whole - 1 + j;
                    if (at < 0 || at >= input)
                        coefficients[j] = 0;
                    sum += coefficients[j];
                }
            }
            for (int j = 0; j < 4; j++)
            {
                long at = Math.Max(0, Math.Min(input - 1, whole - 1 + j));
                indices.Add(j == 0 && outside ? -1 : at);
                weights.Add(coefficients[j] / sum);
            }
        }
    }
}

/// <summary><c>Kernels.Resize</c> with its tables (the indices as int32, the weights as float; none for nearest).</summary>
internal sealed record ResizeStep(string Node, string OpType, int X, EquatableArray<PlanDim> XShape, EquatableArray<long> Taps, int Indices, int Weights, bool Nested,
    float Extrapolation, int D, EquatableArray<PlanDim> DShape) : PlanStep(Node, OpType)
{
    public override void Emit(StepWriter w) => w.Call("Resize", ("x", w.Tensor(X)), ("xShape", w.Shape(XShape)), ("taps", w.Shape(Taps)),
        ("indices", w.Tensor(Indices)), ("weights", w.Tensor(Weights)), ("nested", StepWriter.Bool(Nested)), ("extrapolation", StepWriter.Float(Extrapolation)),
        ("d", w.Tensor(D)), ("dShape", w.Shape(DShape)));
}
