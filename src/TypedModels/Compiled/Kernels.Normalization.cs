using System;
using System.Numerics.Tensors;

namespace TypedModels.Compiled;

// The normalisations, for inference. Each keeps ONNX Runtime's arithmetic for float (the form of the formula, the
// precision of the statistics, the order of its sums where they run in order), so that a compiled model stays within
// a few ulps of the ONNX Runtime client it replaces: on the backend tests, within 1.2 ulps of the largest output of the
// version this repository pins. Where its kernel sums with vector code (Eigen), TensorPrimitives does, in its own order.
public static partial class Kernels
{
    /// <summary>
    /// <c>BatchNormalization</c> in inference mode on <paramref name="x"/> [<paramref name="n"/>, <paramref name="c"/>,
    /// <paramref name="spatial"/>] with per-channel <paramref name="scale"/>, <paramref name="bias"/>, <paramref name="mean"/>
    /// and <paramref name="variance"/>. Folded as ONNX Runtime folds it: a = (1 / √(var + ε))·scale, b = bias − mean·a,
    /// y = x·a + b, each step rounded to float (not scale / √(var + ε), nor (x − mean)·a): bit for bit its results on the
    /// backend tests.
    /// </summary>
    public static void BatchNormalization(ReadOnlySpan<float> x, int n, int c, int spatial, ReadOnlySpan<float> scale, ReadOnlySpan<float> bias,
        ReadOnlySpan<float> mean, ReadOnlySpan<float> variance, float epsilon, Span<float> d)
    {
        for (int channel = 0; channel < c; channel++)
        {
            float a = 1f / MathF.Sqrt(variance[channel] + epsilon) * scale[channel];
            float b = bias[channel] - mean[channel] * a;
            for (int batch = 0; batch < n; batch++)
            {
                int start = (batch * c + channel) * spatial;
                Affine(x.Slice(start, spatial), a, b, d.Slice(start, spatial));
            }
        }
    }

    /// <summary>
    /// <c>LayerNormalization</c> of each of <paramref name="outer"/> rows of <paramref name="inner"/> elements (the dims from
    /// axis on), with <paramref name="scale"/> and <paramref name="bias"/> (empty: none) of <paramref name="inner"/> elements.
    /// Two passes, as the runtime this repository pins computes them on x86 (MLAS's AVX2 kernel): mean = Σx / inner summed
    /// in double and rounded to float once, σ = √(Σ(x − mean)² / inner + ε) summed in float, then
    /// y = (x − mean) · (1/σ) · scale + bias. A mean summed in float is off by a few ulps of the output where the mean is
    /// large beside the spread: on rows offset by ±2 around a spread of 0.5, as activations are (the <c>norms.onnx</c>
    /// fixture), 7 ulps of the largest output from ONNX Runtime, against 2 with the double mean (ONNX Runtime sums the
    /// squares and applies scale and bias in 8 vector lanes with fused multiply-adds, which this does not copy). Its
    /// older scalar kernel, one pass in float (σ² = E[x²] − E[x]²), cancels worse.
    /// <paramref name="mean"/> and <paramref name="invStdDev"/> (1/σ), the optional outputs, get one value per row, or
    /// nothing when empty.
    /// </summary>
    public static void LayerNormalization(ReadOnlySpan<float> x, int outer, int inner, ReadOnlySpan<float> scale, ReadOnlySpan<float> bias,
        float epsilon, Span<float> d, Span<float> mean, Span<float> invStdDev)
    {
        for (int o = 0; o < outer; o++)
        {
            var row = x.Slice(o * inner, inner);
            var target = d.Slice(o * inner, inner);
            float average = MeanInDouble(row), inverse = 1 / MathF.Sqrt(SquaredDeviations(row, average) / inner + epsilon);
            if (bias.IsEmpty)
                for (int i = 0; i < row.Length; i++)
                    target[i] = (row[i] - average) * inverse * scale[i];
            else
                for (int i = 0; i < row.Length; i++)
                    target[i] = (row[i] - average) * inverse * scale[i] + bias[i];
            if (!mean.IsEmpty)
                mean[o] = average;
            if (!invStdDev.IsEmpty)
                invStdDev[o] = inverse;
        }
    }

    /// <summary>
    /// <c>RMSNormalization</c> (opset 23) of each of <paramref name="outer"/> rows of <paramref name="inner"/> elements:
    /// y = x / √(E[x²] + ε) · scale, the squares summed in float in order (ONNX Runtime runs it as its simplified layer norm).
    /// </summary>
    public static void RMSNormalization(ReadOnlySpan<float> x, int outer, int inner, ReadOnlySpan<float> scale, float epsilon, Span<float> d)
    {
        for (int o = 0; o < outer; o++)
        {
            var row = x.Slice(o * inner, inner);
            var target = d.Slice(o * inner, inner);
            float squares = 0;
            for (int i = 0; i < row.Length; i++)
                squares += row[i] * row[i];
            float root = MathF.Sqrt(squares / inner + epsilon);
            for (int i = 0; i < row.Length; i++)
                target[i] = row[i] / root * scale[i];
        }
    }

    /// <summary>
    /// <c>InstanceNormalization</c> of <paramref name="x"/> [<paramref name="n"/>, <paramref name="c"/>, <paramref name="spatial"/>]:
    /// each (n, c) run normalised by its own mean and variance, then scaled and shifted per channel. ONNX Runtime's form:
    /// var = Σ(x − mean)² / spatial (two passes), a = (1 / √(var + ε))·scale, b = bias − mean·a, y = x·a + b. Folding the
    /// mean into b cancels where the mean is large beside the spread (spatial 1, say) exactly as ONNX Runtime's does.
    /// </summary>
    public static void InstanceNormalization(ReadOnlySpan<float> x, int n, int c, int spatial, ReadOnlySpan<float> scale, ReadOnlySpan<float> bias,
        float epsilon, Span<float> d)
    {
        for (int plane = 0; plane < n * c; plane++)
        {
            var run = x.Slice(plane * spatial, spatial);
            var target = d.Slice(plane * spatial, spatial);
            float average = TensorPrimitives.Sum(run) / spatial;
            // The deviations go through the output, which the affine step then overwrites: no scratch buffer.
            TensorPrimitives.Subtract(run, average, target);
            float variance = TensorPrimitives.SumOfSquares<float>(target) / spatial;
            float a = 1f / MathF.Sqrt(variance + epsilon) * scale[plane % c];
            Affine(run, a, bias[plane % c] - average * a, target);
        }
    }

    /// <summary>
    /// <c>GroupNormalization</c> of <paramref name="x"/> [<paramref name="n"/>, <paramref name="c"/>, <paramref name="spatial"/>]
    /// in <paramref name="groups"/> groups of c / groups consecutive channels, with <paramref name="scale"/> and
    /// <paramref name="bias"/> per channel (length c; the planner expands opset 18's per-group form). ONNX's function
    /// body in float, which is what the runtime this repository pins computes (within 0.2 ulp of the largest output on
    /// the backend tests, against 0.7 for the double statistics of ONNX Runtime's newer CPU kernel): two sequential
    /// passes, mean = Σx / size, σ = √(Σ(x − mean)² / size + ε), then y = (x − mean) / σ · scale + bias.
    /// </summary>
    public static void GroupNormalization(ReadOnlySpan<float> x, int n, int c, int spatial, int groups, ReadOnlySpan<float> scale,
        ReadOnlySpan<float> bias, float epsilon, Span<float> d)
    {
        int channels = c / groups, size = channels * spatial;
        for (int group = 0; group < n * groups; group++)
        {
            var block = x.Slice(group * size, size);
            float mean = MeanOf(block), deviation = MathF.Sqrt(SquaredDeviations(block, mean) / size + epsilon);
            for (int k = 0; k < channels; k++)
            {
                int channel = group % groups * channels + k, start = group * size + k * spatial;
                float a = scale[channel], b = bias[channel];
                for (int i = start; i < start + spatial; i++)
                    d[i] = (x[i] - mean) / deviation * a + b;
            }
        }
    }

    /// <summary>
    /// <c>LRN</c> across channels of <paramref name="x"/> [N, C, D1..Dn] (<paramref name="xShape"/>): each element divided by
    /// (bias + alpha/size · Σ x²)^beta, the sum over channels c − ⌊(size−1)/2⌋ … c + ⌈(size−1)/2⌉ that exist. As ONNX
    /// Runtime: alpha/size in float, each term (alpha/size)·x² added to bias in channel order, y = x·s^−beta; where it
    /// slides the sum from channel to channel (adding the head, subtracting the tail) this sums each window afresh.
    /// </summary>
    public static void LRN(ReadOnlySpan<float> x, ReadOnlySpan<int> xShape, int size, float alpha, float beta, float bias, Span<float> d)
    {
        int n = xShape[0], c = xShape[1], spatial = 1;
        for (int i = 2; i < xShape.Length; i++)
            spatial *= xShape[i];
        int before = (size - 1) / 2, after = size / 2;
        float alphaOverSize = alpha / size;
        for (int batch = 0; batch < n; batch++)
        {
            int image = batch * c * spatial;
            for (int channel = 0; channel < c; channel++)
            {
                int low = Math.Max(0, channel - before), high = Math.Min(c - 1, channel + after);
                for (int s = 0; s < spatial; s++)
                {
                    float sum = bias;
                    for (int k = low; k <= high; k++)
                    {
                        float value = x[image + k * spatial + s];
                        sum += alphaOverSize * (value * value);
                    }
                    int at = image + channel * spatial + s;
                    d[at] = x[at] * MathF.Pow(sum, -beta);
                }
            }
        }
    }

    // Σx / n, summed in order in float.
    private static float MeanOf(ReadOnlySpan<float> x)
    {
        float sum = 0;
        foreach (float value in x)
            sum += value;
        return sum / x.Length;
    }

    // Σx / n, summed in double and rounded to float once.
    private static float MeanInDouble(ReadOnlySpan<float> x)
    {
        double sum = 0;
        foreach (float value in x)
            sum += value;
        return (float)(sum / x.Length);
    }

    // Σ(x − mean)², summed in order in float.
    private static float SquaredDeviations(ReadOnlySpan<float> x, float mean)
    {
        float sum = 0;
        foreach (float value in x)
            sum += (value - mean) * (value - mean);
        return sum;
    }

    // y = x·a + b, multiply then add, each rounded (no fused multiply-add), as Eigen's unfused array expression computes it.
    private static void Affine(ReadOnlySpan<float> x, float a, float b, Span<float> d)
    {
        for (int i = 0; i < x.Length; i++)
            d[i] = x[i] * a + b;
    }
}
