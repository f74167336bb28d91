using System;
using System.Linq;
using TypedModels.Compiled;

namespace TypedModels.Tests;

/// <summary>
/// The reductions against a reference that names every coordinate: a [3, 4, 5] tensor (60 values, past a vector's
/// width) reduced over every set of axes, in double, and the empty set's values ONNX defines.
/// </summary>
public sealed class ReduceKernelTests
{
    private static readonly int[] Shape = [3, 4, 5];
    private static readonly float[] X = Enumerable.Range(0, 60).Select(i => (float)(new Random(i).NextDouble() * 4 - 2)).ToArray();

    public delegate void Kernel(ReadOnlySpan<float> x, ReadOnlySpan<int> shape, ReadOnlySpan<int> reduced, Span<float> d);

    public static TheoryData<string, int[]> Cases()
    {
        var data = new TheoryData<string, int[]>();
        string[] ops = ["ReduceSum", "ReduceMean", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceL1", "ReduceL2", "ReduceSumSquare", "ReduceLogSum", "ReduceLogSumExp"];
        int[][] axes = [[0], [1], [2], [0, 2], [1, 2], [0, 1, 2]];
        foreach (string op in ops)
            foreach (var set in axes)
                data.Add(op, set);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Each_reduction_over_each_set_of_axes_matches_the_reference(string op, int[] axes)
    {
        var (kernel, fold, finish, initial) = Of(op);
        int[] reduced = [.. Enumerable.Range(0, 3).Select(a => axes.Contains(a) ? 1 : 0)];
        int[] outShape = [.. Enumerable.Range(0, 3).Select(a => reduced[a] == 1 ? 1 : Shape[a])];
        var expected = Enumerable.Repeat(initial, outShape[0] * outShape[1] * outShape[2]).ToArray();
        var counts = new int[expected.Length];
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 4; j++)
                for (int k = 0; k < 5; k++)
                {
                    int o = ((reduced[0] == 1 ? 0 : i) * outShape[1] + (reduced[1] == 1 ? 0 : j)) * outShape[2] + (reduced[2] == 1 ? 0 : k);
                    expected[o] = fold(expected[o], X[(i * 4 + j) * 5 + k]);
                    counts[o]++;
                }

        var d = new float[expected.Length];
        kernel(X, Shape, reduced, d);

        for (int o = 0; o < d.Length; o++)
        {
            double e = finish(expected[o], counts[o]);
            if (double.IsNaN(e))
            {
                Assert.True(float.IsNaN(d[o]), $"{op} over [{string.Join(", ", axes)}], element {o}: {d[o]} against NaN (the log of a negative sum)");
                continue;
            }
            Assert.True(Math.Abs(d[o] - e) <= 1e-5 * Math.Max(1, Math.Abs(e)), $"{op} over [{string.Join(", ", axes)}], element {o}: {d[o]} against {e}");
        }
    }

    [Fact]
    public void An_empty_reduction_gives_the_empty_sets_value()
    {
        float Empty(Kernel kernel)
        {
            var d = new float[1];
            kernel([], [0], [1], d);
            return d[0];
        }
        Assert.Equal(0f, Empty(Kernels.ReduceSum));
        Assert.Equal(1f, Empty(Kernels.ReduceProd));
        Assert.Equal(float.NegativeInfinity, Empty(Kernels.ReduceMax));
        Assert.Equal(float.PositiveInfinity, Empty(Kernels.ReduceMin));
        Assert.Equal(float.NegativeInfinity, Empty(Kernels.ReduceLogSumExp));
        Assert.True(float.IsNaN(Empty(Kernels.ReduceMean)));
    }

    private static (Kernel, Func<double, double, double> Fold, Func<double, int, double> Finish, double Initial) Of(string op) => op switch
    {
        "ReduceSum" => (Kernels.ReduceSum, (a, x) => a + x, (a, _) => a, 0),
        "ReduceMean" => (Kernels.ReduceMean, (a, x) => a + x, (a, n) => a / n, 0),
        "ReduceMax" => (Kernels.ReduceMax, Math.Max, (a, _) => a, double.NegativeInfinity),
        "ReduceMin" => (Kernels.ReduceMin, Math.Min, (a, _) => a, double.PositiveInfinity),
        "ReduceProd" => (Kernels.ReduceProd, (a, x) => a * x, (a, _) => a, 1),
        "ReduceL1" => (Kernels.ReduceL1, (a, x) => a + Math.Abs(x), (a, _) => a, 0),
        "ReduceL2" => (Kernels.ReduceL2, (a, x) => a + x * x, (a, _) => Math.Sqrt(a), 0),
        "ReduceSumSquare" => (Kernels.ReduceSumSquare, (a, x) => a + x * x, (a, _) => a, 0),
        "ReduceLogSum" => (Kernels.ReduceLogSum, (a, x) => a + x, (a, _) => Math.Log(a), 0),
        "ReduceLogSumExp" => (Kernels.ReduceLogSumExp, (a, x) => a + Math.Exp(x), (a, _) => Math.Log(a), 0),
        _ => throw new ArgumentException(op),
    };
}
