using System;
using System.Linq;
using TypedModels.Compiled;
using TypedModels.Testing;
using static TypedModels.Tests.RowMajor;

namespace TypedModels.Tests;

/// <summary>
/// The select-and-accumulate kernels against references written from ONNX's definitions, not from the kernels' loops:
/// ArgMax and ArgMin as the first (or last) index of a line's extreme, found with LINQ; CumSum as a sum over the
/// elements each position includes, in all four exclusive/reverse combinations; GatherElements, Trilu and Pad through
/// each output element's coordinates (Trilu as each row's kept span of columns, Pad's modes as repeated reflection,
/// clamping and periodic shifting). Lines of 1, 7, 33 and 1,000 so that both vector bodies and tails run; none allocates.
/// </summary>
public sealed class SelectKernelTests
{
    // [outer, axis, inner]: one element, a short last axis, a line past a vector's width, a middle axis, a first axis,
    // a long middle axis, and an axis of one (every index 0).
    public static TheoryData<int, int, int> Layouts => new()
    {
        { 1, 1, 1 },
        { 1, 7, 1 },
        { 5, 33, 1 },
        { 3, 7, 4 },
        { 1, 5, 37 },
        { 2, 1000, 3 },
        { 4, 1, 9 },
    };

    private static long[] Longs(int count, int seed, long from = -1_000_000, long to = 1_000_000)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, count).Select(_ => random.NextInt64(from, to))];
    }

    private static float[] Floats(int count, int seed, double from = -4, double to = 4)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, count).Select(_ => (float)(from + random.NextDouble() * (to - from)))];
    }

    // The line through [o, ·, i] of x viewed as [outer, axis, inner].
    private static T[] Line<T>(T[] x, int axis, int inner, int o, int i) => [.. Enumerable.Range(0, axis).Select(a => x[(o * axis + a) * inner + i])];

    // --- ArgMax, ArgMin ---

    private static long ArgReference<T>(T[] line, bool max, bool last)
    {
        T extreme = max ? line.Max()! : line.Min()!;
        return last ? Array.LastIndexOf(line, extreme) : Array.IndexOf(line, extreme);
    }

    [Theory]
    [MemberData(nameof(Layouts))]
    public void ArgMax_and_ArgMin_give_the_first_extreme_or_the_last_with_select_last_index(int outer, int axis, int inner)
    {
        // Halves from −3 to 3: a line of more than a dozen holds ties for its extremes, and the ends of a tie differ.
        var random = new Random(outer * 10_000 + axis * 10 + inner);
        float[] x = [.. Enumerable.Range(0, outer * axis * inner).Select(_ => random.Next(-6, 7) / 2f)];
        var d = new long[outer * inner];
        bool tied = false;
        foreach (bool max in new[] { true, false })
            foreach (bool last in new[] { false, true })
            {
                if (max)
                    Kernels.ArgMax<float>(x, outer, axis, inner, selectLastIndex: last, d);
                else
                    Kernels.ArgMin<float>(x, outer, axis, inner, selectLastIndex: last, d);
                for (int o = 0; o < outer; o++)
                    for (int i = 0; i < inner; i++)
                    {
                        var line = Line(x, axis, inner, o, i);
                        tied |= ArgReference(line, max, last: false) != ArgReference(line, max, last: true);
                        Assert.True(ArgReference(line, max, last) == d[o * inner + i],
                            $"{(max ? "ArgMax" : "ArgMin")} select_last_index {last} of line [{o}, ·, {i}]: {d[o * inner + i]} against {ArgReference(line, max, last)}");
                    }
            }
        Assert.True(tied || axis < 33, "the long lines should hold ties");
    }

    [Fact]
    public void ArgMax_and_ArgMin_compare_integers_and_doubles_exactly()
    {
        // Extremes of the type, and neighbours that a conversion through float would merge.
        long[] l = [3, long.MaxValue - 1, long.MaxValue, long.MinValue, long.MaxValue, long.MinValue + 1, long.MinValue, 0, .. Longs(1000, 1)];
        var d = new long[1];
        Kernels.ArgMax<long>(l, 1, l.Length, 1, selectLastIndex: false, d);
        Assert.Equal(2, d[0]);
        Kernels.ArgMax<long>(l, 1, l.Length, 1, selectLastIndex: true, d);
        Assert.Equal(4, d[0]);
        Kernels.ArgMin<long>(l, 1, l.Length, 1, selectLastIndex: false, d);
        Assert.Equal(3, d[0]);
        Kernels.ArgMin<long>(l, 1, l.Length, 1, selectLastIndex: true, d);
        Assert.Equal(6, d[0]);

        // [2, 5, 3] of ints along the middle axis, and doubles 1 ulp apart.
        int[] i = [.. Enumerable.Range(0, 30).Select(v => new Random(v).Next(-3, 3))];
        var di = new long[6];
        Kernels.ArgMin<int>(i, 2, 5, 3, selectLastIndex: true, di);
        Assert.Equal(Enumerable.Range(0, 6).Select(p => ArgReference(Line(i, 5, 3, p / 3, p % 3), max: false, last: true)), di);
        double[] close = [1.0, Math.BitIncrement(1.0), 1.0, -0.0, 0.0];
        Kernels.ArgMax<double>(close, 1, 5, 1, selectLastIndex: true, d);
        Assert.Equal(1, d[0]);
        // −0 and +0 are equal: the first of them, or the last.
        Kernels.ArgMin<double>(close, 1, 5, 1, selectLastIndex: false, d);
        Assert.Equal(3, d[0]);
        Kernels.ArgMin<double>(close, 1, 5, 1, selectLastIndex: true, d);
        Assert.Equal(4, d[0]);
    }

    // --- CumSum ---

    // Whether the element at b of a line is in the sum written at a.
    private static bool Includes(int a, int b, bool exclusive, bool reverse) => reverse ? (exclusive ? b > a : b >= a) : (exclusive ? b < a : b <= a);

    [Theory]
    [MemberData(nameof(Layouts))]
    public void CumSum_on_long_sums_what_each_position_includes_in_all_four_directions(int outer, int axis, int inner)
    {
        var x = Longs(outer * axis * inner, axis + inner);
        var d = new long[x.Length];
        foreach (bool exclusive in new[] { false, true })
            foreach (bool reverse in new[] { false, true })
            {
                Kernels.CumSum<long>(x, outer, axis, inner, exclusive, reverse, d);
                for (int o = 0; o < outer; o++)
                    for (int i = 0; i < inner; i++)
                        for (int a = 0; a < axis; a++)
                        {
                            long expected = 0;
                            for (int b = 0; b < axis; b++)
                                if (Includes(a, b, exclusive, reverse))
                                    expected += x[(o * axis + b) * inner + i];
                            Assert.True(expected == d[(o * axis + a) * inner + i],
                                $"exclusive {exclusive}, reverse {reverse}, [{o}, {a}, {i}]: {d[(o * axis + a) * inner + i]} against {expected}");
                        }
            }
    }

    [Theory]
    [MemberData(nameof(Layouts))]
    public void CumSum_on_float_is_exact_on_integers_and_within_the_summation_bound_otherwise(int outer, int axis, int inner)
    {
        // Whole numbers sum exactly in float (every partial sum below 2²⁴); random reals are held to the bound of a
        // sum of n terms in order: n ulps of 1 times the sum of the magnitudes.
        var random = new Random(axis * 7 + inner);
        float[] whole = [.. Enumerable.Range(0, outer * axis * inner).Select(_ => (float)random.Next(-100, 101))];
        float[] real = Floats(whole.Length, axis + 3 * inner, -10, 10);
        var d = new float[whole.Length];
        foreach (var (x, exact) in new[] { (whole, true), (real, false) })
            foreach (bool exclusive in new[] { false, true })
                foreach (bool reverse in new[] { false, true })
                {
                    Kernels.CumSum<float>(x, outer, axis, inner, exclusive, reverse, d);
                    for (int o = 0; o < outer; o++)
                        for (int i = 0; i < inner; i++)
                            for (int a = 0; a < axis; a++)
                            {
                                double sum = 0, magnitude = 0;
                                int terms = 0;
                                for (int b = 0; b < axis; b++)
                                    if (Includes(a, b, exclusive, reverse))
                                    {
                                        sum += x[(o * axis + b) * inner + i];
                                        magnitude += Math.Abs(x[(o * axis + b) * inner + i]);
                                        terms++;
                                    }
                                float actual = d[(o * axis + a) * inner + i];
                                double bound = exact ? 0 : terms * magnitude * Math.Pow(2, -24);
                                Assert.True(Math.Abs(actual - sum) <= bound,
                                    $"exclusive {exclusive}, reverse {reverse}, [{o}, {a}, {i}]: {actual} against {sum} (bound {bound})");
                            }
                }
    }

    // --- GatherElements ---

    public static TheoryData<int[], int[], int> GatherCases => new()
    {
        { [4, 5, 6], [4, 5, 6], 0 },
        { [4, 5, 6], [4, 5, 6], 1 },
        { [4, 5, 6], [4, 5, 6], 2 },
        // Indices shorter than the data in the other dims, and longer or shorter along the axis.
        { [4, 5, 6], [9, 2, 3], 0 },
        { [4, 5, 6], [2, 7, 1], 1 },
        { [4, 5, 6], [3, 4, 11], 2 },
        { [1000], [1500], 0 },
        { [3, 37], [2, 1000], 1 },
        { [37, 1], [1000, 1], 0 },
    };

    [Theory]
    [MemberData(nameof(GatherCases))]
    public void GatherElements_replaces_the_axis_coordinate_by_the_index_negative_ones_from_the_end(int[] shape, int[] indicesShape, int axis)
    {
        var x = Floats(Size(shape), 3);
        var indices = Longs(Size(indicesShape), 4, -shape[axis], shape[axis]);
        Assert.Contains(indices, v => v < 0);
        var d = new float[indices.Length];
        Kernels.GatherElements<float>(x, shape, indices, indicesShape, axis, d);
        for (int o = 0; o < d.Length; o++)
        {
            var at = Coordinates(indicesShape, o);
            at[axis] = (int)(indices[o] < 0 ? indices[o] + shape[axis] : indices[o]);
            Assert.Equal(x[Flat(shape, at)], d[o]);
        }

        // One index past either end of the axis.
        foreach (long outside in new long[] { shape[axis], -shape[axis] - 1 })
        {
            var bad = (long[])indices.Clone();
            bad[^1] = outside;
            Assert.Throws<IndexOutOfRangeException>(() => Kernels.GatherElements<float>(x, shape, bad, indicesShape, axis, new float[bad.Length]));
        }
    }

    [Fact]
    public void GatherElements_copies_any_element_type_and_takes_empty_indices()
    {
        // ONNX's second example: [[1, 2, 3], [4, 5, 6], [7, 8, 9]] along axis 0 by [[1, 2, 0], [2, 0, 0]].
        long[] x = [1, 2, 3, 4, 5, 6, 7, 8, 9];
        var d = new long[6];
        Kernels.GatherElements<long>(x, [3, 3], [1, 2, 0, 2, 0, 0], [2, 3], 0, d);
        Assert.Equal(new long[] { 4, 8, 3, 7, 2, 3 }, d);
        bool[] flags = [true, false, false];
        var b = new bool[4];
        Kernels.GatherElements<bool>(flags, [3], [0, -3, 2, -1], [4], 0, b);
        Assert.Equal(new[] { true, true, false, false }, b);
        Kernels.GatherElements<long>(x, [3, 3], [], [3, 0], 1, []);
    }

    // --- Trilu ---

    public static TheoryData<int, int, int> Matrices => new()
    {
        { 1, 1, 1 },
        { 1, 5, 5 },
        { 3, 4, 7 },   // wide
        { 2, 7, 3 },   // tall
        { 2, 37, 33 },
        { 1, 1, 1000 },
        { 1, 1000, 1 },
    };

    private static readonly long[] Diagonals = [0, 1, -1, 2, -3, 36, -36, 999, -999, 100_000, -100_000, long.MaxValue, long.MinValue];

    [Theory]
    [MemberData(nameof(Matrices))]
    public void Trilu_keeps_each_rows_span_of_columns_on_the_chosen_side_of_the_kth_diagonal(int matrices, int rows, int columns)
    {
        // Values from 1 up: a kept element is never 0.
        long[] x = [.. Enumerable.Range(1, matrices * rows * columns).Select(v => (long)v)];
        var d = new long[x.Length];
        var f = new float[x.Length];
        float[] xf = [.. x.Select(v => (float)v)];
        foreach (long k in Diagonals)
            foreach (bool upper in new[] { true, false })
            {
                Kernels.Trilu<long>(x, matrices, rows, columns, k, upper, d);
                Kernels.Trilu<float>(xf, matrices, rows, columns, k, upper, f);
                for (int m = 0; m < matrices; m++)
                    for (int i = 0; i < rows; i++)
                    {
                        // Row i's k-th diagonal element is column i + k: upper keeps it and the columns after it, lower
                        // it and those before (computed wide, as k may be ±2⁶³).
                        Int128 diagonal = (Int128)i + k;
                        int from = upper ? (int)Int128.Clamp(diagonal, 0, columns) : 0;
                        int to = upper ? columns : (int)Int128.Clamp(diagonal + 1, 0, columns);
                        for (int j = 0; j < columns; j++)
                        {
                            int at = (m * rows + i) * columns + j;
                            long expected = j >= from && j < to ? x[at] : 0;
                            Assert.True(expected == d[at], $"{(upper ? "upper" : "lower")} k {k}, [{m}, {i}, {j}]: {d[at]} against {expected}");
                            Assert.Equal(expected, (long)f[at]);
                        }
                    }
            }
    }

    [Fact]
    public void Trilu_of_booleans_and_of_no_matrices()
    {
        // ONNX's triu example with k = 1 and tril with k = −1, on all-true 3 × 4 matrices.
        var x = Enumerable.Repeat(true, 12).ToArray();
        var d = new bool[12];
        Kernels.Trilu<bool>(x, 1, 3, 4, 1, upper: true, d);
        Assert.Equal(new[] { false, true, true, true, false, false, true, true, false, false, false, true }, d);
        Kernels.Trilu<bool>(x, 1, 3, 4, -1, upper: false, d);
        Assert.Equal(new[] { false, false, false, false, true, false, false, false, true, true, false, false }, d);
        Kernels.Trilu<bool>([], 0, 3, 4, 0, upper: true, []);
        Kernels.Trilu<bool>([], 2, 0, 4, 0, upper: false, []);
    }

    // --- Pad ---

    // Where coordinate `at` of an axis of `size` reads from, or −1 for the constant: reflect mirrors at each end
    // without repeating the edge until it lands inside, edge takes the nearest, wrap shifts by whole periods.
    private static int Source(int at, int size, int mode)
    {
        if (at >= 0 && at < size)
            return at;
        switch (mode)
        {
            case 0:
                return -1;
            case 1:
                if (size == 1)
                    return 0;
                while (at < 0 || at >= size)
                    at = at < 0 ? -at : 2 * (size - 1) - at;
                return at;
            case 2:
                return at < 0 ? 0 : size - 1;
            default:
                while (at < 0)
                    at += size;
                while (at >= size)
                    at -= size;
                return at;
        }
    }

    private static T[] PadReference<T>(T[] x, int[] shape, int[] pads, int mode, T value, int[] dShape)
    {
        int rank = shape.Length;
        var expected = new T[Size(dShape)];
        for (int o = 0; o < expected.Length; o++)
        {
            var at = Coordinates(dShape, o);
            bool inside = true;
            for (int k = 0; k < rank; k++)
            {
                at[k] = Source(at[k] - pads[k], shape[k], mode);
                inside &= at[k] >= 0;
            }
            expected[o] = inside ? x[Flat(shape, at)] : value;
        }
        return expected;
    }

    private static readonly string[] ModeNames = ["constant", "reflect", "edge", "wrap"];

    // Shapes and pads ([begins…, ends…]) for every mode: one long axis, each axis of a 3-D tensor alone, all of them
    // at once, pads past the axis's length (repeated reflection and wrapping), and an axis of one.
    public static TheoryData<int[], int[]> PadCases => new()
    {
        { [1000], [3, 5] },
        { [3, 4, 5], [2, 0, 0, 1, 0, 0] },
        { [3, 4, 5], [0, 3, 0, 0, 2, 0] },
        { [3, 4, 5], [0, 0, 4, 0, 0, 3] },
        { [3, 4, 5], [1, 2, 3, 2, 3, 1] },
        { [3], [7, 5] },
        { [2, 5, 37], [0, 9, 1, 0, 11, 2] },
        { [1, 4], [2, 0, 3, 1] },
        { [2, 3, 4, 5], [0, 0, 1, 1, 0, 0, 2, 2] },
    };

    [Theory]
    [MemberData(nameof(PadCases))]
    public void Pad_fills_each_mode_as_its_definition_reads(int[] shape, int[] pads)
    {
        int rank = shape.Length;
        int[] dShape = [.. Enumerable.Range(0, rank).Select(k => shape[k] + pads[k] + pads[rank + k])];
        var x = Floats(Size(shape), 5);
        var d = new float[Size(dShape)];
        for (int mode = 0; mode < 4; mode++)
        {
            Kernels.Pad<float>(x, shape, pads, mode, 7.5f, d, dShape);
            var expected = PadReference(x, shape, pads, mode, 7.5f, dShape);
            for (int o = 0; o < d.Length; o++)
                Assert.True(expected[o] == d[o], $"{ModeNames[mode]}, output [{string.Join(", ", Coordinates(dShape, o))}]: {d[o]} against {expected[o]}");
        }
    }

    // Negative pads crop. ONNX does not say whether the crop comes before the padding (onnx/onnx#4294; ONNX Runtime
    // slices first): in reflect mode the pad on an axis's other end stays within what the crop leaves, where mirroring
    // the cropped input and the whole one agree. Wrap is left out: wrapping the cropped input and the whole one differ.
    public static TheoryData<int[], int[]> CropCases => new()
    {
        { [1000], [-3, 4] },
        { [1000], [5, -990] },
        { [5, 6], [-1, 2, 1, -3] },
        { [3, 4, 5], [-1, 0, -2, 0, -1, 2] },
        { [3, 4, 5], [0, -3, 0, 0, 0, -1] },
        { [3], [-1, -2] },   // everything cropped: an empty output
    };

    [Theory]
    [MemberData(nameof(CropCases))]
    public void Pad_with_negative_pads_crops_in_constant_reflect_and_edge_modes(int[] shape, int[] pads)
    {
        int rank = shape.Length;
        int[] dShape = [.. Enumerable.Range(0, rank).Select(k => shape[k] + pads[k] + pads[rank + k])];
        var x = Longs(Size(shape), 6);
        var d = new long[Size(dShape)];
        for (int mode = 0; mode < 3; mode++)
        {
            Kernels.Pad<long>(x, shape, pads, mode, -1, d, dShape);
            Assert.True(PadReference(x, shape, pads, mode, -1L, dShape).SequenceEqual(d), $"{ModeNames[mode]}, pads [{string.Join(", ", pads)}]");
        }
    }

    [Fact]
    public void Pad_matches_onnxs_examples()
    {
        // The operator's examples: [[1.0, 1.2], [2.3, 3.4], [4.5, 5.7]] padded [0, 2, 0, 0] in constant, reflect and edge
        // modes, and [2, 1, 1, 1] in wrap mode.
        float[] x = [1.0f, 1.2f, 2.3f, 3.4f, 4.5f, 5.7f];
        var d = new float[12];
        Kernels.Pad<float>(x, [3, 2], [0, 2, 0, 0], 0, 0f, d, [3, 4]);
        Assert.Equal(new[] { 0f, 0f, 1.0f, 1.2f, 0f, 0f, 2.3f, 3.4f, 0f, 0f, 4.5f, 5.7f }, d);
        Kernels.Pad<float>(x, [3, 2], [0, 2, 0, 0], 1, 0f, d, [3, 4]);
        Assert.Equal(new[] { 1.0f, 1.2f, 1.0f, 1.2f, 2.3f, 3.4f, 2.3f, 3.4f, 4.5f, 5.7f, 4.5f, 5.7f }, d);
        Kernels.Pad<float>(x, [3, 2], [0, 2, 0, 0], 2, 0f, d, [3, 4]);
        Assert.Equal(new[] { 1.0f, 1.0f, 1.0f, 1.2f, 2.3f, 2.3f, 2.3f, 3.4f, 4.5f, 4.5f, 4.5f, 5.7f }, d);
        var w = new float[24];
        Kernels.Pad<float>(x, [3, 2], [2, 1, 1, 1], 3, 0f, w, [6, 4]);
        Assert.Equal(new[]
        {
            3.4f, 2.3f, 3.4f, 2.3f,
            5.7f, 4.5f, 5.7f, 4.5f,
            1.2f, 1.0f, 1.2f, 1.0f,
            3.4f, 2.3f, 3.4f, 2.3f,
            5.7f, 4.5f, 5.7f, 4.5f,
            1.2f, 1.0f, 1.2f, 1.0f,
        }, w);
    }

    // --- every kernel: no allocation ---

    [Fact]
    public void No_kernel_allocates()
    {
        int[] shape = [3, 4, 5], indicesShape = [3, 4, 5], pads = [1, 2, 3, 2, 3, 1], crop = [-1, 0, 1, 0, -2, 1];
        int[] dShape = [6, 9, 9], cropShape = [2, 2, 7];
        var x = Floats(60, 7);
        var l = Longs(60, 8);
        var indices = Longs(60, 9, -5, 5);
        var d = new float[Size(dShape)];
        var ld = new long[60];
        long allocated = Allocations.PerLoop(warmUp: 3, calls: 20, _ =>
        {
            Kernels.ArgMax<float>(x, 3, 4, 5, selectLastIndex: false, ld);
            Kernels.ArgMin<long>(l, 3, 4, 5, selectLastIndex: true, ld);
            Kernels.CumSum<float>(x, 3, 4, 5, exclusive: true, reverse: true, d);
            Kernels.CumSum<long>(l, 12, 5, 1, exclusive: false, reverse: false, ld);
            Kernels.GatherElements<float>(x, shape, indices, indicesShape, 2, d.AsSpan(0, 60));
            Kernels.Trilu<long>(l, 3, 4, 5, -1, upper: true, ld);
            for (int mode = 0; mode < 4; mode++)
                Kernels.Pad<float>(x, shape, pads, mode, 1f, d, dShape);
            Kernels.Pad<float>(x, shape, crop, 2, 0f, d.AsSpan(0, 28), cropShape);
        });
        Assert.Equal(0, allocated);
    }
}
