using System;
using System.Collections.Generic;
using System.Linq;
using TypedModels.Compiled;
using TypedModels.Testing;
using static TypedModels.Tests.RowMajor;

namespace TypedModels.Tests;

/// <summary>
/// The core kernels against plain references: Softmax and LogSoftmax over every [outer, axis, inner] layout in double,
/// on magnitudes whose exponentials overflow or underflow float and on masked (−∞) elements; Gemm over every transpose,
/// alpha, beta and broadcast of C, and batched MatMul over numpy's batch broadcasting, each against a triple loop in
/// double within the bound of a float sum of k products; Tile, Transpose (every permutation of ranks 2 to 5, and
/// DepthToSpace's and SpaceToDepth's six-dim views checked against ONNX's element formulas) and ConcatPart through
/// each output element's coordinates, exactly. Sizes run past a vector's width with tails (1, 7, 17, 33, 37, 1,000);
/// none of the kernels allocates.
/// </summary>
public sealed class CoreKernelTests
{
    private const double Unit = 1.0 / (1 << 24); // float's unit roundoff, 2⁻²⁴

    private static float[] Floats(int count, int seed, double from = -1, double to = 1)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, count).Select(_ => (float)(from + random.NextDouble() * (to - from)))];
    }

    private static double Ulp(double value)
    {
        float v = (float)Math.Abs(value);
        return MathF.BitIncrement(v) - v;
    }

    // --- Softmax, LogSoftmax ---

    // [outer, axis, inner]: the contiguous path (inner 1) short, past a vector's width and long; the strided path with
    // a short, a middle and a long axis; an axis of one.
    public static TheoryData<int, int, int> SoftmaxLayouts => new()
    {
        { 1, 1, 1 },
        { 1, 7, 1 },
        { 3, 33, 1 },
        { 2, 1000, 1 },
        { 4, 7, 3 },
        { 2, 33, 5 },
        { 1, 1000, 2 },
        { 3, 1, 7 },
    };

    // Ranges of inputs: ordinary, whose e^x overflows float (e^88.8 does), whose e^x underflows to 0 (the naive
    // quotient 0/0), spread so wide that all but the maximum vanish, and nearly equal.
    public static readonly (double From, double To)[] Ranges = [(-10, 10), (80, 120), (-120, -80), (-1e4, 1e4), (0, 0.01)];

    [Theory]
    [MemberData(nameof(SoftmaxLayouts))]
    public void Softmax_and_LogSoftmax_match_the_definition_in_double_on_magnitudes_a_naive_exp_cannot_take(int outer, int axis, int inner)
    {
        foreach (var (from, to) in Ranges)
        {
            var x = Floats(outer * axis * inner, axis + inner, from, to);
            // A masked element in each line after the first element: e^−∞ is 0, its log −∞.
            if (axis > 1)
                for (int o = 0; o < outer; o++)
                    for (int i = 0; i < inner; i++)
                        x[(o * axis + 1) * inner + i] = float.NegativeInfinity;
            var d = new float[x.Length];
            var l = new float[x.Length];
            Kernels.Softmax(x, d, outer, axis, inner);
            Kernels.LogSoftmax(x, l, outer, axis, inner);
            for (int o = 0; o < outer; o++)
                for (int i = 0; i < inner; i++)
                {
                    int[] at = [.. Enumerable.Range(0, axis).Select(a => (o * axis + a) * inner + i)];
                    double max = at.Max(k => (double)x[k]);
                    double sum = at.Sum(k => Math.Exp(x[k] - max));
                    double[] softmax = [.. at.Select(k => Math.Exp(x[k] - max) / sum)];
                    double[] log = [.. at.Select(k => x[k] - max - Math.Log(sum))];
                    // Four ulps of the line's largest output, and the sum's rounding: a float sum of n terms in order is
                    // within (n − 1)·2⁻²⁴ of the true one relatively, which each quotient (and the log, absolutely) inherits.
                    double largest = softmax.Max(), largestLog = log.Where(double.IsFinite).Max(Math.Abs);
                    for (int a = 0; a < axis; a++)
                    {
                        string what = $"[{from}, {to}], line [{o}, ·, {i}], element {a}";
                        Assert.True(Math.Abs(d[at[a]] - softmax[a]) <= 4 * Ulp(largest) + (axis - 1) * Unit * softmax[a],
                            $"Softmax {what}: {d[at[a]]} against {softmax[a]}");
                        if (double.IsNegativeInfinity(log[a]))
                            Assert.Equal(float.NegativeInfinity, l[at[a]]);
                        else
                            Assert.True(Math.Abs(l[at[a]] - log[a]) <= 4 * Ulp(largestLog) + (axis - 1) * Unit,
                                $"LogSoftmax {what}: {l[at[a]]} against {log[a]}");
                    }
                }
        }
    }

    [Fact]
    public void Softmax_of_a_line_of_one_is_one_and_of_equal_values_is_uniform()
    {
        var d = new float[8];
        Kernels.Softmax([1e30f, -1e30f, 0f, float.MaxValue], d.AsSpan(0, 4), 4, 1, 1);
        Assert.Equal(new[] { 1f, 1f, 1f, 1f }, d[..4]);
        Kernels.LogSoftmax([1e30f, -1e30f, 0f, float.MaxValue], d.AsSpan(0, 4), 4, 1, 1);
        Assert.Equal(new[] { 0f, 0f, 0f, 0f }, d[..4]);
        // Eight equal values (a power of two: 1/8 and ln 8's negation exactly or within an ulp), both paths.
        var x = Enumerable.Repeat(3e4f, 8).ToArray();
        Kernels.Softmax(x, d, 1, 8, 1);
        Assert.All(d, v => Assert.Equal(0.125f, v));
        Kernels.Softmax(x, d, 1, 4, 2);
        Assert.All(d, v => Assert.Equal(0.25f, v));
        Kernels.LogSoftmax(x, d, 1, 8, 1);
        Assert.All(d, v => Assert.True(Math.Abs(v + Math.Log(8)) <= Ulp(Math.Log(8)), $"{v} against {-Math.Log(8)}"));
        Kernels.Softmax([], [], 0, 5, 3);
        Kernels.Softmax([], [], 2, 0, 3);
        Kernels.LogSoftmax([], [], 2, 0, 3);
    }

    // --- Gemm ---

    public static TheoryData<int, int, int, bool, bool> GemmCases()
    {
        var data = new TheoryData<int, int, int, bool, bool>();
        // [m, n, k]: scalars, short rows, k past the dot product's vector threshold (16), and a long k.
        foreach (var (m, n, k) in new[] { (1, 1, 1), (3, 7, 5), (4, 33, 17), (9, 37, 33), (5, 3, 1000) })
            foreach (bool transA in new[] { false, true })
                foreach (bool transB in new[] { false, true })
                    data.Add(m, n, k, transA, transB);
        return data;
    }

    [Theory]
    [MemberData(nameof(GemmCases))]
    public void Gemm_is_alpha_A_B_plus_beta_C_for_every_transpose_and_broadcast_of_C(int m, int n, int k, bool transA, bool transB)
    {
        // A is stored [m, k], or [k, m] when transposed; B [k, n], or [n, k].
        var a = Floats(m * k, m + k);
        var b = Floats(k * n, n + k + 1);
        double A(int i, int p) => transA ? a[p * m + i] : a[i * k + p];
        double B(int p, int j) => transB ? b[j * k + p] : b[p * n + j];
        var d = new float[m * n];
        // C absent, a scalar, a row, a column, a matrix.
        foreach (var (rows, columns) in new[] { (0, 0), (1, 1), (1, n), (m, 1), (m, n) })
        {
            var c = Floats(rows * columns, rows * 7 + columns, -2, 2);
            foreach (float alpha in new[] { 1f, 2.5f, -0.75f })
                foreach (float beta in new[] { 1f, 0f, 0.5f })
                {
                    Array.Fill(d, float.NaN);
                    Kernels.Gemm(a, b, c, cRows: Math.Max(rows, 1), cColumns: Math.Max(columns, 1), d, m, n, k, transA, transB, alpha, beta);
                    for (int i = 0; i < m; i++)
                        for (int j = 0; j < n; j++)
                        {
                            double sum = 0, magnitude = 0;
                            for (int p = 0; p < k; p++)
                            {
                                sum += A(i, p) * B(p, j);
                                magnitude += Math.Abs(A(i, p) * B(p, j));
                            }
                            double bias = c.Length == 0 ? 0 : beta * c[(rows == 1 ? 0 : i) * columns + (columns == 1 ? 0 : j)];
                            double expected = alpha * sum + bias;
                            // k products summed in float, then the scaling and the bias: one rounding each.
                            double bound = (k + 3) * Unit * (Math.Abs(alpha) * magnitude + Math.Abs(bias));
                            Assert.True(Math.Abs(d[i * n + j] - expected) <= bound,
                                $"C [{rows}, {columns}], alpha {alpha}, beta {beta}, [{i}, {j}]: {d[i * n + j]} against {expected} (bound {bound:G3})");
                        }
                }
        }
    }

    // --- MatMul ---

    // A's, B's and the output's batch dims: none, equal, each side broadcast by a dim of one or by a missing dim, both
    // at once, and an empty batch.
    public static TheoryData<int[], int[], int[]> BatchCases => new()
    {
        { [], [], [] },
        { [3], [3], [3] },
        { [1], [5], [5] },
        { [2, 3], [], [2, 3] },
        { [], [4], [4] },
        { [2, 1], [4], [2, 4] },
        { [2, 1, 3], [4, 1], [2, 4, 3] },
        { [0], [1], [0] },
    };

    // [m, k, n]: a dot product, a row, four rows (the product's blocked path) and their tails, columns past one or
    // two vectors' widths, and k of 0 (zeros).
    private static readonly (int M, int K, int N)[] Products = [(1, 1, 1), (1, 7, 37), (4, 33, 17), (5, 7, 70), (9, 3, 8), (3, 0, 5)];

    // The offset of batch index `index` (of the output's batch rank) in a batch of dims `from`, broadcast.
    private static int Broadcast(int[] from, int[] index)
    {
        int offset = 0, skip = index.Length - from.Length;
        for (int k = 0; k < from.Length; k++)
            offset = offset * from[k] + (from[k] == 1 ? 0 : index[skip + k]);
        return offset;
    }

    [Theory]
    [MemberData(nameof(BatchCases))]
    public void MatMul_multiplies_each_pair_of_broadcast_batch_entries(int[] aBatch, int[] bBatch, int[] dBatch)
    {
        foreach (var (m, k, n) in Products)
        {
            var a = Floats(Size(aBatch) * m * k, m + k, -2, 2);
            var b = Floats(Size(bBatch) * k * n, k + n, -2, 2);
            var d = new float[Size(dBatch) * m * n];
            Array.Fill(d, float.NaN);
            Kernels.MatMul(a, aBatch, b, bBatch, d, dBatch, m, k, n);
            for (int batch = 0; batch < Size(dBatch); batch++)
            {
                var index = Coordinates(dBatch, batch);
                int aAt = Broadcast(aBatch, index) * m * k, bAt = Broadcast(bBatch, index) * k * n;
                for (int i = 0; i < m; i++)
                    for (int j = 0; j < n; j++)
                    {
                        double sum = 0, magnitude = 0;
                        for (int p = 0; p < k; p++)
                        {
                            double product = (double)a[aAt + i * k + p] * b[bAt + p * n + j];
                            sum += product;
                            magnitude += Math.Abs(product);
                        }
                        float actual = d[(batch * m + i) * n + j];
                        Assert.True(Math.Abs(actual - sum) <= (k + 1) * Unit * magnitude,
                            $"[{m}, {k}] × [{k}, {n}], batch [{string.Join(", ", index)}], [{i}, {j}]: {actual} against {sum}");
                    }
            }
        }
    }

    // --- Tile ---

    public static TheoryData<int[], int[]> TileCases => new()
    {
        { [3], [4] },
        { [1000], [2] },
        { [1], [37] },
        { [2, 3], [1, 5] },         // the last dim alone
        { [37, 1], [1, 33] },       // the last dim alone, a width of one
        { [2, 3], [3, 1] },
        { [2, 3, 4], [2, 1, 3] },
        { [1, 1], [7, 33] },
        { [3, 1, 2], [1, 37, 1] },
        { [2, 3], [1, 1] },
        { [2, 2, 2, 2], [2, 1, 2, 1] },
        { [], [] },                 // a scalar
        { [2, 0], [3, 2] },         // empty input
        { [4], [0] },               // no repeats
    };

    [Theory]
    [MemberData(nameof(TileCases))]
    public void Tile_reads_each_output_coordinate_modulo_the_input_dim(int[] shape, int[] repeats)
    {
        int[] dShape = [.. shape.Select((s, k) => s * repeats[k])];
        long[] x = [.. Enumerable.Range(1, Size(shape)).Select(v => (long)v * 1_000_003)];
        var d = new long[Size(dShape)];
        Kernels.Tile<long>(x, shape, repeats, d);
        Assert.Equal(Enumerable.Range(0, d.Length).Select(o => x[Flat(shape, [.. Coordinates(dShape, o).Select((c, k) => c % shape[k])])]), d);
    }

    // --- Transpose ---

    // Every order of 0 … rank − 1: each order of the rank − 1 before it with rank − 1 put in at each place.
    private static IEnumerable<int[]> Permutations(int rank) => rank == 0 ? [Array.Empty<int>()]
        : Permutations(rank - 1).SelectMany(p => Enumerable.Range(0, rank).Select(at => p[..at].Append(rank - 1).Concat(p[at..]).ToArray()));

    public static TheoryData<int[]> TransposeShapes => new()
    {
        new[] { 7, 33 },
        new[] { 1000, 3 },
        new[] { 4, 9, 37 },
        new[] { 10, 11, 12 },
        new[] { 2, 3, 4, 5 },
        new[] { 3, 1, 7, 4 },
        new[] { 2, 3, 1, 4, 5 },
    };

    [Theory]
    [MemberData(nameof(TransposeShapes))]
    public void Transpose_by_every_permutation_puts_input_dim_perm_i_at_output_dim_i(int[] shape)
    {
        var x = Floats(Size(shape), shape.Length);
        var d = new float[x.Length];
        foreach (var perm in Permutations(shape.Length))
        {
            int[] dShape = [.. perm.Select(p => shape[p])];
            Kernels.Transpose<float>(x, shape, perm, d);
            for (int o = 0; o < d.Length; o++)
            {
                var at = Coordinates(dShape, o);
                var source = new int[shape.Length];
                for (int i = 0; i < perm.Length; i++)
                    source[perm[i]] = at[i];
                Assert.True(x[Flat(shape, source)] == d[o], $"perm [{string.Join(", ", perm)}], output [{string.Join(", ", at)}]");
            }
        }
    }

    [Fact]
    public void Transpose_of_rank_0_and_1_copies_and_of_no_elements_writes_nothing()
    {
        var d = new long[1];
        Kernels.Transpose<long>([42], [], [], d);
        Assert.Equal(42, d[0]);
        var x = Enumerable.Range(0, 1000).Select(v => (long)v).ToArray();
        var e = new long[1000];
        Kernels.Transpose<long>(x, [1000], [0], e);
        Assert.Equal(x, e);
        Kernels.Transpose<long>([], [3, 0, 2], [2, 0, 1], []);
    }

    public static TheoryData<string, int, int, int, int, int> SpaceDepthCases => new()
    {
        { "DCR", 2, 8, 3, 5, 2 },
        { "CRD", 2, 8, 3, 5, 2 },
        { "DCR", 1, 27, 2, 4, 3 },
        { "CRD", 1, 27, 2, 4, 3 },
        { "SpaceToDepth", 2, 3, 6, 10, 2 },
        { "SpaceToDepth", 1, 2, 9, 6, 3 },
    };

    /// <summary>
    /// DepthToSpace and SpaceToDepth compile to one Transpose of a six-dim view (ONNX defines them as a reshape, a
    /// transpose and a reshape): here with ONNX's views and perms, against the element formulas the definitions come to.
    /// </summary>
    [Theory]
    [MemberData(nameof(SpaceDepthCases))]
    public void Transpose_of_onnxs_six_dim_views_is_DepthToSpace_and_SpaceToDepth(string mode, int n, int c, int h, int w, int b)
    {
        var x = Floats(n * c * h * w, c + h);
        var d = new float[x.Length];
        int[] view, perm;
        if (mode == "SpaceToDepth")
        {
            (view, perm) = ([n, c, h / b, b, w / b, b], [0, 3, 5, 1, 2, 4]);
            Kernels.Transpose<float>(x, view, perm, d);
            // output [n, (i·b + j)·C + c, y, z] = input [n, c, y·b + i, z·b + j]
            for (int s = 0; s < n; s++)
                for (int ch = 0; ch < c; ch++)
                    for (int y = 0; y < h / b; y++)
                        for (int z = 0; z < w / b; z++)
                            for (int i = 0; i < b; i++)
                                for (int j = 0; j < b; j++)
                                    Assert.Equal(x[((s * c + ch) * h + y * b + i) * w + z * b + j],
                                        d[((s * c * b * b + (i * b + j) * c + ch) * (h / b) + y) * (w / b) + z]);
            return;
        }
        int depth = c / (b * b);
        if (mode == "DCR")
            (view, perm) = ([n, b, b, depth, h, w], [0, 3, 4, 1, 5, 2]);
        else
            (view, perm) = ([n, depth, b, b, h, w], [0, 1, 4, 2, 5, 3]);
        Kernels.Transpose<float>(x, view, perm, d);
        // output [n, c, y·b + i, z·b + j] = input [n, (i·b + j)·C/b² + c, y, z] (DCR) or [n, c·b² + i·b + j, y, z] (CRD)
        for (int s = 0; s < n; s++)
            for (int ch = 0; ch < depth; ch++)
                for (int y = 0; y < h; y++)
                    for (int z = 0; z < w; z++)
                        for (int i = 0; i < b; i++)
                            for (int j = 0; j < b; j++)
                            {
                                int source = mode == "DCR" ? (i * b + j) * depth + ch : ch * b * b + i * b + j;
                                Assert.Equal(x[((s * c + source) * h + y) * w + z], d[((s * depth + ch) * h * b + y * b + i) * w * b + z * b + j]);
                            }
    }

    // --- ConcatPart ---

    public static TheoryData<int[][], int> ConcatCases => new()
    {
        { [[2, 3, 4], [2, 5, 4], [2, 1, 4]], 1 },
        { [[3, 4], [2, 4], [1, 4]], 0 },
        { [[5, 7], [5, 33], [5, 1]], 1 },
        { [[1000], [1], [37]], 0 },
        { [[2, 3, 4], [2, 3, 0], [2, 3, 9]], 2 },
    };

    [Theory]
    [MemberData(nameof(ConcatCases))]
    public void ConcatPart_places_each_input_at_its_offset_along_the_axis(int[][] shapes, int axis)
    {
        int[] dShape = [.. shapes[0]];
        dShape[axis] = shapes.Sum(s => s[axis]);
        int outer = dShape[..axis].Aggregate(1, (p, v) => p * v), inner = dShape[(axis + 1)..].Aggregate(1, (p, v) => p * v);
        var inputs = shapes.Select((s, k) => Enumerable.Range(0, Size(s)).Select(v => (k + 1) * 100_000 + v).ToArray()).ToArray();
        var d = new int[Size(dShape)];
        Array.Fill(d, -1);
        int offset = 0;
        for (int k = 0; k < shapes.Length; k++)
        {
            Kernels.ConcatPart<int>(inputs[k], d, outer, shapes[k][axis] * inner, dShape[axis] * inner, offset * inner);
            offset += shapes[k][axis];
        }
        for (int o = 0; o < d.Length; o++)
        {
            var at = Coordinates(dShape, o);
            int part = 0, along = at[axis];
            while (along >= shapes[part][axis])
                along -= shapes[part++][axis];
            at[axis] = along;
            Assert.Equal(inputs[part][Flat(shapes[part], at)], d[o]);
        }
    }

    // --- every kernel: no allocation ---

    [Fact]
    public void No_kernel_allocates()
    {
        var x = Floats(2 * 33 * 5, 1);
        var d = new float[x.Length];
        var a = Floats(9 * 33, 2);
        var b = Floats(33 * 37, 3);
        var c = Floats(37, 4);
        var product = new float[2 * 4 * 3 * 9 * 37];
        int[] aBatch = [2, 1, 3], bBatch = [4, 1], dBatch = [2, 4, 3];
        var batchedA = Floats(6 * 9 * 33, 5);
        var batchedB = Floats(4 * 33 * 37, 6);
        int[] shape = [2, 33, 5], perm = [2, 0, 1], lastOnly = [1, 1, 3], every = [2, 1, 3], rank5 = [2, 3, 1, 5, 11], perm5 = [4, 2, 0, 3, 1];
        var tiled = new float[x.Length * 6];
        long allocated = Allocations.PerLoop(warmUp: 3, calls: 20, _ =>
        {
            Kernels.Softmax(x, d, 2, 33, 5);
            Kernels.Softmax(x, d, 10, 33, 1);
            Kernels.LogSoftmax(x, d, 2, 33, 5);
            Kernels.Gemm(a, b, c, cRows: 1, cColumns: 37, product, 9, 37, 33, transA: false, transB: false, alpha: 0.5f, beta: 2f);
            Kernels.Gemm(b, a, c.AsSpan(0, 9), cRows: 1, cColumns: 9, product, 37, 9, 33, transA: true, transB: true, alpha: 1f, beta: 1f);
            Kernels.MatMul(batchedA, aBatch, batchedB, bBatch, product, dBatch, 9, 33, 37);
            Kernels.Tile<float>(x, shape, lastOnly, tiled.AsSpan(0, x.Length * 3));
            Kernels.Tile<float>(x, shape, every, tiled);
            Kernels.Transpose<float>(x, shape, perm, d);
            Kernels.Transpose<float>(x, rank5, perm5, d);
            Kernels.ConcatPart<float>(x, tiled, 10, 33, 66, 33);
        });
        Assert.Equal(0, allocated);
    }
}
