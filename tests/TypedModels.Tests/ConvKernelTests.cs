using System;
using System.Collections.Generic;
using System.Linq;
using TypedModels.Compiled;
using TypedModels.Testing;

namespace TypedModels.Tests;

/// <summary>
/// Conv and ConvTranspose against references written from ONNX's definitions, coordinate by coordinate in double: 1-D,
/// 2-D, 3-D (and a 4-D one) with 3 to 8 channels and spatial dims of 9 to 20 (rows past a vector's width), strides 1 and
/// 2, dilations 1 and 2, symmetric and asymmetric pads, groups of 1, 2 and depthwise, with and without bias, a batch of
/// 2; the output shapes by the formulas the planner mirrors; three conformance cases' exact values; no allocation.
/// </summary>
public sealed class ConvKernelTests
{
    // spatial dims, channels C, maps M, kernel dims, group, strides, dilations, pads [begins.., ends..], bias
    public static TheoryData<int[], int, int, int[], int, int[], int[], int[], bool> ConvCases => new()
    {
        { [17], 3, 5, [3], 1, [1], [1], [1, 1], true },
        { [16], 4, 6, [5], 2, [2], [2], [3, 1], false },
        { [9, 11], 3, 4, [3, 3], 1, [1, 1], [1, 1], [1, 1, 1, 1], true },
        { [10, 20], 5, 3, [3, 3], 1, [1, 1], [1, 1], [1, 1, 1, 1], false },
        { [17, 16], 4, 8, [3, 5], 2, [2, 1], [1, 2], [0, 2, 1, 3], true },
        { [15, 17], 8, 3, [3, 3], 1, [2, 2], [2, 2], [0, 0, 0, 0], false },
        { [12, 17], 6, 6, [3, 3], 6, [2, 2], [1, 1], [1, 1, 1, 1], true },        // depthwise
        { [13, 18], 3, 6, [5, 5], 3, [1, 1], [2, 2], [4, 3, 4, 5], true },        // depthwise, two maps a channel
        { [9, 9], 5, 7, [1, 1], 1, [2, 2], [1, 1], [0, 0, 0, 0], true },          // pointwise
        { [9, 10, 11], 4, 4, [3, 3, 3], 2, [1, 2, 1], [1, 1, 2], [1, 0, 2, 1, 1, 0], true },
        { [9, 9, 9], 3, 3, [2, 3, 3], 3, [2, 2, 2], [1, 1, 1], [0, 1, 1, 1, 1, 0], false },
        { [5, 4, 6, 5], 2, 3, [2, 2, 3, 2], 1, [1, 2, 1, 1], [1, 1, 2, 1], [1, 0, 1, 1, 0, 1, 2, 0], true },
    };

    // as above, then output_padding (the output's extra length at the end of each dim)
    public static TheoryData<int[], int, int, int[], int, int[], int[], int[], int[], bool> TransposeCases => new()
    {
        { [9], 3, 4, [3], 1, [2], [1], [1, 1], [0], true },
        { [17], 4, 4, [4], 2, [1], [2], [0, 2], [0], false },
        { [9, 10], 4, 6, [3, 3], 1, [2, 2], [1, 1], [1, 1, 1, 1], [1, 1], true },
        { [9, 11], 4, 6, [3, 4], 2, [2, 1], [2, 2], [0, 1, 2, 1], [1, 0], false },
        { [10, 9], 5, 5, [3, 3], 5, [2, 2], [1, 1], [1, 1, 1, 1], [0, 1], true },   // depthwise
        { [9, 20], 3, 3, [3, 3], 1, [1, 1], [1, 1], [1, 1, 1, 1], [0, 0], false },
        { [9, 9, 10], 4, 4, [3, 3, 2], 2, [2, 1, 2], [1, 2, 1], [1, 0, 1, 0, 2, 1], [1, 0, 0], true },
    };

    private const int Batch = 2;

    [Theory]
    [MemberData(nameof(ConvCases))]
    public void Conv_matches_the_definition(int[] spatial, int channels, int maps, int[] kernel, int group, int[] strides, int[] dilations, int[] pads, bool bias)
    {
        int rank = spatial.Length;
        int[] xShape = [Batch, channels, .. spatial], wShape = [maps, channels / group, .. kernel];
        int[] dShape = [Batch, maps, .. Enumerable.Range(0, rank).Select(i =>
            (spatial[i] + pads[i] + pads[rank + i] - dilations[i] * (kernel[i] - 1) - 1) / strides[i] + 1)];
        for (int i = 0; i < rank; i++)
            Assert.Equal(dShape[2 + i], Kernels.ConvOutputSize(spatial[i], kernel[i], strides[i], dilations[i], pads[i], pads[rank + i]));
        var (x, w, b) = (Values(xShape, 1), Values(wShape, 2), bias ? Values([maps], 3) : []);

        // out[n, m, o] = b[m] + Σ over c of m's group and taps k of x[n, c, o·stride + k·dilation − begin] · w[m, c', k], zero outside.
        var expected = new double[Size(dShape)];
        for (int n = 0; n < Batch; n++)
            for (int m = 0; m < maps; m++)
                foreach (var o in Coordinates(dShape[2..]))
                {
                    double sum = bias ? b[m] : 0;
                    for (int cc = 0; cc < channels / group; cc++)
                        foreach (var k in Coordinates(kernel))
                        {
                            int[] at = [.. Enumerable.Range(0, rank).Select(i => o[i] * strides[i] + k[i] * dilations[i] - pads[i])];
                            if (at.Select((v, i) => v >= 0 && v < spatial[i]).All(inside => inside))
                                sum += (double)x[Flat(xShape, [n, m / (maps / group) * (channels / group) + cc, .. at])] * w[Flat(wShape, [m, cc, .. k])];
                        }
                    expected[Flat(dShape, [n, m, .. o])] = sum;
                }

        var d = new float[expected.Length];
        d.AsSpan().Fill(float.NaN);   // every element is written
        Kernels.Conv(x, xShape, w, wShape, b, group, strides, dilations, pads, d, dShape);
        AssertClose(expected, d);
    }

    [Theory]
    [MemberData(nameof(TransposeCases))]
    public void ConvTranspose_matches_the_definition(int[] spatial, int channels, int maps, int[] kernel, int group, int[] strides, int[] dilations, int[] pads,
        int[] outputPadding, bool bias)
    {
        int rank = spatial.Length;
        int[] xShape = [Batch, channels, .. spatial], wShape = [channels, maps / group, .. kernel];
        int[] dShape = [Batch, maps, .. Enumerable.Range(0, rank).Select(i =>
            strides[i] * (spatial[i] - 1) + outputPadding[i] + (kernel[i] - 1) * dilations[i] + 1 - pads[i] - pads[rank + i])];
        for (int i = 0; i < rank; i++)
            Assert.Equal(dShape[2 + i], Kernels.ConvTransposeOutputSize(spatial[i], kernel[i], strides[i], dilations[i], pads[i], pads[rank + i], outputPadding[i]));
        var (x, w, b) = (Values(xShape, 4), Values(wShape, 5), bias ? Values([maps], 6) : []);

        // Each x[n, c, i] adds x · w[c, m', k] to out[n, m, i·stride + k·dilation − begin] where that is inside; then b[m].
        var expected = new double[Size(dShape)];
        for (int n = 0; n < Batch; n++)
            for (int c = 0; c < channels; c++)
                for (int mm = 0; mm < maps / group; mm++)
                {
                    int m = c / (channels / group) * (maps / group) + mm;
                    foreach (var i in Coordinates(spatial))
                        foreach (var k in Coordinates(kernel))
                        {
                            int[] at = [.. Enumerable.Range(0, rank).Select(a => i[a] * strides[a] + k[a] * dilations[a] - pads[a])];
                            if (at.Select((v, a) => v >= 0 && v < dShape[2 + a]).All(inside => inside))
                                expected[Flat(dShape, [n, m, .. at])] += (double)x[Flat(xShape, [n, c, .. i])] * w[Flat(wShape, [c, mm, .. k])];
                        }
                }
        if (bias)
            for (int e = 0; e < expected.Length; e++)
                expected[e] += b[e / Size(dShape[2..]) % maps];

        var d = new float[expected.Length];
        d.AsSpan().Fill(float.NaN);
        Kernels.ConvTranspose(x, xShape, w, wShape, b, group, strides, dilations, pads, d, dShape);
        AssertClose(expected, d);
    }

    [Fact]
    public void Conformance_cases_give_onnxs_values()
    {
        // test_conv_with_strides_and_asymmetric_padding: x = 0..34 [1, 1, 7, 5], a 3 × 3 kernel of ones, strides 2, pads [1, 0, 1, 0].
        float[] x = [.. Enumerable.Range(0, 35).Select(v => (float)v)], ones = [.. Enumerable.Repeat(1f, 18)];
        var d = new float[8];
        Kernels.Conv(x, [1, 1, 7, 5], ones.AsSpan(0, 9), [1, 1, 3, 3], [], 1, [2, 2], [1, 1], [1, 0, 1, 0], d, [1, 1, 4, 2]);
        Assert.Equal(new float[] { 21, 33, 99, 117, 189, 207, 171, 183 }, d);

        // test_convtranspose_pads: x = 0..8 [1, 1, 3, 3], kernels of ones [1, 2, 3, 3], strides [3, 2], pads [1, 2, 1, 2]: Y [1, 2, 7, 3].
        float[] map = [1, 1, 3, 1, 1, 3, 7, 4, 9, 7, 4, 9, 7, 4, 9, 13, 7, 15, 13, 7, 15];
        d = new float[42];
        Kernels.ConvTranspose(x.AsSpan(0, 9), [1, 1, 3, 3], ones, [1, 2, 3, 3], [], 1, [3, 2], [1, 1], [1, 2, 1, 2], d, [1, 2, 7, 3]);
        Assert.Equal(map.Concat(map), d);

        // test_convtranspose_pad: output_padding [1, 1] lengthens the output at the end ([1, 2, 10, 8]), with zeros where no input lands.
        d = new float[160];
        Kernels.ConvTranspose(x.AsSpan(0, 9), [1, 1, 3, 3], ones, [1, 2, 3, 3], [], 1, [3, 2], [1, 1], [0, 0, 0, 0], d, [1, 2, 10, 8]);
        Assert.Equal(new float[] { 0, 0, 1, 1, 3, 2, 2, 0 }, d[0..8]);
        Assert.Equal(new float[] { 6, 6, 13, 7, 15, 8, 8, 0 }, d[64..72]);
        Assert.All(d[72..80], v => Assert.Equal(0f, v));
    }

    [Fact]
    public void Neither_kernel_allocates()
    {
        int[] xShape = [1, 4, 12, 17], wShape = [4, 2, 3, 3], dShape = [1, 4, 12, 17], tShape = [1, 4, 23, 33];
        int[] x3Shape = [1, 2, 9, 9, 9], w3Shape = [2, 2, 3, 3, 3], d3Shape = [1, 2, 9, 9, 9];
        float[] x = Values(xShape, 7), w = Values(wShape, 8), b = Values([4], 9), d = new float[Size(dShape)], t = new float[Size(tShape)];
        float[] x3 = Values(x3Shape, 10), w3 = Values(w3Shape, 11), d3 = new float[Size(d3Shape)];
        int[] ones = [1, 1], twos = [2, 2], pads = [1, 1, 1, 1], ones3 = [1, 1, 1], pads3 = [1, 1, 1, 1, 1, 1];

        long allocated = Allocations.PerLoop(warmUp: 10, calls: 100, _ =>
        {
            Kernels.Conv(x, xShape, w, wShape, b, 2, ones, ones, pads, d, dShape);
            Kernels.ConvTranspose(x, xShape, w, wShape, b, 2, twos, ones, pads, t, tShape);
            Kernels.Conv(x3, x3Shape, w3, w3Shape, [], 1, ones3, ones3, pads3, d3, d3Shape);
        });

        Assert.Equal(0, allocated);
    }

    // A float sum differs from the double one by rounding alone: within a few ulps of the largest magnitude (2 seen, 8 allowed).
    private static void AssertClose(double[] expected, float[] actual)
    {
        float largest = (float)expected.Max(Math.Abs);
        double bound = 8 * (MathF.BitIncrement(largest) - largest);
        for (int e = 0; e < expected.Length; e++)
            Assert.True(Math.Abs(actual[e] - expected[e]) <= bound, $"element {e}: {actual[e]} against {expected[e]} (bound {bound})");
    }

    private static float[] Values(int[] shape, int seed)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, Size(shape)).Select(_ => (float)(random.NextDouble() * 2 - 1))];
    }

    private static int Size(int[] shape) => shape.Aggregate(1, (p, v) => p * v);

    private static int Flat(int[] shape, int[] index)
    {
        int flat = 0;
        for (int i = 0; i < shape.Length; i++)
            flat = flat * shape[i] + index[i];
        return flat;
    }

    // Every coordinate of dims, in row-major order.
    private static IEnumerable<int[]> Coordinates(int[] dims)
    {
        for (int flat = 0, size = Size(dims); flat < size; flat++)
        {
            var index = new int[dims.Length];
            for (int i = dims.Length - 1, rest = flat; i >= 0; i--)
            {
                index[i] = rest % dims[i];
                rest /= dims[i];
            }
            yield return index;
        }
    }
}
