using System;
using System.Linq;
using TypedModels.Compiled;
using TypedModels.Testing;
using static TypedModels.Tests.RowMajor;

namespace TypedModels.Tests;

/// <summary>
/// The rest of the elementwise family against the plainest loops over ONNX's definitions, at 37 and 1,000 elements (past
/// any vector width): the float functions within a few ulps of the definition in double, the generic ones exact; the
/// broadcast kernels (the generic walker's arithmetic, comparisons, logic and Where, and Pow, Mod, PRelu, BitShift,
/// Maximum, Minimum) against an odometer that computes each input's offset from the output's coordinates; and Gather,
/// Slice, Expand and Cast against their definitions. None of them allocates.
/// </summary>
public sealed class ElementwiseMoreKernelTests
{
    public static TheoryData<int> Sizes => [37, 1000];

    private static float[] Values(int count, double from, double to, int seed = 1)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, count).Select(_ => (float)(from + random.NextDouble() * (to - from)))];
    }

    private static float[] Run(Action<float[], float[]> kernel, float[] x)
    {
        var d = new float[x.Length];
        kernel(x, d);
        return d;
    }

    // --- float functions ---

    [Theory]
    [InlineData("Tan", -1.5, 1.5)]
    [InlineData("Asin", -1, 1)]
    [InlineData("Acos", -1, 1)]
    [InlineData("Atan", -20, 20)]
    [InlineData("Sinh", -20, 20)]
    [InlineData("Cosh", -20, 20)]
    [InlineData("Asinh", -20, 20)]
    [InlineData("Acosh", 1, 40)]
    [InlineData("Atanh", -0.999, 0.999)]
    public void Trigonometric_and_hyperbolic_kernels_are_within_two_ulps_of_double_precision(string op, double from, double to)
    {
        var (kernel, reference) = op switch
        {
            "Tan" => ((Action<float[], float[]>)((x, d) => Kernels.Tan(x, d)), (Func<double, double>)Math.Tan),
            "Asin" => ((x, d) => Kernels.Asin(x, d), Math.Asin),
            "Acos" => ((x, d) => Kernels.Acos(x, d), Math.Acos),
            "Atan" => ((x, d) => Kernels.Atan(x, d), Math.Atan),
            "Sinh" => ((x, d) => Kernels.Sinh(x, d), Math.Sinh),
            "Cosh" => ((x, d) => Kernels.Cosh(x, d), Math.Cosh),
            "Asinh" => ((x, d) => Kernels.Asinh(x, d), Math.Asinh),
            "Acosh" => ((x, d) => Kernels.Acosh(x, d), Math.Acosh),
            "Atanh" => ((x, d) => Kernels.Atanh(x, d), Math.Atanh),
            _ => throw new ArgumentException(op),
        };
        foreach (int size in new[] { 37, 1000 })
        {
            var x = Values(size, from, to, size);
            var d = Run(kernel, x);
            for (int i = 0; i < size; i++)
                AssertUlps(reference(x[i]), d[i], 2, $"{op}({x[i]})");
        }
    }

    [Fact]
    public void Inverse_functions_give_nan_outside_their_domain_and_infinity_at_its_edge()
    {
        var d = new float[2];
        Kernels.Asin([2f, -1.5f], d);
        Assert.All(d, v => Assert.True(float.IsNaN(v)));
        Kernels.Acosh([0.5f, float.NaN], d);
        Assert.All(d, v => Assert.True(float.IsNaN(v)));
        Kernels.Atanh([1f, -1f], d);
        Assert.Equal(new[] { float.PositiveInfinity, float.NegativeInfinity }, d);
    }

    /// <summary>erf in double, for reference: (2/√π)·e^(−x²)·Σ 2ⁿx^(2n+1)/(2n+1)!!, a series of positive terms.</summary>
    private static double Erf(double x)
    {
        double a = Math.Abs(x);
        if (double.IsNaN(a))
            return a;
        if (a > 6)
            return Math.Sign(x);
        double term = a, sum = a;
        for (int n = 1; term > sum * 1e-18; n++)
        {
            term *= 2 * a * a / (2 * n + 1);
            sum += term;
        }
        return Math.CopySign(2 / Math.Sqrt(Math.PI) * Math.Exp(-a * a) * sum, x);
    }

    [Theory]
    [MemberData(nameof(Sizes))]
    public void Erf_is_within_an_ulp_of_the_series_in_double(int size)
    {
        float[] x = [0f, -0f, 1e-30f, -1e-20f, 0.999999f, 1f, 3.9f, 3.92f, 4f, -10f, .. Values(size, -5, 5, size)];
        var d = Run((x, d) => Kernels.Erf(x, d), x);
        for (int i = 0; i < x.Length; i++)
            AssertUlps(Erf(x[i]), d[i], 1, $"Erf({x[i]})");
        Assert.True(float.IsNegative(d[1]));
        d = Run((x, d) => Kernels.Erf(x, d), [float.NaN, float.PositiveInfinity, float.NegativeInfinity]);
        Assert.True(float.IsNaN(d[0]));
        Assert.Equal(new[] { 1f, -1f }, d[1..]);
    }

    [Theory]
    [MemberData(nameof(Sizes))]
    public void Gelu_in_both_approximations_follows_its_formula(int size)
    {
        var x = Values(size, -6, 6, size);
        AssertCloseToLargest(x.Select(v => 0.5 * v * (1 + Erf(v / Math.Sqrt(2)))).ToArray(), Run((x, d) => Kernels.Gelu(x, d), x), 2);
        AssertCloseToLargest(x.Select(v => 0.5 * v * (1 + Math.Tanh(Math.Sqrt(2 / Math.PI) * (v + 0.044715 * v * v * v)))).ToArray(),
            Run((x, d) => Kernels.GeluTanh(x, d), x), 2);
    }

    [Fact]
    public void HardSwish_and_HardSigmoid_vectors_round_as_the_scalar_formula_does()
    {
        // The kernels go a vector at a time with a scalar tail; every element must be the scalar expression's float, bit
        // for bit, NaN, the infinities, ±0 and the points where the clamps bite among them, at every offset in a vector.
        float[] special = [float.NaN, float.PositiveInfinity, float.NegativeInfinity, 0f, -0f, 3f, -3f, 2.5f, -2.5f, 1e-30f, -1e-30f, 6f, -6f, float.MaxValue, -float.MaxValue];
        float[] x = [.. special, .. Values(200, -8, 8, 3), .. special.Reverse()];
        var hardSwish = Run((x, d) => Kernels.HardSwish(x, d), x);
        var hardSigmoid = Run((x, d) => Kernels.HardSigmoid(x, 0.3f, 0.4f, d), x);
        for (int i = 0; i < x.Length; i++)
        {
            float v = x[i];
            Assert.Equal(BitConverter.SingleToInt32Bits(v * MathF.Max(0, MathF.Min(1, 1f / 6 * v + 0.5f))), BitConverter.SingleToInt32Bits(hardSwish[i]));
            Assert.Equal(BitConverter.SingleToInt32Bits(MathF.Max(0, MathF.Min(1, 0.3f * v + 0.4f))), BitConverter.SingleToInt32Bits(hardSigmoid[i]));
        }
        // In place, as a fused Conv runs them.
        var copy = x.ToArray();
        Kernels.HardSwish(copy, copy);
        Assert.Equal(hardSwish.Select(BitConverter.SingleToInt32Bits), copy.Select(BitConverter.SingleToInt32Bits));
    }

    [Theory]
    [MemberData(nameof(Sizes))]
    public void HardSwish_Celu_and_Mish_follow_their_formulas(int size)
    {
        var x = Values(size, -8, 8, size);
        AssertCloseToLargest(x.Select(v => v * Math.Max(0, Math.Min(1, v / 6.0 + 0.5))).ToArray(), Run((x, d) => Kernels.HardSwish(x, d), x), 1);
        foreach (float alpha in new[] { 0.5f, 1f, 2f })
        {
            AssertCloseToLargest(x.Select(v => Math.Max(0, v) + Math.Min(0, alpha * (Math.Exp(v / alpha) - 1))).ToArray(),
                Run((x, d) => Kernels.Celu(x, alpha, d), x), 2);
        }
        // Mish is computed in double and rounded once: within an ulp element by element, the tail included.
        float[] wide = [-100f, -30f, .. x];
        var mish = Run((x, d) => Kernels.Mish(x, d), wide);
        for (int i = 0; i < wide.Length; i++)
            AssertUlps(wide[i] * Math.Tanh(double.LogP1(Math.Exp((double)wide[i]))), mish[i], 1, $"Mish({wide[i]})");
    }

    // --- generic unary kernels ---

    [Fact]
    public void Neg_Abs_and_Sign_are_exact_on_every_type_they_take()
    {
        int[] ints = [0, 1, -1, 7, -37, int.MaxValue, int.MinValue, .. Enumerable.Range(0, 1000).Select(i => new Random(i).Next(int.MinValue, int.MaxValue))];
        var d = new int[ints.Length];
        Kernels.Neg<int>(ints, d);
        Assert.Equal(ints.Select(v => unchecked(-v)), d);
        Kernels.Abs<int>(ints, d);
        Assert.Equal(ints.Select(v => v < 0 ? unchecked(-v) : v), d);
        Kernels.Sign<int>(ints, d);
        Assert.Equal(ints.Select(v => Math.Sign(v)), d);

        sbyte[] bytes = [0, 5, -5, sbyte.MinValue, sbyte.MaxValue];
        var sd = new sbyte[bytes.Length];
        Kernels.Neg<sbyte>(bytes, sd);
        Assert.Equal(new sbyte[] { 0, -5, 5, sbyte.MinValue, -sbyte.MaxValue }, sd);
        long[] longs = [0, 3, -3, long.MinValue];
        var ld = new long[longs.Length];
        Kernels.Abs<long>(longs, ld);
        Assert.Equal(new long[] { 0, 3, 3, long.MinValue }, ld);
        byte[] unsigned = [0, 1, 200];
        var ud = new byte[3];
        Kernels.Abs<byte>(unsigned, ud);
        Assert.Equal(unsigned, ud);
        Kernels.Sign<byte>(unsigned, ud);
        Assert.Equal(new byte[] { 0, 1, 1 }, ud);

        double[] doubles = [2.5, -0.5, 0, -0.0, double.NaN, double.NegativeInfinity];
        var dd = new double[doubles.Length];
        Kernels.Sign<double>(doubles, dd);
        Assert.Equal(new[] { 1, -1, 0, -0.0, double.NaN, -1 }, dd);
        Assert.True(double.IsNegative(dd[3]));
        var x = Values(1000, -3, 3);
        var fd = new float[x.Length];
        Kernels.Sign<float>(x, fd);
        Assert.Equal(x.Select(v => (float)Math.Sign(v)), fd);
        Kernels.Neg<double>(doubles, dd);
        Assert.Equal(doubles.Select(v => BitConverter.DoubleToInt64Bits(-v)), dd.Select(BitConverter.DoubleToInt64Bits));
    }

    [Fact]
    public void IsNaN_and_IsInf_classify_each_element()
    {
        float[] x = [0f, float.NaN, float.PositiveInfinity, float.NegativeInfinity, -1f, float.MaxValue, .. Values(31, -1, 1)];
        var d = new bool[x.Length];
        Kernels.IsNaN<float>(x, d);
        Assert.Equal(x.Select(float.IsNaN), d);
        foreach (var (negative, positive) in new[] { (true, true), (true, false), (false, true), (false, false) })
        {
            Kernels.IsInf<float>(x, negative, positive, d);
            Assert.Equal(x.Select(v => (negative && float.IsNegativeInfinity(v)) || (positive && float.IsPositiveInfinity(v))), d);
        }
        double[] y = [double.NaN, double.NegativeInfinity, 1];
        var e = new bool[3];
        Kernels.IsInf<double>(y, true, false, e);
        Assert.Equal(new[] { false, true, false }, e);
        Kernels.IsNaN<double>(y, e);
        Assert.Equal(new[] { true, false, false }, e);
    }

    // --- broadcasting: the reference odometer ---

    // The offset in a tensor of shape `from` of the element output coordinates `index` (of rank ≥ from's) broadcast from.
    private static int Offset(int[] from, int[] index)
    {
        int offset = 0, skip = index.Length - from.Length;
        for (int k = 0; k < from.Length; k++)
            offset = offset * from[k] + (from[k] == 1 ? 0 : index[skip + k]);
        return offset;
    }

    private static TD[] Reference<TA, TB, TD>(TA[] a, int[] aShape, TB[] b, int[] bShape, int[] dShape, Func<TA, TB, TD> op) =>
        [.. Enumerable.Range(0, Size(dShape)).Select(o => { var i = Coordinates(dShape, o); return op(a[Offset(aShape, i)], b[Offset(bShape, i)]); })];

    // Shapes that broadcast in every way the walker meets: equal, a scalar, rank-extended, ones on either side.
    public static TheoryData<int[], int[], int[]> Shapes => new()
    {
        { [1000], [1000], [1000] },
        { [37], [], [37] },
        { [], [37], [37] },
        { [2, 1, 37], [3, 1], [2, 3, 37] },
        { [4, 5, 50], [5, 50], [4, 5, 50] },
        { [5, 1, 1], [1, 4, 50], [5, 4, 50] },
        { [1, 37], [37, 1], [37, 37] },
    };

    private static long[] Longs(int count, int seed, long from = -1_000_000, long to = 1_000_000)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, count).Select(_ => random.NextInt64(from, to))];
    }

    private static int[] Ints(int count, int seed, int from = -5, int to = 5)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, count).Select(_ => random.Next(from, to))];
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void The_generic_walker_computes_arithmetic_on_long_as_the_reference_does(int[] aShape, int[] bShape, int[] dShape)
    {
        long[] a = Longs(Size(aShape), 1), b = Longs(Size(bShape), 2).Select(v => v == 0 ? 7 : v).ToArray();
        var d = new long[Size(dShape)];
        Kernels.Add<long>(a, aShape, b, bShape, d, dShape);
        Assert.Equal(Reference(a, aShape, b, bShape, dShape, (x, y) => x + y), d);
        Kernels.Sub<long>(a, aShape, b, bShape, d, dShape);
        Assert.Equal(Reference(a, aShape, b, bShape, dShape, (x, y) => x - y), d);
        Kernels.Mul<long>(a, aShape, b, bShape, d, dShape);
        Assert.Equal(Reference(a, aShape, b, bShape, dShape, (x, y) => x * y), d);
        Kernels.Div<long>(a, aShape, b, bShape, d, dShape);
        Assert.Equal(Reference(a, aShape, b, bShape, dShape, (x, y) => x / y), d);
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void The_generic_walker_compares_and_combines_as_the_reference_does(int[] aShape, int[] bShape, int[] dShape)
    {
        int[] a = Ints(Size(aShape), 3), b = Ints(Size(bShape), 4);
        var d = new bool[Size(dShape)];
        Kernels.Equal<int>(a, aShape, b, bShape, d, dShape);
        Assert.Equal(Reference(a, aShape, b, bShape, dShape, (x, y) => x == y), d);
        Kernels.Less<int>(a, aShape, b, bShape, d, dShape);
        Assert.Equal(Reference(a, aShape, b, bShape, dShape, (x, y) => x < y), d);
        Kernels.Greater<int>(a, aShape, b, bShape, d, dShape);
        Assert.Equal(Reference(a, aShape, b, bShape, dShape, (x, y) => x > y), d);

        bool[] p = [.. a.Select(v => v > 0)], q = [.. b.Select(v => v % 2 == 0)];
        Kernels.And(p, aShape, q, bShape, d, dShape);
        Assert.Equal(Reference(p, aShape, q, bShape, dShape, (x, y) => x && y), d);
        Kernels.Or(p, aShape, q, bShape, d, dShape);
        Assert.Equal(Reference(p, aShape, q, bShape, dShape, (x, y) => x || y), d);
        Kernels.Xor(p, aShape, q, bShape, d, dShape);
        Assert.Equal(Reference(p, aShape, q, bShape, dShape, (x, y) => x ^ y), d);
        var n = new bool[p.Length];
        Kernels.Not(p, n);
        Assert.Equal(p.Select(v => !v), n);
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Where_picks_from_three_broadcast_tensors(int[] cShape, int[] xShape, int[] dShape)
    {
        // The condition and x take the theory's shapes; y is a scalar, x's shape, or the output's last dim, broadcast too.
        foreach (int[] yShape in new[] { Array.Empty<int>(), xShape, [dShape[^1]] })
        {
            bool[] c = [.. Ints(Size(cShape), 5).Select(v => v >= 0)];
            long[] x = Longs(Size(xShape), 6), y = Longs(Size(yShape), 7);
            var d = new long[Size(dShape)];
            Kernels.Where<long>(c, cShape, x, xShape, y, yShape, d, dShape);
            var expected = Enumerable.Range(0, d.Length).Select(o =>
            {
                var i = Coordinates(dShape, o);
                return c[Offset(cShape, i)] ? x[Offset(xShape, i)] : y[Offset(yShape, i)];
            });
            Assert.Equal(expected, d);
        }
    }

    // --- Pow, Mod, PRelu, BitShift, Maximum, Minimum ---

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Pow_is_powf_for_floats_and_pow_in_double_for_integer_exponents(int[] aShape, int[] bShape, int[] dShape)
    {
        float[] a = Values(Size(aShape), 0.1, 4, 8), b = Values(Size(bShape), -3, 3, 9);
        var d = new float[Size(dShape)];
        Kernels.Pow<float, float>(a, aShape, b, bShape, d, dShape);
        Assert.Equal(Reference(a, aShape, b, bShape, dShape, MathF.Pow), d);

        long[] e = [.. Ints(Size(bShape), 10)];
        // A scalar exponent of 3 is x·x·x, two roundings (see the next test).
        Kernels.Pow<float, long>(a, aShape, e, bShape, d, dShape);
        Assert.Equal(Reference(a, aShape, e, bShape, dShape, (x, y) => e.Length == 1 && y == 3 ? x * x * x : (float)Math.Pow(x, y)), d);
        int[] i = [.. Ints(Size(aShape), 11)], j = [.. Ints(Size(bShape), 12, 0, 6)];
        var id = new int[d.Length];
        Kernels.Pow<int, int>(i, aShape, j, bShape, id, dShape);
        Assert.Equal(Reference(i, aShape, j, bShape, dShape, (x, y) => (int)Math.Pow(x, y)), id);
    }

    [Theory]
    [MemberData(nameof(Sizes))]
    public void Pow_by_a_scalar_two_or_three_multiplies(int size)
    {
        var a = Values(size, -5, 5, 13);
        var d = new float[size];
        int[] shape = [size];
        Kernels.Pow<float, float>(a, shape, [2f], [], d, shape);
        Assert.Equal(a.Select(x => x * x), d);
        Kernels.Pow<float, int>(a, shape, [3], [1], d, shape);
        Assert.Equal(a.Select(x => x * x * x), d);
        Kernels.Pow<float, float>(a, shape, [0.5f], [], d, shape);
        Assert.Equal(a.Select(x => MathF.Pow(x, 0.5f)), d);
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Mod_takes_the_divisors_sign_and_FMod_the_dividends(int[] aShape, int[] bShape, int[] dShape)
    {
        long[] a = Longs(Size(aShape), 14, -100, 100), b = Longs(Size(bShape), 15, -9, 9).Select(v => v == 0 ? 4 : v).ToArray();
        var d = new long[Size(dShape)];
        Kernels.Mod<long>(a, aShape, b, bShape, d, dShape);
        Assert.Equal(Reference(a, aShape, b, bShape, dShape, (x, y) => ((x % y) + y) % y), d);
        Kernels.FMod<long>(a, aShape, b, bShape, d, dShape);
        Assert.Equal(Reference(a, aShape, b, bShape, dShape, (x, y) => x % y), d);

        float[] f = Values(Size(aShape), -10, 10, 16), g = Values(Size(bShape), 0.5, 3, 17);
        var fd = new float[d.Length];
        Kernels.FMod<float>(f, aShape, g, bShape, fd, dShape);
        // C's fmod of two floats is exact, so double's gives it.
        Assert.Equal(Reference(f, aShape, g, bShape, dShape, (x, y) => (float)((double)x % y)), fd);

        sbyte[] s = [-128, -7, 7, 0, 127], t = [3, -3, -3, 5, -1];
        var sd = new sbyte[5];
        Kernels.Mod<sbyte>(s, [5], t, [5], sd, [5]);
        Assert.Equal(new sbyte[] { 1, -1, -2, 0, 0 }, sd);
        Assert.Throws<DivideByZeroException>(() => Kernels.Mod<int>([1], [1], [0], [1], new int[1], [1]));
    }

    [Fact]
    public void PRelu_broadcasts_its_slope_over_the_channels()
    {
        int[] xShape = [2, 3, 4, 5], slopeShape = [3, 1, 1];
        float[] x = Values(Size(xShape), -2, 2, 18), slope = [0.1f, 0.2f, -0.3f];
        var d = new float[x.Length];
        Kernels.PRelu<float>(x, xShape, slope, slopeShape, d, xShape);
        Assert.Equal(Reference(x, xShape, slope, slopeShape, xShape, (v, s) => v > 0 ? v : v * s), d);
        Kernels.PRelu<float>(x, xShape, [0.25f], [], d, xShape);
        Assert.Equal(x.Select(v => v > 0 ? v : v * 0.25f), d);
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void BitShift_moves_bits_and_empties_past_the_width(int[] aShape, int[] bShape, int[] dShape)
    {
        var random = new Random(19);
        uint[] a = [.. Enumerable.Range(0, Size(aShape)).Select(_ => (uint)random.NextInt64(0, uint.MaxValue))];
        uint[] b = [.. Enumerable.Range(0, Size(bShape)).Select(_ => (uint)random.Next(0, 40))];
        var d = new uint[Size(dShape)];
        Kernels.BitShiftLeft<uint>(a, aShape, b, bShape, d, dShape);
        Assert.Equal(Reference(a, aShape, b, bShape, dShape, (x, y) => y >= 32 ? 0 : x << (int)y), d);
        Kernels.BitShiftRight<uint>(a, aShape, b, bShape, d, dShape);
        Assert.Equal(Reference(a, aShape, b, bShape, dShape, (x, y) => y >= 32 ? 0 : x >> (int)y), d);

        byte[] bytes = [1, 255, 16, 3];
        var bd = new byte[4];
        Kernels.BitShiftLeft<byte>(bytes, [4], [1, 1, 8, 9], [4], bd, [4]);
        Assert.Equal(new byte[] { 2, 254, 0, 0 }, bd);
        Kernels.BitShiftRight<byte>(bytes, [4], [2], [], bd, [4]);
        Assert.Equal(new byte[] { 0, 63, 4, 0 }, bd);
        var ud = new ulong[2];
        Kernels.BitShiftLeft<ulong>([1UL, 1UL], [2], [63UL, 64UL], [2], ud, [2]);
        Assert.Equal(new[] { 1UL << 63, 0UL }, ud);
        var sd = new ushort[1];
        Kernels.BitShiftRight<ushort>([0x8000], [1], [15], [1], sd, [1]);
        Assert.Equal(1, sd[0]);
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Maximum_and_Minimum_pick_elementwise_and_let_nan_win(int[] aShape, int[] bShape, int[] dShape)
    {
        float[] a = Values(Size(aShape), -5, 5, 20), b = Values(Size(bShape), -5, 5, 21);
        a[0] = float.NaN;
        b[^1] = float.NaN;
        var d = new float[Size(dShape)];
        Kernels.Maximum<float>(a, aShape, b, bShape, d, dShape);
        Assert.Equal(Reference(a, aShape, b, bShape, dShape, (x, y) => float.IsNaN(x) || float.IsNaN(y) ? float.NaN : Math.Max(x, y)), d);
        Kernels.Minimum<float>(a, aShape, b, bShape, d, dShape);
        Assert.Equal(Reference(a, aShape, b, bShape, dShape, (x, y) => float.IsNaN(x) || float.IsNaN(y) ? float.NaN : Math.Min(x, y)), d);

        var random = new Random(22);
        ulong[] u = [.. Enumerable.Range(0, Size(aShape)).Select(_ => (ulong)random.NextInt64() * 3)], v = [.. Enumerable.Range(0, Size(bShape)).Select(_ => (ulong)random.NextInt64() * 3)];
        var ud = new ulong[d.Length];
        Kernels.Maximum<ulong>(u, aShape, v, bShape, ud, dShape);
        Assert.Equal(Reference(u, aShape, v, bShape, dShape, Math.Max), ud);
        Kernels.Minimum<ulong>(u, aShape, v, bShape, ud, dShape);
        Assert.Equal(Reference(u, aShape, v, bShape, dShape, Math.Min), ud);
    }

    // --- indexing and Cast ---

    [Theory]
    [InlineData(1, 10, 1)]
    [InlineData(4, 7, 37)]
    [InlineData(3, 1000, 1)]
    public void Gather_copies_each_indexed_block(int outer, int axis, int inner)
    {
        var x = Longs(outer * axis * inner, 23);
        long[] indices = [0, axis - 1, -1, -axis, axis / 2, 0];
        var d = new long[outer * indices.Length * inner];
        Kernels.Gather<long>(x, outer, axis, inner, indices, d);
        var expected = new long[d.Length];
        for (int o = 0; o < outer; o++)
            for (int i = 0; i < indices.Length; i++)
                for (int k = 0; k < inner; k++)
                    expected[(o * indices.Length + i) * inner + k] = x[(o * axis + (indices[i] < 0 ? indices[i] + axis : indices[i])) * inner + k];
        Assert.Equal(expected, d);
        Assert.Throws<IndexOutOfRangeException>(() => Kernels.Gather<long>(x, outer, axis, inner, [axis], new long[outer * inner]));
    }

    [Theory]
    [InlineData(new[] { 4, 5, 6 }, new[] { 1, 0, 5 }, new[] { 2, 1, -2 }, new[] { 2, 5, 3 })]
    [InlineData(new[] { 1000 }, new[] { 3 }, new[] { 7 }, new[] { 143 })]
    [InlineData(new[] { 37, 2 }, new[] { 36, 1 }, new[] { -1, -1 }, new[] { 37, 2 })]
    public void Slice_walks_from_each_start_by_each_step(int[] shape, int[] starts, int[] steps, int[] dShape)
    {
        var x = Values(Size(shape), -1, 1, 24);
        var d = new float[Size(dShape)];
        Kernels.Slice<float>(x, shape, starts, steps, d, dShape);
        var expected = Enumerable.Range(0, d.Length).Select(o =>
        {
            var i = Coordinates(dShape, o);
            int at = 0;
            for (int k = 0; k < shape.Length; k++)
                at = at * shape[k] + starts[k] + i[k] * steps[k];
            return x[at];
        });
        Assert.Equal(expected, d);
    }

    [Theory]
    [InlineData(new[] { 3, 1 }, new[] { 2, 3, 37 })]
    [InlineData(new[] { 1 }, new[] { 1000 })]
    [InlineData(new[] { 37 }, new[] { 2, 37 })]
    [InlineData(new[] { 2, 1, 5 }, new[] { 2, 4, 5 })]
    public void Expand_broadcasts_to_the_target_shape(int[] shape, int[] dShape)
    {
        var x = Longs(Size(shape), 25);
        var d = new long[Size(dShape)];
        Kernels.Expand<long>(x, shape, d, dShape);
        Assert.Equal(Enumerable.Range(0, d.Length).Select(o => x[Offset(shape, Coordinates(dShape, o))]), d);
    }

    [Fact]
    public void Cast_converts_as_dotnet_does_truncating_saturating_and_wrapping()
    {
        float[] f = [0.5f, -0.5f, 2.9f, -2.9f, 3e9f, -3e9f, float.NaN, float.PositiveInfinity, .. Values(1000, -1e5, 1e5, 26)];
        var i = new int[f.Length];
        Kernels.Cast<float, int>(f, i);
        Assert.Equal(f.Select(v => float.IsNaN(v) ? 0 : v >= int.MaxValue ? int.MaxValue : v <= int.MinValue ? int.MinValue : (int)Math.Truncate(v)), i);
        var b = new bool[f.Length];
        Kernels.Cast<float, bool>(f, b);
        Assert.Equal(f.Select(v => v != 0), b);
        var g = new float[f.Length];
        Kernels.Cast<bool, float>(b, g);
        Assert.Equal(b.Select(v => v ? 1f : 0f), g);
        Kernels.Cast<int, float>(i, g);
        Assert.Equal(i.Select(v => (float)v), g);

        long[] l = [300, -1, 255, 256, long.MinValue, .. Longs(37, 27)];
        var u8 = new byte[l.Length];
        Kernels.Cast<long, byte>(l, u8);
        Assert.Equal(l.Select(v => unchecked((byte)v)), u8);
        var dd = new double[l.Length];
        Kernels.Cast<long, double>(l, dd);
        Assert.Equal(l.Select(v => (double)v), dd);
        var h = new float[l.Length];
        Kernels.Cast<double, float>(dd, h);
        Assert.Equal(dd.Select(v => (float)v), h);
        ulong[] big = [ulong.MaxValue, 1UL << 63, 5];
        var bl = new long[3];
        Kernels.Cast<ulong, long>(big, bl);
        Assert.Equal(new[] { -1L, long.MinValue, 5L }, bl);
        Assert.Throws<ArgumentException>(() => Kernels.Cast<float, int>(f, new int[3]));
    }

    // --- every kernel: empty tensors, no allocation ---

    [Fact]
    public void An_empty_tensor_is_a_valid_call()
    {
        Kernels.Erf([], []);
        Kernels.Gelu([], []);
        Kernels.GeluTanh([], []);
        Kernels.Mish([], []);
        Kernels.Tan([], []);
        Kernels.Sign<int>([], []);
        Kernels.IsNaN<float>([], []);
        Kernels.Pow<float, float>([], [0], [2f], [], [], [0]);
        Kernels.Maximum<float>([], [0, 3], [1f, 2f, 3f], [3], [], [0, 3]);
        Kernels.Mod<int>([], [0], [1], [1], [], [0]);
    }

    [Fact]
    public void No_kernel_allocates()
    {
        int[] aShape = [2, 1, 37], bShape = [3, 1], dShape = [2, 3, 37];
        float[] x = Values(Size(aShape), 0.1, 3, 28), y = Values(Size(bShape), -2, 2, 29), d = new float[Size(dShape)], e = new float[x.Length];
        long[] l = Longs(Size(aShape), 30), m = Longs(Size(bShape), 31).Select(v => v == 0 ? 1 : v).ToArray(), ld = new long[d.Length];
        uint[] u = [.. l.Select(v => (uint)v)], s = [.. m.Select(v => (uint)Math.Abs(v) % 33)], ud = new uint[d.Length];
        bool[] c = [.. l.Select(v => v > 0)], bd = new bool[d.Length];
        int[] sliceStarts = [0, 0, 36], sliceSteps = [1, 1, -1];
        long[] indices = [0, 1, -1];
        float[] three = [3f]; // a collection expression in the loop would be the test's own allocation

        long allocated = Allocations.PerLoop(warmUp: 5, calls: 20, _ =>
        {
            Kernels.Tan(x, e); Kernels.Asin(x, e); Kernels.Acos(x, e); Kernels.Atan(x, e); Kernels.Sinh(x, e); Kernels.Cosh(x, e);
            Kernels.Asinh(x, e); Kernels.Acosh(x, e); Kernels.Atanh(x, e); Kernels.Erf(x, e); Kernels.Gelu(x, e); Kernels.GeluTanh(x, e);
            Kernels.HardSwish(x, e); Kernels.Celu(x, 1.5f, e); Kernels.Mish(x, e);
            Kernels.Neg<float>(x, e); Kernels.Abs<long>(l, ld.AsSpan(0, l.Length)); Kernels.Sign<float>(x, e);
            Kernels.IsNaN<float>(x, bd.AsSpan(0, x.Length)); Kernels.IsInf<float>(x, true, true, bd.AsSpan(0, x.Length));
            Kernels.Pow<float, float>(x, aShape, y, bShape, d, dShape); Kernels.Pow<float, long>(x, aShape, m, bShape, d, dShape);
            Kernels.Pow<float, float>(x, aShape, three, [], e, aShape);
            Kernels.Mod<long>(l, aShape, m, bShape, ld, dShape); Kernels.FMod<float>(x, aShape, y, bShape, d, dShape);
            Kernels.PRelu<float>(x, aShape, y.AsSpan(0, 1), [], e, aShape);
            Kernels.BitShiftLeft<uint>(u, aShape, s, bShape, ud, dShape); Kernels.BitShiftRight<uint>(u, aShape, s, bShape, ud, dShape);
            Kernels.Maximum<float>(x, aShape, y, bShape, d, dShape); Kernels.Minimum<long>(l, aShape, m, bShape, ld, dShape);
            Kernels.Add<long>(l, aShape, m, bShape, ld, dShape); Kernels.Less<long>(l, aShape, m, bShape, bd, dShape);
            Kernels.Xor(c, aShape, c, aShape, bd.AsSpan(0, c.Length), aShape);
            Kernels.Where<float>(c, aShape, x, aShape, y, bShape, d, dShape);
            Kernels.Gather<float>(x, 2, 37, 1, indices, e.AsSpan(0, 6));
            Kernels.Slice<float>(x, aShape, sliceStarts, sliceSteps, e, aShape);
            Kernels.Expand<float>(y, bShape, d, dShape);
            Kernels.Cast<long, float>(l, e);
        });

        Assert.Equal(0, allocated);
    }

    // --- tolerances ---

    private static void AssertUlps(double expected, float actual, int ulps, string what)
    {
        float e = (float)expected;
        if (float.IsNaN(e) || float.IsInfinity(e))
        {
            Assert.Equal(e, actual);
            return;
        }
        double ulp = Math.Max(MathF.BitIncrement(Math.Abs(e)) - Math.Abs(e), float.Epsilon);
        Assert.True(Math.Abs(actual - expected) <= ulps * ulp, $"{what}: {actual} against {expected} ({Math.Abs(actual - expected) / ulp:F1} ulps)");
    }

    // Where a float formula cancels (1 + erf near −1, x/6 + 1/2 near −3), its error is the terms' rounding: bounded in
    // ulps of the output's largest magnitude, as the conformance run bounds the compiled clients.
    private static void AssertCloseToLargest(double[] expected, float[] actual, int ulps)
    {
        float largest = (float)expected.Max(Math.Abs);
        double bound = ulps * (MathF.BitIncrement(largest) - largest);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(actual[i] - expected[i]) <= bound, $"element {i}: {actual[i]} against {expected[i]} (bound {bound})");
    }
}
