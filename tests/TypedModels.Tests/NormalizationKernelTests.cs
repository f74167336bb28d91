using System;
using System.Linq;
using TypedModels.Compiled;
using TypedModels.Testing;

namespace TypedModels.Tests;

/// <summary>
/// The normalisations against their definitions computed in double, coordinate by coordinate (two-pass statistics),
/// on shapes of 3..8 channels and 9..300 elements a row, several epsilons. The kernels keep ONNX Runtime's float
/// arithmetic (for batch and instance norm, the mean folded into a float shift), which cancels where x − mean is small
/// beside x: they are held to a few ulps of the largest term before that cancellation, (|x| + |mean|)·|scale|/σ + |bias|,
/// which is the largest output wherever the mean is small beside the spread.
/// </summary>
public sealed class NormalizationKernelTests
{
    // The kernels' float arithmetic against exact: outputs within a few ulps of the largest term.
    private const int Ulps = 4;

    public static TheoryData<int, int, int, float> ChannelShapes() => new()
    {
        { 2, 3, 17, 1e-5f },
        { 1, 8, 9, 1e-2f },
        { 3, 5, 1, 1e-5f },
        { 2, 4, 144, 0.5f },
    };

    [Theory]
    [MemberData(nameof(ChannelShapes))]
    public void BatchNormalization_matches_the_definition(int n, int c, int spatial, float epsilon)
    {
        var x = Values(n * c * spatial, 1, -1, 3);
        var scale = Values(c, 2, -2, 2);
        var bias = Values(c, 3, -1, 1);
        var mean = Values(c, 4, -1, 2);
        var variance = Values(c, 5, 0.1, 2);
        var expected = new double[x.Length];
        double magnitude = 0;
        for (int b = 0; b < n; b++)
            for (int k = 0; k < c; k++)
                for (int s = 0; s < spatial; s++)
                {
                    int i = (b * c + k) * spatial + s;
                    double deviation = Math.Sqrt(variance[k] + (double)epsilon);
                    expected[i] = (x[i] - (double)mean[k]) / deviation * scale[k] + bias[k];
                    magnitude = Math.Max(magnitude, Term(x[i], mean[k], deviation, scale[k], bias[k]));
                }
        var d = new float[x.Length];
        Kernels.BatchNormalization(x, n, c, spatial, scale, bias, mean, variance, epsilon, d);
        PoolKernelTests.AssertClose(expected, d, Ulps, "BatchNormalization", magnitude);
    }

    public static TheoryData<int, int, float, bool> RowShapes() => new()
    {
        { 6, 17, 1e-5f, true },
        { 2, 117, 1e-5f, false },
        { 1, 300, 1e-3f, true },
        { 4, 9, 0.1f, false },
        { 5, 1, 1e-5f, true },
    };

    [Theory]
    [MemberData(nameof(RowShapes))]
    public void LayerNormalization_matches_the_definition_with_its_statistics(int outer, int inner, float epsilon, bool withBias)
    {
        var x = Values(outer * inner, 6, -1, 3);
        var scale = Values(inner, 7, -2, 2);
        var bias = withBias ? Values(inner, 8, -1, 1) : [];
        var expected = new double[x.Length];
        var expectedMean = new double[outer];
        var expectedInverse = new double[outer];
        double magnitude = 0;
        for (int o = 0; o < outer; o++)
        {
            var row = x.Skip(o * inner).Take(inner).Select(v => (double)v).ToArray();
            double mean = row.Average(), variance = row.Select(v => (v - mean) * (v - mean)).Average();
            double inverse = 1 / Math.Sqrt(variance + epsilon);
            for (int i = 0; i < inner; i++)
            {
                expected[o * inner + i] = (row[i] - mean) * inverse * scale[i] + (withBias ? bias[i] : 0);
                magnitude = Math.Max(magnitude, Term(row[i], mean, 1 / inverse, scale[i], withBias ? bias[i] : 0));
            }
            (expectedMean[o], expectedInverse[o]) = (mean, inverse);
        }
        var d = new float[x.Length];
        var means = new float[outer];
        var inverses = new float[outer];
        Kernels.LayerNormalization(x, outer, inner, scale, bias, epsilon, d, means, inverses);
        PoolKernelTests.AssertClose(expected, d, Ulps, "LayerNormalization", magnitude);
        // The mean's error is in ulps of the values summed, not of the mean.
        PoolKernelTests.AssertClose(expectedMean, means, Ulps, "its means", scale: 3);
        for (int o = 0; o < outer; o++)
            PoolKernelTests.AssertClose([expectedInverse[o]], [inverses[o]], Ulps, $"its inverse standard deviation {o}");

        var alone = new float[x.Length];
        Kernels.LayerNormalization(x, outer, inner, scale, bias, epsilon, alone, [], []);
        Assert.Equal(d, alone);
    }

    /// <summary>
    /// Rows offset far beside their spread, as activations are (the <c>norms.onnx</c> fixture's: ±2 around a spread of
    /// 0.5): the mean is summed in double and rounded once, as ONNX Runtime's x86 kernel sums it, so the output stays
    /// within a few ulps of its own largest value. Summed in float, the mean's error grows with the row and the offset
    /// (its float sum of 300 values near ±4 is off by some 7 ulps of the mean, tens of ulps of the output).
    /// </summary>
    [Theory]
    [InlineData(32, 2.0, 0.5)]
    [InlineData(300, 4.0, 1.0)]
    [InlineData(1000, 1.0, 0.25)]
    public void LayerNormalization_sums_the_mean_of_an_offset_row_in_double(int inner, double offset, double spread)
    {
        const int outer = 6;
        var random = new Random(inner);
        var x = new float[outer * inner];
        for (int o = 0; o < outer; o++)
        {
            double shift = offset * (o % 2 == 0 ? 1 : -1) * (0.5 + random.NextDouble());
            for (int i = 0; i < inner; i++)
                x[o * inner + i] = (float)(shift + spread * (random.NextDouble() * 2 - 1));
        }
        var scale = Values(inner, 11, 0.5, 1.5);
        var bias = Values(inner, 12, -0.2, 0.2);
        var expected = new double[x.Length];
        for (int o = 0; o < outer; o++)
        {
            var row = x.Skip(o * inner).Take(inner).Select(v => (double)v).ToArray();
            double mean = row.Average(), inverse = 1 / Math.Sqrt(row.Select(v => (v - mean) * (v - mean)).Average() + 1e-5);
            for (int i = 0; i < inner; i++)
                expected[o * inner + i] = (row[i] - mean) * inverse * scale[i] + bias[i];
        }
        var d = new float[x.Length];
        Kernels.LayerNormalization(x, outer, inner, scale, bias, 1e-5f, d, [], []);
        PoolKernelTests.AssertClose(expected, d, Ulps, "LayerNormalization of offset rows");
    }

    [Theory]
    [MemberData(nameof(RowShapes))]
    public void RMSNormalization_matches_the_definition(int outer, int inner, float epsilon, bool _)
    {
        var x = Values(outer * inner, 9, -2, 2);
        var scale = Values(inner, 10, -2, 2);
        var expected = new double[x.Length];
        for (int o = 0; o < outer; o++)
        {
            var row = x.Skip(o * inner).Take(inner).Select(v => (double)v).ToArray();
            double root = Math.Sqrt(row.Select(v => v * v).Average() + epsilon);
            for (int i = 0; i < inner; i++)
                expected[o * inner + i] = row[i] / root * scale[i];
        }
        var d = new float[x.Length];
        Kernels.RMSNormalization(x, outer, inner, scale, epsilon, d);
        PoolKernelTests.AssertClose(expected, d, Ulps, "RMSNormalization");
    }

    [Theory]
    [MemberData(nameof(ChannelShapes))]
    public void InstanceNormalization_matches_the_definition(int n, int c, int spatial, float epsilon)
    {
        var x = Values(n * c * spatial, 11, -1, 3);
        var scale = Values(c, 12, -2, 2);
        var bias = Values(c, 13, -1, 1);
        var expected = new double[x.Length];
        double magnitude = 0;
        for (int plane = 0; plane < n * c; plane++)
        {
            var run = x.Skip(plane * spatial).Take(spatial).Select(v => (double)v).ToArray();
            double mean = run.Average(), deviation = Math.Sqrt(run.Select(v => (v - mean) * (v - mean)).Average() + epsilon);
            for (int s = 0; s < spatial; s++)
            {
                expected[plane * spatial + s] = (run[s] - mean) / deviation * scale[plane % c] + bias[plane % c];
                magnitude = Math.Max(magnitude, Term(run[s], mean, deviation, scale[plane % c], bias[plane % c]));
            }
        }
        var d = new float[x.Length];
        Kernels.InstanceNormalization(x, n, c, spatial, scale, bias, epsilon, d);
        PoolKernelTests.AssertClose(expected, d, Ulps, "InstanceNormalization", magnitude);
    }

    public static TheoryData<int, int, int, int, float> GroupShapes() => new()
    {
        { 2, 6, 13, 1, 1e-5f },
        { 2, 6, 13, 2, 1e-5f },
        { 2, 6, 13, 3, 1e-2f },
        { 2, 6, 13, 6, 1e-5f },
        { 1, 8, 9, 4, 0.5f },
        { 3, 4, 1, 2, 1e-5f },
    };

    [Theory]
    [MemberData(nameof(GroupShapes))]
    public void GroupNormalization_matches_the_definition(int n, int c, int spatial, int groups, float epsilon)
    {
        var x = Values(n * c * spatial, 14, -1, 3);
        var scale = Values(c, 15, -2, 2);
        var bias = Values(c, 16, -1, 1);
        int size = c / groups * spatial;
        var expected = new double[x.Length];
        double magnitude = 0;
        for (int group = 0; group < n * groups; group++)
        {
            var block = x.Skip(group * size).Take(size).Select(v => (double)v).ToArray();
            double mean = block.Average(), deviation = Math.Sqrt(block.Select(v => (v - mean) * (v - mean)).Average() + epsilon);
            for (int i = 0; i < size; i++)
            {
                int channel = (group * size + i) / spatial % c;
                expected[group * size + i] = (block[i] - mean) / deviation * scale[channel] + bias[channel];
                magnitude = Math.Max(magnitude, Term(block[i], mean, deviation, scale[channel], bias[channel]));
            }
        }
        var d = new float[x.Length];
        Kernels.GroupNormalization(x, n, c, spatial, groups, scale, bias, epsilon, d);
        PoolKernelTests.AssertClose(expected, d, Ulps, $"GroupNormalization in {groups} groups", magnitude);
    }

    public static TheoryData<int[], int, float, float, float> LrnCases() => new()
    {
        { [2, 7, 3, 4], 1, 1e-4f, 0.75f, 1f },
        { [2, 7, 3, 4], 2, 0.5f, 0.75f, 1f },
        { [2, 7, 3, 4], 3, 1e-4f, 0.75f, 2f },
        { [1, 5, 17], 4, 0.5f, 0.5f, 2f },
        { [1, 8, 3, 3, 2], 5, 1f, 0.75f, 1f },
        { [3, 3, 11], 9, 0.3f, 1f, 0.5f },
    };

    [Theory]
    [MemberData(nameof(LrnCases))]
    public void LRN_matches_the_definition(int[] shape, int size, float alpha, float beta, float bias)
    {
        int n = shape[0], c = shape[1], spatial = shape.Skip(2).Aggregate(1, (a, b) => a * b);
        var x = Values(n * c * spatial, 17, -2, 2);
        var expected = new double[x.Length];
        for (int b = 0; b < n; b++)
            for (int k = 0; k < c; k++)
                for (int s = 0; s < spatial; s++)
                {
                    double sum = 0;
                    for (int j = k - (size - 1) / 2; j <= k + (int)Math.Ceiling((size - 1) / 2.0); j++)
                        if (j >= 0 && j < c)
                            sum += (double)x[(b * c + j) * spatial + s] * x[(b * c + j) * spatial + s];
                    int i = (b * c + k) * spatial + s;
                    expected[i] = x[i] / Math.Pow(bias + (double)alpha / size * sum, beta);
                }
        var d = new float[x.Length];
        Kernels.LRN(x, shape, size, alpha, beta, bias, d);
        PoolKernelTests.AssertClose(expected, d, Ulps, $"LRN of size {size}");
    }

    [Fact]
    public void The_normalisations_allocate_nothing()
    {
        const int n = 2, c = 6, spatial = 13;
        var x = Values(n * c * spatial, 18, -1, 3);
        var perChannel = Values(c, 19, 0.5, 2);
        var perElement = Values(c * spatial, 20, -1, 1);
        var d = new float[x.Length];
        var statistics = new float[n];
        int[] shape = [n, c, spatial];
        long allocated = Allocations.PerLoop(warmUp: 3, calls: 50, _ =>
        {
            Kernels.BatchNormalization(x, n, c, spatial, perChannel, perChannel, perChannel, perChannel, 1e-5f, d);
            Kernels.LayerNormalization(x, n, c * spatial, perElement, perElement, 1e-5f, d, statistics, statistics);
            Kernels.RMSNormalization(x, n, c * spatial, perElement, 1e-5f, d);
            Kernels.InstanceNormalization(x, n, c, spatial, perChannel, perChannel, 1e-5f, d);
            Kernels.GroupNormalization(x, n, c, spatial, 3, perChannel, perChannel, 1e-5f, d);
            Kernels.LRN(x, shape, 3, 1e-4f, 0.75f, 1f, d);
        });
        Assert.Equal(0, allocated);
    }

    // The largest term of a normalisation before x − mean cancels: what a float rounding error is relative to.
    private static double Term(double x, double mean, double deviation, double scale, double bias) =>
        (Math.Abs(x) + Math.Abs(mean)) / deviation * Math.Abs(scale) + Math.Abs(bias);

    private static float[] Values(int count, int seed, double low, double high)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, count).Select(_ => (float)(low + random.NextDouble() * (high - low)))];
    }
}
