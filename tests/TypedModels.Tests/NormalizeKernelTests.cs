using System;
using System.Linq;
using TypedModels.Compiled;
using TypedModels.Testing;

namespace TypedModels.Tests;

/// <summary>
/// <c>Kernels.Hardmax</c> and <c>Kernels.LpNormalization</c> over every layout of [outer, axis, inner] (beyond the one
/// each that <see cref="ResizeKernelTests"/> runs), in float and double: Hardmax's one at the first of tied maxima, found
/// with LINQ, infinities and all-equal lines included; LpNormalization against each line's norm in double, within the
/// bound of a sum of the line's length in order, a zero line giving zeros and a line of one element its sign.
/// </summary>
public sealed class NormalizeKernelTests
{
    // [outer, axis, inner]: one element, the last axis short and past a vector's width, a middle axis, the first axis,
    // a long line, and an axis of one.
    public static TheoryData<int, int, int> Layouts => new()
    {
        { 1, 1, 1 },
        { 3, 7, 1 },
        { 5, 33, 1 },
        { 2, 7, 5 },
        { 1, 9, 37 },
        { 2, 1000, 3 },
        { 6, 1, 4 },
    };

    private static T[] Line<T>(T[] x, int axis, int inner, int o, int i) => [.. Enumerable.Range(0, axis).Select(a => x[(o * axis + a) * inner + i])];

    private static float[] Floats(int count, int seed, double from, double to)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, count).Select(_ => (float)(from + random.NextDouble() * (to - from)))];
    }

    [Theory]
    [MemberData(nameof(Layouts))]
    public void Hardmax_puts_its_one_at_the_first_of_each_lines_largest(int outer, int axis, int inner)
    {
        // Halves from −4 to 4 (ties in every long line), an infinity in each sign, and one line all equal.
        var random = new Random(axis * 31 + inner);
        float[] x = [.. Enumerable.Range(0, outer * axis * inner).Select(_ => random.Next(-8, 9) / 2f)];
        if (x.Length > 2)
            (x[1], x[^1]) = (float.NegativeInfinity, float.PositiveInfinity);
        for (int a = 0; a < axis; a++)
            x[a * inner] = -2.5f;
        double[] wide = [.. x.Select(v => (double)v)];
        var d = new float[x.Length];
        var dd = new double[x.Length];
        Kernels.Hardmax<float>(x, outer, axis, inner, d);
        Kernels.Hardmax<double>(wide, outer, axis, inner, dd);
        for (int o = 0; o < outer; o++)
            for (int i = 0; i < inner; i++)
            {
                var line = Line(x, axis, inner, o, i);
                int first = Array.IndexOf(line, line.Max());
                for (int a = 0; a < axis; a++)
                {
                    int at = (o * axis + a) * inner + i;
                    Assert.True((a == first ? 1f : 0f) == d[at], $"[{o}, {a}, {i}]: {d[at]}, the line's first largest at {first}");
                    Assert.Equal(a == first ? 1.0 : 0.0, dd[at]);
                }
            }
    }

    [Fact]
    public void Hardmax_matches_onnxs_one_hot_example_and_overwrites_its_output()
    {
        // ONNX's hardmax_one_hot: [[3, 3, 3, 1]] along its last axis is [[1, 0, 0, 0]].
        float[] d = [9f, 9f, 9f, 9f];
        Kernels.Hardmax<float>([3f, 3f, 3f, 1f], 1, 4, 1, d);
        Assert.Equal(new[] { 1f, 0f, 0f, 0f }, d);
        // A line of negative infinities alone: its first element.
        d = [9f, 9f, 9f];
        Kernels.Hardmax<float>([float.NegativeInfinity, float.NegativeInfinity, float.NegativeInfinity], 1, 3, 1, d);
        Assert.Equal(new[] { 1f, 0f, 0f }, d);
        Kernels.Hardmax<float>([], 3, 0, 4, []);
    }

    [Theory]
    [MemberData(nameof(Layouts))]
    public void LpNormalization_divides_each_line_by_its_norm_in_float_and_double(int outer, int axis, int inner)
    {
        var x = Floats(outer * axis * inner, axis + inner, -50, 50);
        // The first line zero: it stays zeros rather than 0/0.
        for (int a = 0; a < axis; a++)
            x[a * inner] = 0f;
        double[] wide = [.. x.Select(v => (double)v)];
        foreach (int p in new[] { 1, 2 })
        {
            var d = new float[x.Length];
            var dd = new double[x.Length];
            Kernels.LpNormalization<float>(x, outer, axis, inner, p, d);
            Kernels.LpNormalization<double>(wide, outer, axis, inner, p, dd);
            for (int o = 0; o < outer; o++)
                for (int i = 0; i < inner; i++)
                {
                    var line = Line(wide, axis, inner, o, i);
                    double norm = p == 1 ? line.Sum(Math.Abs) : Math.Sqrt(line.Sum(v => v * v));
                    for (int a = 0; a < axis; a++)
                    {
                        int at = (o * axis + a) * inner + i;
                        double expected = norm == 0 ? 0 : wide[at] / norm;
                        // The norm sums the line in order (axis roundings), then a square root and a division.
                        double bound = (axis + 2) * Math.Abs(expected);
                        Assert.True(Math.Abs(d[at] - expected) <= bound * Math.Pow(2, -24), $"p {p}, [{o}, {a}, {i}]: {d[at]} against {expected}");
                        Assert.True(Math.Abs(dd[at] - expected) <= bound * Math.Pow(2, -52), $"double, p {p}, [{o}, {a}, {i}]: {dd[at]} against {expected}");
                    }
                }
        }
    }

    [Fact]
    public void LpNormalization_of_one_element_is_its_sign_and_of_zeros_is_zeros()
    {
        // Along an axis of one, x / |x| and x / √(x²) are ±1 exactly; 0 stays 0.
        float[] x = [3.5f, -0.25f, 0f, 1e-10f, -7e15f, 1f];
        var d = new float[x.Length];
        foreach (int p in new[] { 1, 2 })
        {
            Kernels.LpNormalization<float>(x, x.Length, 1, 1, p, d);
            Assert.Equal(new[] { 1f, -1f, 0f, 1f, -1f, 1f }, d);
        }
        // A 3-4-5 triangle with p 2 along the last axis: [[3, 4], [0, 0]] is [[0.6, 0.8], [0, 0]], each the nearest float.
        Kernels.LpNormalization<float>([3f, 4f, 0f, 0f], 2, 2, 1, 2, d.AsSpan(0, 4));
        Assert.Equal(new[] { 0.6f, 0.8f, 0f, 0f }, d[..4]);
    }

    [Fact]
    public void Neither_kernel_allocates()
    {
        var x = Floats(2 * 33 * 5, 1, -3, 3);
        var d = new float[x.Length];
        long allocated = Allocations.PerLoop(warmUp: 3, calls: 20, _ =>
        {
            Kernels.Hardmax<float>(x, 2, 33, 5, d);
            Kernels.Hardmax<float>(x, 66, 5, 1, d);
            Kernels.LpNormalization<float>(x, 2, 33, 5, 1, d);
            Kernels.LpNormalization<float>(x, 66, 5, 1, 2, d);
        });
        Assert.Equal(0, allocated);
    }
}
