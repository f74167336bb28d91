using System;
using System.Collections.Generic;
using System.Linq;
using TypedModels.Compiled;
using TypedModels.Testing;

namespace TypedModels.Tests;

/// <summary>
/// <c>Kernels.Resize</c> against plain loops that name every coordinate: nearest as a gather (with tf_crop_and_resize's
/// extrapolation marker), bilinear and trilinear bit for bit ONNX Runtime's written-out formulas
/// (dx2·dy2·X11 + dx1·dy2·X21 + …), bicubic bit for bit its nested order, and linear over four resized axes against a
/// double sum; the planner's tables are built here with half_pixel's arithmetic on sizes past a vector's width. Then
/// <c>Kernels.Hardmax</c> and <c>Kernels.LpNormalization</c> against their definitions. None allocates.
/// </summary>
public sealed class ResizeKernelTests
{
    private static float[] Input(int count, int seed)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, count).Select(_ => (float)(random.NextDouble() * 8 - 4))];
    }

    private static int Size(int[] shape) => shape.Aggregate(1, (a, b) => a * b);

    /// <summary>half_pixel's input coordinate of output position <paramref name="o"/>, in float as the planner computes it.</summary>
    private static float Coordinate(int o, int input, int output)
    {
        float scale = (float)output / input;
        return (float)((float)(o + 0.5f) / scale) - 0.5f;
    }

    /// <summary>One axis's linear taps as the planner lays them out: (index, weight) for ⌊c⌋ then ⌊c⌋ + 1, clamped, 0.5 each where they meet.</summary>
    private static (int[] Indices, float[] Weights) Linear(int input, int output)
    {
        var indices = new List<int>();
        var weights = new List<float>();
        for (int o = 0; o < output; o++)
        {
            float v = Math.Max(0f, Math.Min(Coordinate(o, input, output), input - 1));
            int first = Math.Min((int)v, input - 1), second = Math.Min(first + 1, input - 1);
            float toFirst = Math.Abs(v - first), toSecond = Math.Abs(v - second);
            if (first == second)
                (toFirst, toSecond) = (0.5f, 0.5f);
            indices.AddRange([first, second]);
            weights.AddRange([toSecond, toFirst]);
        }
        return ([.. indices], [.. weights]);
    }

    /// <summary>One axis's cubic taps: ⌊c⌋ − 1 … ⌊c⌋ + 2 clamped to the edge, Keys' coefficients (a = −0.75) in double rounded once.</summary>
    private static (int[] Indices, float[] Weights) Cubic(int input, int output)
    {
        const double a = -0.75;
        static double Keys(double t) => t <= 1 ? ((a + 2) * t - (a + 3)) * t * t + 1 : ((a * t - 5 * a) * t + 8 * a) * t - 4 * a;
        var indices = new List<int>();
        var weights = new List<float>();
        for (int o = 0; o < output; o++)
        {
            float c = Coordinate(o, input, output);
            int floor = (int)MathF.Floor(c);
            double s = c - floor;
            for (int j = 0; j < 4; j++)
            {
                indices.Add(Math.Clamp(floor - 1 + j, 0, input - 1));
                weights.Add((float)Keys(Math.Abs(j - 1 - s)));
            }
        }
        return ([.. indices], [.. weights]);
    }

    [Fact]
    public void Nearest_gathers_one_tap_per_axis_and_extrapolates_outside_the_region()
    {
        // [2, 3, 9, 13] to [2, 3, 20, 37]: N and C copied, H and W read from tables; two rows and three columns outside.
        int[] xShape = [2, 3, 9, 13], dShape = [2, 3, 20, 37];
        var x = Input(Size(xShape), 1);
        var rows = Enumerable.Range(0, 20).Select(o => o is 0 or 19 ? -1 : (o * 9) / 20).ToArray();
        var columns = Enumerable.Range(0, 37).Select(o => o is 5 or 17 or 36 ? -1 : (o * 13 + 18) / 37).ToArray();
        var d = new float[Size(dShape)];
        Kernels.Resize(x, xShape, [0, 0, 1, 1], [.. rows, .. columns], default, nested: false, extrapolation: 7.5f, d, dShape);
        for (int n = 0, o = 0; n < 2; n++)
            for (int c = 0; c < 3; c++)
                for (int h = 0; h < 20; h++)
                    for (int w = 0; w < 37; w++, o++)
                    {
                        float expected = rows[h] < 0 || columns[w] < 0 ? 7.5f : x[((n * 3 + c) * 9 + rows[h]) * 13 + columns[w]];
                        Assert.Equal(expected, d[o]);
                    }
    }

    [Fact]
    public void Nearest_reads_a_one_dim_input_and_shrinks()
    {
        var x = Input(40, 2);
        var at = Enumerable.Range(0, 17).Select(o => Math.Min(39, (int)Math.Ceiling(o * 40 / 17.0))).ToArray();
        var d = new float[17];
        Kernels.Resize(x, [40], [1], at, default, nested: false, extrapolation: 0, d, [17]);
        Assert.Equal(at.Select(i => x[i]), d);
    }

    [Fact]
    public void Bilinear_is_ONNX_Runtimes_formula_bit_for_bit_NCHW_and_NHWC()
    {
        // NCHW [2, 3, 9, 13] to [2, 3, 19, 34] (up) and [2, 3, 4, 6] (down).
        foreach (int[] dShape in new[] { new[] { 2, 3, 19, 34 }, [2, 3, 4, 6] })
        {
            int[] xShape = [2, 3, 9, 13];
            var x = Input(Size(xShape), 3);
            var (yi, yw) = Linear(9, dShape[2]);
            var (xi, xw) = Linear(13, dShape[3]);
            var d = new float[Size(dShape)];
            Kernels.Resize(x, xShape, [0, 0, 2, 2], [.. yi, .. xi], [.. yw, .. xw], nested: false, extrapolation: 0, d, dShape);
            int o = 0;
            for (int plane = 0; plane < 6; plane++)
                for (int y = 0; y < dShape[2]; y++)
                    for (int c = 0; c < dShape[3]; c++, o++)
                    {
                        int row1 = plane * 117 + yi[2 * y] * 13, row2 = plane * 117 + yi[2 * y + 1] * 13;
                        float dy2 = yw[2 * y], dy1 = yw[2 * y + 1], dx2 = xw[2 * c], dx1 = xw[2 * c + 1];
                        float expected = dx2 * dy2 * x[row1 + xi[2 * c]] + dx1 * dy2 * x[row1 + xi[2 * c + 1]]
                            + dx2 * dy1 * x[row2 + xi[2 * c]] + dx1 * dy1 * x[row2 + xi[2 * c + 1]];
                        Assert.Equal(expected, d[o]);
                    }
        }

        // NHWC [2, 9, 13, 5] to [2, 17, 29, 5]: the channels innermost, copied.
        {
            int[] xShape = [2, 9, 13, 5], dShape = [2, 17, 29, 5];
            var x = Input(Size(xShape), 4);
            var (yi, yw) = Linear(9, 17);
            var (xi, xw) = Linear(13, 29);
            var d = new float[Size(dShape)];
            Kernels.Resize(x, xShape, [0, 2, 2, 0], [.. yi, .. xi], [.. yw, .. xw], nested: false, extrapolation: 0, d, dShape);
            int o = 0;
            for (int n = 0; n < 2; n++)
                for (int y = 0; y < 17; y++)
                    for (int c = 0; c < 29; c++)
                        for (int ch = 0; ch < 5; ch++, o++)
                        {
                            int At(int row, int column) => ((n * 9 + row) * 13 + column) * 5 + ch;
                            float dy2 = yw[2 * y], dy1 = yw[2 * y + 1], dx2 = xw[2 * c], dx1 = xw[2 * c + 1];
                            float expected = dx2 * dy2 * x[At(yi[2 * y], xi[2 * c])] + dx1 * dy2 * x[At(yi[2 * y], xi[2 * c + 1])]
                                + dx2 * dy1 * x[At(yi[2 * y + 1], xi[2 * c])] + dx1 * dy1 * x[At(yi[2 * y + 1], xi[2 * c + 1])];
                            Assert.Equal(expected, d[o]);
                        }
        }
    }

    [Fact]
    public void Trilinear_is_ONNX_Runtimes_formula_bit_for_bit()
    {
        int[] xShape = [2, 5, 9, 11], dShape = [2, 11, 7, 23];
        var x = Input(Size(xShape), 5);
        var (zi, zw) = Linear(5, 11);
        var (yi, yw) = Linear(9, 7);
        var (xi, xw) = Linear(11, 23);
        var d = new float[Size(dShape)];
        Kernels.Resize(x, xShape, [0, 2, 2, 2], [.. zi, .. yi, .. xi], [.. zw, .. yw, .. xw], nested: false, extrapolation: 0, d, dShape);
        int o = 0;
        for (int n = 0; n < 2; n++)
            for (int z = 0; z < 11; z++)
                for (int y = 0; y < 7; y++)
                    for (int c = 0; c < 23; c++, o++)
                    {
                        float X(int zt, int yt, int xt) => x[((n * 5 + zi[2 * z + zt]) * 9 + yi[2 * y + yt]) * 11 + xi[2 * c + xt]];
                        float dz2 = zw[2 * z], dz1 = zw[2 * z + 1], dy2 = yw[2 * y], dy1 = yw[2 * y + 1], dx2 = xw[2 * c], dx1 = xw[2 * c + 1];
                        float expected = dx2 * dy2 * dz2 * X(0, 0, 0) + dx1 * dy2 * dz2 * X(0, 0, 1) + dx2 * dy1 * dz2 * X(0, 1, 0) + dx1 * dy1 * dz2 * X(0, 1, 1)
                            + dx2 * dy2 * dz1 * X(1, 0, 0) + dx1 * dy2 * dz1 * X(1, 0, 1) + dx2 * dy1 * dz1 * X(1, 1, 0) + dx1 * dy1 * dz1 * X(1, 1, 1);
                        Assert.Equal(expected, d[o]);
                    }
    }

    [Fact]
    public void Bicubic_nests_the_rows_sums_in_ONNX_Runtimes_order()
    {
        foreach (int[] dShape in new[] { new[] { 2, 3, 23, 31 }, [2, 3, 5, 7] })
        {
            int[] xShape = [2, 3, 10, 14];
            var x = Input(Size(xShape), 6);
            var (yi, yw) = Cubic(10, dShape[2]);
            var (xi, xw) = Cubic(14, dShape[3]);
            var d = new float[Size(dShape)];
            Kernels.Resize(x, xShape, [0, 0, 4, 4], [.. yi, .. xi], [.. yw, .. xw], nested: true, extrapolation: 0, d, dShape);
            int o = 0;
            for (int plane = 0; plane < 6; plane++)
                for (int y = 0; y < dShape[2]; y++)
                    for (int c = 0; c < dShape[3]; c++, o++)
                    {
                        float result = 0;
                        for (int i = 0; i < 4; i++)
                        {
                            float row = 0;
                            for (int j = 0; j < 4; j++)
                                row += xw[4 * c + j] * x[plane * 140 + yi[4 * y + i] * 14 + xi[4 * c + j]];
                            result += row * yw[4 * y + i];
                        }
                        Assert.Equal(result, d[o]);
                    }
        }
    }

    [Fact]
    public void Antialiasing_windows_equal_ONNX_Runtimes_two_passes_bit_for_bit()
    {
        // [2, 3, 19, 37] to [2, 3, 7, 11]: five taps a row and seven a column, the ones past each window's end weighing 0.
        int[] xShape = [2, 3, 19, 37], dShape = [2, 3, 7, 11];
        var x = Input(Size(xShape), 12);
        (int[] Indices, float[] Weights) Window(int input, int output, int taps)
        {
            var random = new Random(input);
            var indices = new List<int>();
            var weights = new List<float>();
            for (int o = 0; o < output; o++)
            {
                int start = Math.Min(input - taps, o * input / output), used = taps - o % 3;
                for (int t = 0; t < taps; t++)
                {
                    indices.Add(t < used ? start + t : start);
                    weights.Add(t < used ? (float)random.NextDouble() : 0f);
                }
            }
            return ([.. indices], [.. weights]);
        }
        var (yi, yw) = Window(19, 7, 7);
        var (xi, xw) = Window(37, 11, 5);
        var d = new float[Size(dShape)];
        Kernels.Resize(x, xShape, [0, 0, 7, 5], [.. yi, .. xi], [.. yw, .. xw], nested: true, extrapolation: 0, d, dShape);
        int o = 0;
        for (int plane = 0; plane < 6; plane++)
        {
            // The rows first (each input row to the output's width), then the columns, each sum from 0 over its used taps.
            var rows = new float[19, 11];
            for (int r = 0; r < 19; r++)
                for (int c = 0; c < 11; c++)
                    for (int t = 0; t < 5 - c % 3; t++)
                        rows[r, c] += x[(plane * 19 + r) * 37 + xi[5 * c + t]] * xw[5 * c + t];
            for (int y = 0; y < 7; y++)
                for (int c = 0; c < 11; c++, o++)
                {
                    float sum = 0;
                    for (int t = 0; t < 7 - y % 3; t++)
                        sum += rows[yi[7 * y + t], c] * yw[7 * y + t];
                    Assert.Equal(sum, d[o]);
                }
        }
    }

    [Fact]
    public void Linear_over_four_resized_axes_matches_a_double_sum_and_a_cropped_row_extrapolates()
    {
        int[] xShape = [3, 4, 5, 9], dShape = [5, 7, 3, 17];
        var x = Input(Size(xShape), 7);
        var axes = Enumerable.Range(0, 4).Select(k => Linear(xShape[k], dShape[k])).ToArray();
        var indices = axes.SelectMany(a => a.Indices).ToArray();
        // Output position 1 along axis 1 lies outside tf_crop_and_resize's region.
        indices[axes[0].Indices.Length + 2] = -1;
        var d = new float[Size(dShape)];
        Kernels.Resize(x, xShape, [2, 2, 2, 2], indices, [.. axes.SelectMany(a => a.Weights)], nested: false, extrapolation: -3, d, dShape);
        var expected = new double[d.Length];
        int o = 0;
        for (int p = 0; p < 5; p++)
            for (int q = 0; q < 7; q++)
                for (int r = 0; r < 3; r++)
                    for (int s = 0; s < 17; s++, o++)
                    {
                        if (q == 1)
                        {
                            expected[o] = -3;
                            continue;
                        }
                        int[] at = [p, q, r, s];
                        double sum = 0;
                        for (int corner = 0; corner < 16; corner++)
                        {
                            double weight = 1;
                            int offset = 0;
                            for (int k = 0; k < 4; k++)
                            {
                                int tap = (corner >> (3 - k)) & 1;
                                weight *= axes[k].Weights[2 * at[k] + tap];
                                offset = offset * xShape[k] + axes[k].Indices[2 * at[k] + tap];
                            }
                            sum += weight * x[offset];
                        }
                        expected[o] = sum;
                    }
        PoolKernelTests.AssertClose(expected, d, 4, "4-linear");
    }

    [Fact]
    public void Hardmax_marks_the_first_largest_of_each_line()
    {
        // [3, 37, 5] along the middle axis, values rounded to halves so that lines hold ties.
        var x = Input(3 * 37 * 5, 8).Select(v => MathF.Round(v * 2) / 2).ToArray();
        var d = new float[x.Length];
        Kernels.Hardmax<float>(x, 3, 37, 5, d);
        for (int o = 0; o < 3; o++)
            for (int i = 0; i < 5; i++)
            {
                var line = Enumerable.Range(0, 37).Select(a => x[(o * 37 + a) * 5 + i]).ToArray();
                int first = Array.IndexOf(line, line.Max());
                for (int a = 0; a < 37; a++)
                    Assert.Equal(a == first ? 1f : 0f, d[(o * 37 + a) * 5 + i]);
            }

        var wide = Input(2 * 1000, 9).Select(v => (double)v).ToArray();
        var dd = new double[wide.Length];
        Kernels.Hardmax<double>(wide, 2, 1000, 1, dd);
        Assert.Equal([Array.IndexOf(wide, wide.Take(1000).Max()), 1000 + Array.IndexOf(wide.Skip(1000).ToArray(), wide.Skip(1000).Max())],
            dd.Select((v, i) => (v, i)).Where(p => p.v == 1).Select(p => p.i));
        Assert.Equal(1998, dd.Count(v => v == 0));
    }

    [Fact]
    public void LpNormalization_divides_each_line_by_its_norm_and_zeroes_a_zero_line()
    {
        var x = Input(4 * 37 * 3, 10);
        for (int i = 0; i < 3; i++)
            for (int a = 0; a < 37; a++)
                x[(2 * 37 + a) * 3 + i] = 0;
        foreach (int p in new[] { 1, 2 })
        {
            var d = new float[x.Length];
            Kernels.LpNormalization<float>(x, 4, 37, 3, p, d);
            var expected = new double[x.Length];
            for (int o = 0; o < 4; o++)
                for (int i = 0; i < 3; i++)
                {
                    var at = Enumerable.Range(0, 37).Select(a => (o * 37 + a) * 3 + i).ToArray();
                    double norm = p == 1 ? at.Sum(k => Math.Abs((double)x[k])) : Math.Sqrt(at.Sum(k => (double)x[k] * x[k]));
                    foreach (int k in at)
                        expected[k] = norm == 0 ? 0 : x[k] / norm;
                }
            PoolKernelTests.AssertClose(expected, d, 4, $"p {p}");
        }
    }

    [Fact]
    public void None_allocates()
    {
        int[] xShape = [2, 3, 9, 13], dShape = [2, 3, 19, 34];
        var x = Input(Size(xShape), 11);
        var (yi, yw) = Linear(9, 19);
        var (xi, xw) = Linear(13, 34);
        int[] indices = [.. yi, .. xi];
        float[] weights = [.. yw, .. xw];
        var (ci, cw) = (Cubic(9, 19), Cubic(13, 34));
        int[] cubicIndices = [.. ci.Indices, .. cw.Indices];
        float[] cubicWeights = [.. ci.Weights, .. cw.Weights];
        int[] nearest = [.. Enumerable.Range(0, 19).Select(o => o * 9 / 19), .. Enumerable.Range(0, 34).Select(o => o * 13 / 34)];
        int[] linearTaps = [0, 0, 2, 2], cubicTaps = [0, 0, 4, 4], nearestTaps = [0, 0, 1, 1];
        var d = new float[Size(dShape)];
        var normalised = new float[x.Length];
        long allocated = Allocations.PerLoop(warmUp: 3, calls: 20, _ =>
        {
            Kernels.Resize(x, xShape, linearTaps, indices, weights, nested: false, extrapolation: 0, d, dShape);
            Kernels.Resize(x, xShape, cubicTaps, cubicIndices, cubicWeights, nested: true, extrapolation: 0, d, dShape);
            Kernels.Resize(x, xShape, nearestTaps, nearest, default, nested: false, extrapolation: 0, d, dShape);
            Kernels.Hardmax<float>(x, 6, 9, 13, normalised);
            Kernels.LpNormalization<float>(x, 6, 9, 13, 2, normalised);
        });
        Assert.Equal(0, allocated);
    }
}
