using System;
using System.Collections.Generic;
using System.Linq;
using TypedModels.Compiled;
using TypedModels.Testing;

namespace TypedModels.Tests;

/// <summary>
/// The pools against a reference that names every coordinate: for each output element, every tap of its window in
/// double, in or out of the input, on 1-D, 2-D and 3-D inputs of 2 × 3..8 channels and 9..17 positions a dim (past a
/// vector's width), with strides, dilations, asymmetric pads and ceil_mode windows that run past the end padding.
/// Output shapes come from ONNX's rule, as the planner computes them.
/// </summary>
public sealed class PoolKernelTests
{
    /// <summary>A pool's geometry: the input's spatial dims, then per spatial dim the attributes, pads as [begins, ends].</summary>
    public sealed record Geometry(int Channels, int[] Spatial, int[] Kernel, int[] Strides, int[] Dilations, int[] Pads, bool Ceil);

    private static readonly Dictionary<string, Geometry> Geometries = new()
    {
        ["1d k3"] = new(3, [17], [3], [1], [1], [0, 0], false),
        ["1d k4 s3 d2 pads 1,2 ceil"] = new(5, [13], [4], [3], [2], [1, 2], true),
        ["1d k5 s3 d2 ceil, the last window past the end"] = new(4, [16], [5], [3], [2], [0, 0], true),
        ["1d k3 s2 pads 2,0 ceil"] = new(8, [9], [3], [2], [1], [2, 0], true),
        ["2d k3 s2 ceil"] = new(3, [9, 10], [3, 3], [2, 2], [1, 1], [0, 0, 0, 0], true),
        ["2d k2x3 s1x2 d2x1 pads 1,0,2,1"] = new(6, [11, 12], [2, 3], [1, 2], [2, 1], [1, 0, 2, 1], false),
        ["2d k3 s3 pads 1 ceil, the last window starts on the pad"] = new(3, [10, 11], [3, 3], [3, 3], [1, 1], [1, 1, 1, 1], true),
        ["2d k3 s2 d2 pads 2,1,0,2 ceil"] = new(4, [13, 9], [3, 3], [2, 2], [2, 2], [2, 1, 0, 2], true),
        ["3d k2 d2 ceil"] = new(3, [9, 10, 11], [2, 2, 2], [1, 1, 1], [2, 2, 2], [0, 0, 0, 0, 0, 0], true),
        ["3d k3 s2 d1,2,3 pads 1,0,2,0,2,1 ceil"] = new(5, [9, 12, 10], [3, 3, 3], [2, 2, 2], [1, 2, 3], [1, 0, 2, 0, 2, 1], true),
        ["3d k5 s3 d2 ceil, windows past the end"] = new(3, [17, 16, 15], [5, 5, 5], [3, 3, 3], [2, 2, 2], [0, 0, 0, 0, 0, 0], true),
    };

    public static TheoryData<string> Names() => [.. Geometries.Keys];

    [Theory]
    [MemberData(nameof(Names))]
    public void MaxPool_matches_the_reference_in_values_and_both_index_orders(string name)
    {
        var g = Geometries[name];
        // Values rounded to halves: windows hold ties, and the first of them (row-major in the window) must win.
        foreach (var x in new[] { Input(g, 0), Input(g, 1).Select(v => MathF.Round(v * 2) / 2).ToArray() })
        {
            var dShape = OutputShape(g);
            var (expected, rowMajor, columnMajor) = Reference(g, x, dShape, "max", p: 0, countIncludePad: false);
            var d = new float[expected.Length];
            var indices = new long[expected.Length];
            Kernels.MaxPool(x, Shape(g), g.Kernel, g.Strides, g.Dilations, g.Pads, d, dShape, indices);
            AssertClose(expected, d, 0, name);
            Assert.Equal(rowMajor, indices);

            Kernels.MaxPool(x, Shape(g), g.Kernel, g.Strides, g.Dilations, g.Pads, d, dShape, indices, storageOrder: 1);
            Assert.Equal(columnMajor, indices);

            var alone = new float[expected.Length];
            Kernels.MaxPool(x, Shape(g), g.Kernel, g.Strides, g.Dilations, g.Pads, alone, dShape, []);
            Assert.Equal(d, alone);
        }
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void AveragePool_matches_the_reference_counting_the_pad_or_not(string name)
    {
        var g = Geometries[name];
        var x = Input(g, 2);
        var dShape = OutputShape(g);
        foreach (bool include in new[] { false, true })
        {
            var (expected, _, _) = Reference(g, x, dShape, "average", p: 0, countIncludePad: include);
            var d = new float[expected.Length];
            Kernels.AveragePool(x, Shape(g), g.Kernel, g.Strides, g.Dilations, g.Pads, include, d, dShape);
            AssertClose(expected, d, 4, $"{name}, count_include_pad {include}");
        }
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void LpPool_matches_the_reference_for_p_1_2_3(string name)
    {
        var g = Geometries[name];
        var x = Input(g, 3);
        var dShape = OutputShape(g);
        foreach (int p in new[] { 1, 2, 3 })
        {
            var (expected, _, _) = Reference(g, x, dShape, "lp", p, countIncludePad: false);
            var d = new float[expected.Length];
            Kernels.LpPool(x, Shape(g), g.Kernel, g.Strides, g.Dilations, g.Pads, p, d, dShape);
            AssertClose(expected, d, 4, $"{name}, p {p}");
        }
    }

    [Fact]
    public void Under_count_include_pad_a_ceil_window_past_the_end_padding_counts_only_taps_up_to_the_padded_bound()
    {
        // Size 16, kernel 5 dilated 2, stride 3, ceil: the last window starts at 9 and taps 9, 11, 13, 15 and 17, which
        // is past the input and its (empty) end padding, so the mean is over 4 taps, not 5: 13, not 10.4. The 3-D
        // dilations_large backend tests turn on this.
        float[] x = [.. Enumerable.Range(1, 16).Select(i => (float)i)];
        var d = new float[4];
        Kernels.AveragePool(x, [1, 1, 16], [5], [3], [2], [0, 0], countIncludePad: true, d, [1, 1, 4]);
        Assert.Equal([5, 8, 11, 13], d);
    }

    [Fact]
    public void The_backend_tests_ceil_window_that_starts_on_the_pad_averages_over_the_whole_padded_window()
    {
        // test_averagepool_2d_ceil_last_window_starts_on_pad: [1, 3, 2, 2], kernel 3, stride 3, pads 1, ceil_mode and
        // count_include_pad; the planner reduces the output to 1 × 1, whose window holds the 4 values and 5 pads. Its
        // recorded outputs are rounded to 4 digits (the suite compares within 1e-3).
        float[] x = [0.8580f, 0.0786f, 0.2692f, 0.1537f, 0.8816f, 0.4353f, 0.5772f, 0.6623f, 0.9067f, 0.9483f, 0.5970f, 0.7630f];
        var d = new float[3];
        Kernels.AveragePool(x, [1, 3, 2, 2], [3, 3], [3, 3], [1, 1], [1, 1, 1, 1], countIncludePad: true, d, [1, 3, 1, 1]);
        double[] recorded = [0.1511, 0.2841, 0.3572];
        for (int c = 0; c < 3; c++)
        {
            AssertClose([x.Skip(4 * c).Take(4).Sum(v => (double)v) / 9], [d[c]], 4, $"channel {c}");
            Assert.InRange(d[c], recorded[c] - 1e-3, recorded[c] + 1e-3);
        }
    }

    [Fact]
    public void The_backend_tests_argmax_cases_give_their_indices()
    {
        float[] x = [.. Enumerable.Range(1, 25).Select(i => (float)i)];
        // test_maxpool_with_argmax_2d_precomputed_pads: kernel 5, pads 2, row-major indices.
        var d = new float[25];
        var indices = new long[25];
        Kernels.MaxPool(x, [1, 1, 5, 5], [5, 5], [1, 1], [1, 1], [2, 2, 2, 2], d, [1, 1, 5, 5], indices);
        Assert.Equal([12, 13, 14, 14, 14, 17, 18, 19, 19, 19, 22, 23, 24, 24, 24, 22, 23, 24, 24, 24, 22, 23, 24, 24, 24], indices);
        // test_maxpool_with_argmax_2d_precomputed_strides: kernel 2, stride 2, storage_order 1 (column-major indices).
        d = new float[4];
        indices = new long[4];
        Kernels.MaxPool(x, [1, 1, 5, 5], [2, 2], [2, 2], [1, 1], [0, 0, 0, 0], d, [1, 1, 2, 2], indices, storageOrder: 1);
        Assert.Equal([7, 9, 17, 19], d);
        Assert.Equal([6, 16, 8, 18], indices);
    }

    [Fact]
    public void A_window_with_no_tap_in_the_input_follows_onnxs_reference()
    {
        // Size 2, kernel 2 dilated 3, pads 1 and 1: the one window taps −1 and 2, both outside.
        float[] x = [5, 7];
        var d = new float[1];
        var indices = new long[1];
        Kernels.MaxPool(x, [1, 1, 2], [2], [1], [3], [1, 1], d, [1, 1, 1], indices);
        Assert.Equal(0, d[0]);
        Assert.Equal(-1, indices[0]);
        Kernels.AveragePool(x, [1, 1, 2], [2], [1], [3], [1, 1], countIncludePad: false, d, [1, 1, 1]);
        Assert.True(float.IsNaN(d[0]));
        Kernels.AveragePool(x, [1, 1, 2], [2], [1], [3], [1, 1], countIncludePad: true, d, [1, 1, 1]);
        Assert.Equal(0, d[0]);
        Kernels.LpPool(x, [1, 1, 2], [2], [1], [3], [1, 1], 2, d, [1, 1, 1]);
        Assert.Equal(0, d[0]);
    }

    [Fact]
    public void MaxPool_keeps_a_nan_only_when_it_comes_first_in_the_window()
    {
        float[] x = [float.NaN, 1, 2, float.NaN, 3];
        var d = new float[2];
        Kernels.MaxPool(x, [1, 1, 5], [3], [2], [1], [0, 0], d, [1, 1, 2], []);
        Assert.True(float.IsNaN(d[0]));
        Assert.Equal(3, d[1]);
    }

    [Fact]
    public void The_global_pools_match_the_reference()
    {
        const int channels = 2 * 5, spatial = 13;
        var x = Values(channels * spatial, 4);
        var mean = new float[channels];
        var max = new float[channels];
        Kernels.GlobalAveragePool(x, channels, spatial, mean);
        Kernels.GlobalMaxPool(x, channels, spatial, max);
        var runs = Enumerable.Range(0, channels).Select(c => x.Skip(c * spatial).Take(spatial).Select(v => (double)v).ToArray()).ToArray();
        // A mean of values of both signs cancels: its error is in ulps of the values summed, not of the mean.
        AssertClose([.. runs.Select(run => run.Average())], mean, 4, "the means", scale: x.Max(MathF.Abs));
        Assert.Equal(runs.Select(run => (float)run.Max()), max);

        Kernels.GlobalAveragePool([], 2, 0, mean);
        Kernels.GlobalMaxPool([], 2, 0, max);
        Assert.True(float.IsNaN(mean[0]));
        Assert.Equal(float.NegativeInfinity, max[0]);
    }

    [Fact]
    public void The_pools_allocate_nothing()
    {
        var g = Geometries["3d k3 s2 d1,2,3 pads 1,0,2,0,2,1 ceil"];
        var x = Input(g, 5);
        var xShape = Shape(g);
        var dShape = OutputShape(g);
        var d = new float[dShape.Aggregate(1, (a, b) => a * b)];
        var indices = new long[d.Length];
        var global = new float[xShape[0] * xShape[1]];
        int spatial = g.Spatial.Aggregate(1, (a, b) => a * b);
        long allocated = Allocations.PerLoop(warmUp: 3, calls: 20, i =>
        {
            Kernels.MaxPool(x, xShape, g.Kernel, g.Strides, g.Dilations, g.Pads, d, dShape, indices, storageOrder: i % 2);
            Kernels.AveragePool(x, xShape, g.Kernel, g.Strides, g.Dilations, g.Pads, i % 2 == 0, d, dShape);
            Kernels.LpPool(x, xShape, g.Kernel, g.Strides, g.Dilations, g.Pads, 2 + i % 2, d, dShape);
            Kernels.GlobalAveragePool(x, global.Length, spatial, global);
            Kernels.GlobalMaxPool(x, global.Length, spatial, global);
        });
        Assert.Equal(0, allocated);
    }

    private static int[] Shape(Geometry g) => [2, g.Channels, .. g.Spatial];

    private static float[] Input(Geometry g, int seed) => Values(Shape(g).Aggregate(1, (a, b) => a * b), seed);

    private static float[] Values(int count, int seed)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, count).Select(_ => (float)(random.NextDouble() * 4 - 2))];
    }

    // ONNX's output size: ⌊(D + pads − span) / stride⌋ + 1, or ⌈…⌉ + 1 under ceil_mode less any last window that would start
    // in the end padding.
    private static int[] OutputShape(Geometry g)
    {
        int rank = g.Spatial.Length;
        var shape = new int[rank + 2];
        shape[0] = 2;
        shape[1] = g.Channels;
        for (int i = 0; i < rank; i++)
        {
            int span = (g.Kernel[i] - 1) * g.Dilations[i] + 1;
            double size = (double)(g.Spatial[i] + g.Pads[i] + g.Pads[rank + i] - span) / g.Strides[i] + 1;
            int output = g.Ceil ? (int)Math.Ceiling(size) : (int)Math.Floor(size);
            if (g.Ceil && (output - 1) * g.Strides[i] >= g.Spatial[i] + g.Pads[i])
                output--;
            shape[i + 2] = output;
        }
        return shape;
    }

    // Every tap of every window by its coordinates: in the input, or in the padded bounds [−begin, D + end), or past them.
    private static (double[] Values, long[] RowMajor, long[] ColumnMajor) Reference(Geometry g, float[] x, int[] dShape, string op, int p, bool countIncludePad)
    {
        int rank = g.Spatial.Length, planes = 2 * g.Channels;
        int plane = g.Spatial.Aggregate(1, (a, b) => a * b);
        var outputs = Coordinates(dShape[2..]).ToArray();
        var taps = Coordinates(g.Kernel).ToArray();
        var values = new double[planes * outputs.Length];
        var rowMajor = new long[values.Length];
        var columnMajor = new long[values.Length];
        for (int c = 0; c < planes; c++)
        {
            for (int o = 0; o < outputs.Length; o++)
            {
                double total = 0, best = 0;
                int inside = 0, padded = 0;
                long row = -1, column = -1;
                foreach (var k in taps)
                {
                    var at = Enumerable.Range(0, rank).Select(i => outputs[o][i] * g.Strides[i] - g.Pads[i] + k[i] * g.Dilations[i]).ToArray();
                    if (Enumerable.Range(0, rank).All(i => at[i] < g.Spatial[i] + g.Pads[rank + i]))
                        padded++;
                    if (!Enumerable.Range(0, rank).All(i => at[i] >= 0 && at[i] < g.Spatial[i]))
                        continue;
                    long flat = 0, transposed = 0;
                    for (int i = 0, stride = 1; i < rank; i++)
                    {
                        flat = flat * g.Spatial[i] + at[i];
                        transposed += at[i] * stride;
                        stride *= g.Spatial[i];
                    }
                    double value = x[c * plane + flat];
                    if (inside == 0 || value > best)
                        (best, row, column) = (value, c * plane + flat, c * plane + transposed);
                    total += op == "lp" ? Math.Pow(Math.Abs(value), p) : value;
                    inside++;
                }
                int index = c * outputs.Length + o;
                (rowMajor[index], columnMajor[index]) = (row, column);
                values[index] = op switch
                {
                    "max" => inside == 0 ? 0 : best,
                    "lp" => Math.Pow(total, 1.0 / p),
                    _ => inside == 0 ? (countIncludePad ? 0 : double.NaN) : total / (countIncludePad ? padded : inside),
                };
            }
        }
        return (values, rowMajor, columnMajor);
    }

    // Every coordinate of a box of the given dims, row-major.
    private static IEnumerable<int[]> Coordinates(int[] dims)
    {
        int count = dims.Aggregate(1, (a, b) => a * b);
        for (int n = 0; n < count; n++)
        {
            var coordinate = new int[dims.Length];
            for (int i = dims.Length - 1, rest = n; i >= 0; rest /= dims[i], i--)
                coordinate[i] = rest % dims[i];
            yield return coordinate;
        }
    }

    // Within ulps float ulps of the largest magnitude expected (or of scale where given); NaN where NaN is expected.
    internal static void AssertClose(double[] expected, float[] actual, int ulps, string what, double scale = 0)
    {
        Assert.Equal(expected.Length, actual.Length);
        if (scale == 0)
            scale = expected.Where(double.IsFinite).Select(Math.Abs).DefaultIfEmpty(0).Max();
        double tolerance = Math.Max(ulps, 0.5) * scale * (MathF.BitIncrement(1f) - 1);
        for (int i = 0; i < expected.Length; i++)
        {
            if (double.IsNaN(expected[i]))
            {
                Assert.True(float.IsNaN(actual[i]), $"{what}, element {i}: {actual[i]} against NaN");
                continue;
            }
            Assert.True(Math.Abs(actual[i] - expected[i]) <= tolerance, $"{what}, element {i}: {actual[i]} against {expected[i]} (tolerance {tolerance:G3})");
        }
    }
}
