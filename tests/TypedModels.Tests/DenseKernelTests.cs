using System;
using System.Linq;
using TypedModels.Compiled;
using TypedModels.Testing;

namespace TypedModels.Tests;

/// <summary>
/// <c>Kernels.Dense</c> on weights packed by <c>Kernels.PackDense</c>, against a plain loop in double: sums of 1 to 1,537
/// products, N on and off the panel width (1 to 130 columns), 1, 3, 4, 5 and 17 rows (the four-row blocks and the rows
/// after them), every activation, with and without a bias; B given transposed; short spans refused; no allocation.
/// </summary>
public sealed class DenseKernelTests
{
    public static TheoryData<int, int, int, Kernels.DenseActivation, bool> Cases()
    {
        var data = new TheoryData<int, int, int, Kernels.DenseActivation, bool>();
        (int M, int N, int K)[] shapes =
        [
            (1, 1, 1), (1, 128, 1536), (1, 33, 1537), (3, 5, 7), (4, 130, 257), (5, 64, 64), (17, 97, 300), (4, 1, 1537), (17, 33, 1), (3, 32, 2),
        ];
        foreach (var (m, n, k) in shapes)
        {
            foreach (var activation in Enum.GetValues<Kernels.DenseActivation>())
            {
                data.Add(m, n, k, activation, true);
                data.Add(m, n, k, activation, false);
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Dense_matches_a_double_reference(int m, int n, int k, Kernels.DenseActivation activation, bool withBias)
    {
        var random = new Random(m * 7919 + n * 31 + k);
        float[] x = Values(random, m * k), b = Values(random, k * n), bias = withBias ? Values(random, n) : [];
        var packed = new float[Kernels.DensePackedLength(n, k)];
        Kernels.PackDense(b, packed, n, k);
        var d = new float[m * n + 3];
        d.AsSpan().Fill(float.NaN);
        Kernels.Dense(x, packed, bias, d.AsSpan(0, m * n), m, n, k, activation, alpha: 0.1f);

        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                double sum = 0, magnitude = 0;
                for (int p = 0; p < k; p++)
                {
                    sum += (double)x[i * k + p] * b[p * n + j];
                    magnitude += Math.Abs((double)x[i * k + p] * b[p * n + j]);
                }
                if (withBias)
                {
                    sum += bias[j];
                    magnitude += Math.Abs(bias[j]);
                }
                // A float sum of k fused products and a bias: within (k + 1) units of rounding of the sum of magnitudes.
                double bound = (k + 1) * Math.Pow(2, -24) * magnitude + 1e-30;
                double expected = activation switch
                {
                    Kernels.DenseActivation.Relu => Math.Max(sum, 0),
                    Kernels.DenseActivation.LeakyRelu => sum < 0 ? 0.1 * sum : sum,
                    Kernels.DenseActivation.Sigmoid => 1 / (1 + Math.Exp(-sum)),
                    Kernels.DenseActivation.Tanh => Math.Tanh(sum),
                    _ => sum,
                };
                // The functions add their own few ulps (of at most 1).
                if (activation is Kernels.DenseActivation.Sigmoid or Kernels.DenseActivation.Tanh)
                    bound += 4 * Math.Pow(2, -24);
                float actual = d[i * n + j];
                Assert.True(Math.Abs(actual - expected) <= bound, $"d[{i},{j}] = {actual} against {expected} (bound {bound})");
            }
        }
        Assert.All(d.Skip(m * n), v => Assert.True(float.IsNaN(v), "Dense wrote past d[m·n]"));
    }

    [Theory]
    [InlineData(1, 130, 1537)]
    [InlineData(5, 97, 300)]
    [InlineData(17, 33, 256)]
    [InlineData(2, 64, 513)]
    [InlineData(1, 64, 768)]
    [InlineData(1, 32, 512)]
    [InlineData(1, 16, 1536)]
    [InlineData(8, 16, 1536)]
    [InlineData(5, 48, 700)]
    public void Every_vector_width_rounds_as_ONNX_Runtime_orders_the_sums(int m, int n, int k)
    {
        // The bias, then each slice of 256 products summed from zero in k order as fused multiply-adds and added: what
        // MLAS's prepacked SGEMM computes, and, bit for bit, what every path of the kernel computes (run this with
        // DOTNET_EnableAVX512=0, DOTNET_EnableAVX=0 or DOTNET_EnableHWIntrinsic=0 to hold the narrower paths to it).
        var random = new Random(n + k);
        float[] x = Values(random, m * k), b = Values(random, k * n), bias = Values(random, n);
        var packed = new float[Kernels.DensePackedLength(n, k)];
        Kernels.PackDense(b, packed, n, k);
        var d = new float[m * n];
        Kernels.Dense(x, packed, bias, d, m, n, k);
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                float total = bias[j];
                for (int start = 0; start < k; start += 256)
                {
                    float sum = 0;
                    for (int p = start; p < Math.Min(k, start + 256); p++)
                        sum = MathF.FusedMultiplyAdd(x[i * k + p], b[p * n + j], sum);
                    total += sum;
                }
                Assert.Equal(total, d[i * n + j]);
            }
        }
    }

    [Fact]
    public void Transposed_weights_pack_to_the_same_panels()
    {
        const int n = 45, k = 19;
        var random = new Random(3);
        float[] b = Values(random, k * n);
        var transposed = new float[n * k];
        for (int p = 0; p < k; p++)
            for (int j = 0; j < n; j++)
                transposed[j * k + p] = b[p * n + j];
        float[] packed = new float[Kernels.DensePackedLength(n, k)], packedT = new float[packed.Length];
        Kernels.PackDense(b, packed, n, k);
        Kernels.PackDense(transposed, packedT, n, k, transposed: true);
        Assert.Equal(packed, packedT);
        Assert.Equal(2 * k * Kernels.DensePanel, packed.Length);
    }

    [Fact]
    public void Short_spans_are_refused_with_the_sizes_they_need()
    {
        float[] x = new float[10], w = new float[Kernels.DensePackedLength(3, 5)], d = new float[6];
        var error = Assert.Throws<ArgumentException>(() => Kernels.Dense(x, w, default, d, 2, 3, 6));
        Assert.Contains("2×6", error.Message);
        Assert.Throws<ArgumentException>(() => Kernels.Dense(x, w.AsSpan(1), default, d, 2, 3, 5));
        Assert.Throws<ArgumentException>(() => Kernels.Dense(x, w, new float[2], d, 2, 3, 5));
        Assert.Throws<ArgumentException>(() => Kernels.Dense(x, w, default, d.AsSpan(1), 2, 3, 5));
        Kernels.Dense(x, w, default, d, 2, 3, 5);
        Kernels.Dense(x, w, default, d, 0, 3, 5);
    }

    [Theory]
    [InlineData(1, 128, 1536, Kernels.DenseActivation.Sigmoid)]
    [InlineData(1, 100, 1537, Kernels.DenseActivation.Tanh)]
    [InlineData(3, 256, 300, Kernels.DenseActivation.Relu)]
    [InlineData(17, 97, 300, Kernels.DenseActivation.Sigmoid)]
    [InlineData(256, 128, 128, Kernels.DenseActivation.LeakyRelu)]
    public void Split_between_threads_the_same_bits(int m, int n, int k, Kernels.DenseActivation activation)
    {
        // Large enough to split (by panels of columns at a few rows, by blocks of rows past them); on one thread and on
        // every core, the same bits.
        var random = new Random(m + n + k);
        float[] x = Values(random, m * k), b = Values(random, k * n), bias = Values(random, n);
        var packed = new float[Kernels.DensePackedLength(n, k)];
        Kernels.PackDense(b, packed, n, k);
        float[] Run(int threads)
        {
            var d = new float[m * n];
            Workers.Limit = threads;
            try
            {
                Kernels.Dense(x, packed, bias, d, m, n, k, activation, alpha: 0.1f);
                Assert.Equal(Math.Min(threads, Environment.ProcessorCount), Workers.Parts);
            }
            finally
            {
                Workers.Limit = 0;
            }
            return d;
        }
        Assert.Equal(Run(1), Run(Environment.ProcessorCount));
    }

    [Fact]
    public void Concurrent_callers_share_the_workers_without_crossing_results()
    {
        // Four threads at once, each with its own layer large enough to split: one holds the workers at a time, the others
        // run their pieces themselves; every result is the one thread's alone.
        const int m = 16, n = 128, k = 300;
        var expected = new float[4][];
        var inputs = new (float[] X, float[] W, float[] Bias)[4];
        for (int t = 0; t < 4; t++)
        {
            var random = new Random(t);
            float[] b = Values(random, k * n), packed = new float[Kernels.DensePackedLength(n, k)];
            Kernels.PackDense(b, packed, n, k);
            inputs[t] = (Values(random, m * k), packed, Values(random, n));
            expected[t] = new float[m * n];
            Workers.Limit = 1;
            Kernels.Dense(inputs[t].X, inputs[t].W, inputs[t].Bias, expected[t], m, n, k, Kernels.DenseActivation.Relu);
            Workers.Limit = 0;
        }
        var failures = new System.Collections.Concurrent.ConcurrentBag<string>();
        var threads = Enumerable.Range(0, 4).Select(t => new System.Threading.Thread(() =>
        {
            var d = new float[m * n];
            for (int call = 0; call < 200; call++)
            {
                Kernels.Dense(inputs[t].X, inputs[t].W, inputs[t].Bias, d, m, n, k, Kernels.DenseActivation.Relu);
                if (!d.AsSpan().SequenceEqual(expected[t]))
                    failures.Add($"thread {t}, call {call}");
            }
        })).ToArray();
        foreach (var thread in threads)
            thread.Start();
        foreach (var thread in threads)
            thread.Join();
        Assert.Empty(failures);
    }

    [Fact]
    public void Dense_allocates_nothing()
    {
        float[] x = Values(new Random(1), 17 * 300), w = new float[Kernels.DensePackedLength(97, 300)], bias = new float[97], d = new float[17 * 97];
        long allocated = Allocations.PerLoop(warmUp: 10, calls: 100, _ =>
        {
            Kernels.Dense(x, w, bias, d, 17, 97, 300, Kernels.DenseActivation.Relu);
            Kernels.Dense(x, w, default, d, 1, 97, 300, Kernels.DenseActivation.Sigmoid);
            Kernels.Dense(x, w, bias, d, 5, 97, 300, Kernels.DenseActivation.LeakyRelu, 0.2f);
        });
        Assert.Equal(0, allocated);
    }

    private static float[] Values(Random random, int count) => [.. Enumerable.Range(0, count).Select(_ => (float)(random.NextDouble() * 2 - 1))];
}
