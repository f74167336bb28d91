using System;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace TypedModels.Compiled;

// The elementwise unary family: one float in, one float out, with the attributes ONNX gives each op. TensorPrimitives
// where it has the op (vectorised), a plain loop where ONNX's definition is a formula of its own. The trigonometric and
// hyperbolic functions call MathF per element, as ONNX Runtime's Eigen kernels call the C library's. A few kernels are
// generic: Neg and Abs on the signed integers and double, Sign on every number type, IsNaN and IsInf giving bool.
public static partial class Kernels
{
    /// <summary><c>Abs</c>.</summary>
    public static void Abs(ReadOnlySpan<float> x, Span<float> d) => TensorPrimitives.Abs(x, d);

    /// <summary><c>Neg</c>.</summary>
    public static void Neg(ReadOnlySpan<float> x, Span<float> d) => TensorPrimitives.Negate(x, d);

    /// <summary><c>Floor</c>.</summary>
    public static void Floor(ReadOnlySpan<float> x, Span<float> d) => TensorPrimitives.Floor(x, d);

    /// <summary><c>Ceil</c>.</summary>
    public static void Ceil(ReadOnlySpan<float> x, Span<float> d) => TensorPrimitives.Ceiling(x, d);

    /// <summary><c>Round</c>: halves to even, as ONNX defines it.</summary>
    public static void Round(ReadOnlySpan<float> x, Span<float> d) => TensorPrimitives.Round(x, d);

    /// <summary><c>Sqrt</c>.</summary>
    public static void Sqrt(ReadOnlySpan<float> x, Span<float> d) => TensorPrimitives.Sqrt(x, d);

    /// <summary><c>Reciprocal</c>: 1 / x.</summary>
    public static void Reciprocal(ReadOnlySpan<float> x, Span<float> d) => TensorPrimitives.Reciprocal(x, d);

    /// <summary><c>Exp</c>.</summary>
    public static void Exp(ReadOnlySpan<float> x, Span<float> d) => TensorPrimitives.Exp(x, d);

    /// <summary><c>Log</c>: the natural logarithm.</summary>
    public static void Log(ReadOnlySpan<float> x, Span<float> d) => TensorPrimitives.Log(x, d);

    /// <summary><c>Sin</c>.</summary>
    public static void Sin(ReadOnlySpan<float> x, Span<float> d) => TensorPrimitives.Sin(x, d);

    /// <summary><c>Cos</c>.</summary>
    public static void Cos(ReadOnlySpan<float> x, Span<float> d) => TensorPrimitives.Cos(x, d);

    /// <summary><c>Softsign</c>: x / (1 + |x|).</summary>
    public static void Softsign(ReadOnlySpan<float> x, Span<float> d)
    {
        for (int i = 0; i < x.Length; i++)
            d[i] = x[i] / (1 + MathF.Abs(x[i]));
    }

    /// <summary>
    /// <c>Softplus</c>: ln(1 + e^x), in double and with ln(1 + y) taken as LogP1, so that neither a large x overflows nor a
    /// very negative one rounds to 0 (Mish, x·tanh(softplus(x)), then loses its small negative tail).
    /// </summary>
    public static void Softplus(ReadOnlySpan<float> x, Span<float> d)
    {
        for (int i = 0; i < x.Length; i++)
        {
            double v = x[i];
            d[i] = (float)(v > 0 ? v + double.LogP1(Math.Exp(-v)) : double.LogP1(Math.Exp(v)));
        }
    }

    /// <summary><c>HardSigmoid</c>: max(0, min(1, alpha·x + beta)).</summary>
    /// <remarks>
    /// A vector at a time where the hardware has them: alpha·x rounded, then + beta rounded (no FMA, as the scalar
    /// expression rounds), and Vector*.Min/Max, which order NaN and ±0 as MathF.Min/Max do; the tail one by one.
    /// </remarks>
    public static void HardSigmoid(ReadOnlySpan<float> x, float alpha, float beta, Span<float> d)
    {
        if (d.Length < x.Length)
            throw new ArgumentException("The output is shorter than the input.", nameof(d));
        ref float xr = ref MemoryMarshal.GetReference(x);
        ref float dr = ref MemoryMarshal.GetReference(d);
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            var a = Vector512.Create(alpha);
            var b = Vector512.Create(beta);
            for (; i + Vector512<float>.Count <= x.Length; i += Vector512<float>.Count)
                Vector512.Max(Vector512<float>.Zero, Vector512.Min(Vector512<float>.One, a * Vector512.LoadUnsafe(ref xr, (nuint)i) + b)).StoreUnsafe(ref dr, (nuint)i);
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            var a = Vector256.Create(alpha);
            var b = Vector256.Create(beta);
            for (; i + Vector256<float>.Count <= x.Length; i += Vector256<float>.Count)
                Vector256.Max(Vector256<float>.Zero, Vector256.Min(Vector256<float>.One, a * Vector256.LoadUnsafe(ref xr, (nuint)i) + b)).StoreUnsafe(ref dr, (nuint)i);
        }
        for (; i < x.Length; i++)
            d[i] = MathF.Max(0, MathF.Min(1, alpha * x[i] + beta));
    }

    /// <summary><c>Elu</c>: x, or alpha·(e^x − 1) where x is negative.</summary>
    public static void Elu(ReadOnlySpan<float> x, float alpha, Span<float> d)
    {
        for (int i = 0; i < x.Length; i++)
            d[i] = x[i] < 0 ? alpha * (MathF.Exp(x[i]) - 1) : x[i];
    }

    /// <summary><c>Selu</c>: gamma·x, or gamma·(alpha·e^x − alpha) where x is not positive.</summary>
    public static void Selu(ReadOnlySpan<float> x, float alpha, float gamma, Span<float> d)
    {
        for (int i = 0; i < x.Length; i++)
            d[i] = x[i] <= 0 ? gamma * (alpha * MathF.Exp(x[i]) - alpha) : gamma * x[i];
    }

    /// <summary><c>ThresholdedRelu</c>: x where x &gt; alpha, else 0.</summary>
    public static void ThresholdedRelu(ReadOnlySpan<float> x, float alpha, Span<float> d)
    {
        for (int i = 0; i < x.Length; i++)
            d[i] = x[i] > alpha ? x[i] : 0;
    }

    /// <summary><c>Clip</c>: x held within [min, max], max winning when min exceeds it (ONNX's rule); NaN stays NaN.</summary>
    public static void Clip(ReadOnlySpan<float> x, float min, float max, Span<float> d)
    {
        for (int i = 0; i < x.Length; i++)
        {
            float y = x[i] < min ? min : x[i];
            d[i] = y > max ? max : y;
        }
    }

    /// <summary><c>Clip</c> with bounds computed by the model: one-element spans, empty for no bound.</summary>
    public static void ClipBy(ReadOnlySpan<float> x, ReadOnlySpan<float> min, ReadOnlySpan<float> max, Span<float> d) =>
        Clip(x, min.IsEmpty ? float.NegativeInfinity : min[0], max.IsEmpty ? float.PositiveInfinity : max[0], d);

    /// <summary><c>Tan</c>.</summary>
    public static void Tan(ReadOnlySpan<float> x, Span<float> d)
    {
        for (int i = 0; i < x.Length; i++)
            d[i] = MathF.Tan(x[i]);
    }

    /// <summary><c>Asin</c>: NaN outside [-1, 1].</summary>
    public static void Asin(ReadOnlySpan<float> x, Span<float> d)
    {
        for (int i = 0; i < x.Length; i++)
            d[i] = MathF.Asin(x[i]);
    }

    /// <summary><c>Acos</c>: NaN outside [-1, 1].</summary>
    public static void Acos(ReadOnlySpan<float> x, Span<float> d)
    {
        for (int i = 0; i < x.Length; i++)
            d[i] = MathF.Acos(x[i]);
    }

    /// <summary><c>Atan</c>.</summary>
    public static void Atan(ReadOnlySpan<float> x, Span<float> d)
    {
        for (int i = 0; i < x.Length; i++)
            d[i] = MathF.Atan(x[i]);
    }

    /// <summary><c>Sinh</c>.</summary>
    public static void Sinh(ReadOnlySpan<float> x, Span<float> d)
    {
        for (int i = 0; i < x.Length; i++)
            d[i] = MathF.Sinh(x[i]);
    }

    /// <summary><c>Cosh</c>.</summary>
    public static void Cosh(ReadOnlySpan<float> x, Span<float> d)
    {
        for (int i = 0; i < x.Length; i++)
            d[i] = MathF.Cosh(x[i]);
    }

    /// <summary><c>Asinh</c>.</summary>
    public static void Asinh(ReadOnlySpan<float> x, Span<float> d)
    {
        for (int i = 0; i < x.Length; i++)
            d[i] = MathF.Asinh(x[i]);
    }

    /// <summary><c>Acosh</c>: NaN below 1.</summary>
    public static void Acosh(ReadOnlySpan<float> x, Span<float> d)
    {
        for (int i = 0; i < x.Length; i++)
            d[i] = MathF.Acosh(x[i]);
    }

    /// <summary><c>Atanh</c>: ±∞ at ±1, NaN beyond.</summary>
    public static void Atanh(ReadOnlySpan<float> x, Span<float> d)
    {
        for (int i = 0; i < x.Length; i++)
            d[i] = MathF.Atanh(x[i]);
    }

    /// <summary><c>Erf</c>, the error function, within an ulp of the exact value (see <see cref="ErfOf"/>).</summary>
    public static void Erf(ReadOnlySpan<float> x, Span<float> d)
    {
        for (int i = 0; i < x.Length; i++)
            d[i] = ErfOf(x[i]);
    }

    /// <summary>
    /// <c>Gelu</c> with approximate="none": 0.5·x·(1 + erf(x/√2)), in the order ONNX Runtime computes it (x times
    /// float's 1/√2, the error function, then half x times one plus it).
    /// </summary>
    public static void Gelu(ReadOnlySpan<float> x, Span<float> d)
    {
        for (int i = 0; i < x.Length; i++)
            d[i] = 0.5f * x[i] * (ErfOf(x[i] * InverseSqrt2) + 1f);
    }

    /// <summary>
    /// <c>Gelu</c> with approximate="tanh": 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))), as ONNX Runtime evaluates it:
    /// x·(c·x·x + √(2/π)) with c = 0.044715·√(2/π), the vector tanh of that, then half x times one plus it.
    /// </summary>
    public static void GeluTanh(ReadOnlySpan<float> x, Span<float> d)
    {
        for (int i = 0; i < x.Length; i++)
            d[i] = x[i] * (GeluCubic * x[i] * x[i] + Sqrt2OverPi);
        Tanh(d.Slice(0, x.Length), d);
        for (int i = 0; i < x.Length; i++)
            d[i] = 0.5f * x[i] * (d[i] + 1f);
    }

    /// <summary><c>HardSwish</c>: x·max(0, min(1, x/6 + 1/2)), ONNX's HardSigmoid (alpha 1/6, beta 1/2) times x.</summary>
    /// <remarks>Vectors where the hardware has them, rounding step by step as the scalar tail does (see <see cref="HardSigmoid"/>).</remarks>
    public static void HardSwish(ReadOnlySpan<float> x, Span<float> d)
    {
        if (d.Length < x.Length)
            throw new ArgumentException("The output is shorter than the input.", nameof(d));
        ref float xr = ref MemoryMarshal.GetReference(x);
        ref float dr = ref MemoryMarshal.GetReference(d);
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            for (; i + Vector512<float>.Count <= x.Length; i += Vector512<float>.Count)
                HardSwish(Vector512.LoadUnsafe(ref xr, (nuint)i)).StoreUnsafe(ref dr, (nuint)i);
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            var sixth = Vector256.Create(1f / 6);
            var half = Vector256.Create(0.5f);
            for (; i + Vector256<float>.Count <= x.Length; i += Vector256<float>.Count)
            {
                var v = Vector256.LoadUnsafe(ref xr, (nuint)i);
                (v * Vector256.Max(Vector256<float>.Zero, Vector256.Min(Vector256<float>.One, sixth * v + half))).StoreUnsafe(ref dr, (nuint)i);
            }
        }
        for (; i < x.Length; i++)
            d[i] = x[i] * MathF.Max(0, MathF.Min(1, 1f / 6 * x[i] + 0.5f));
    }

    /// <summary>HardSwish of a vector, as the kernel computes it (a fast Conv applies it to its sums in registers).</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    internal static Vector512<float> HardSwish(Vector512<float> v) =>
        v * Vector512.Max(Vector512<float>.Zero, Vector512.Min(Vector512<float>.One, Vector512.Create(1f / 6) * v + Vector512.Create(0.5f)));

    /// <summary><c>Celu</c>: max(0, x) + min(0, alpha·(e^(x/alpha) − 1)).</summary>
    public static void Celu(ReadOnlySpan<float> x, float alpha, Span<float> d)
    {
        for (int i = 0; i < x.Length; i++)
            d[i] = MathF.Max(0, x[i]) + MathF.Min(0, alpha * (MathF.Exp(x[i] / alpha) - 1));
    }

    /// <summary>
    /// <c>Mish</c>: x·tanh(softplus(x)), in double and rounded once: softplus as <see cref="Softplus"/> takes it, so
    /// the small negative tail (x·e^x for very negative x) survives.
    /// </summary>
    public static void Mish(ReadOnlySpan<float> x, Span<float> d)
    {
        for (int i = 0; i < x.Length; i++)
        {
            double v = x[i];
            double softplus = v > 0 ? v + double.LogP1(Math.Exp(-v)) : double.LogP1(Math.Exp(v));
            d[i] = (float)(v * Math.Tanh(softplus));
        }
    }

    /// <summary><c>Neg</c> of any signed number type (the most negative integer stays itself, as two's complement wraps).</summary>
    public static void Neg<T>(ReadOnlySpan<T> x, Span<T> d) where T : INumberBase<T>
    {
        for (int i = 0; i < x.Length; i++)
            d[i] = -x[i];
    }

    /// <summary><c>Abs</c> of any number type (the most negative integer stays itself; unsigned values are their own).</summary>
    public static void Abs<T>(ReadOnlySpan<T> x, Span<T> d) where T : INumber<T>
    {
        for (int i = 0; i < x.Length; i++)
            d[i] = T.IsNegative(x[i]) ? -x[i] : x[i];
    }

    /// <summary><c>Sign</c>: 1, −1 or 0 of the input's type; NaN stays NaN, and zero keeps its sign.</summary>
    public static void Sign<T>(ReadOnlySpan<T> x, Span<T> d) where T : INumber<T>
    {
        for (int i = 0; i < x.Length; i++)
            d[i] = x[i] > T.Zero ? T.One : x[i] < T.Zero ? -T.One : x[i];
    }

    /// <summary><c>IsNaN</c>.</summary>
    public static void IsNaN<T>(ReadOnlySpan<T> x, Span<bool> d) where T : INumberBase<T>
    {
        for (int i = 0; i < x.Length; i++)
            d[i] = T.IsNaN(x[i]);
    }

    /// <summary><c>IsInf</c>: true at −∞ when <paramref name="detectNegative"/>, at +∞ when <paramref name="detectPositive"/>.</summary>
    public static void IsInf<T>(ReadOnlySpan<T> x, bool detectNegative, bool detectPositive, Span<bool> d) where T : INumberBase<T>
    {
        for (int i = 0; i < x.Length; i++)
            d[i] = (detectNegative && T.IsNegativeInfinity(x[i])) || (detectPositive && T.IsPositiveInfinity(x[i]));
    }

    private const float InverseSqrt2 = 0.707106781186547524f;
    private const float Sqrt2OverPi = 0.797884560802865356f;
    private const float GeluCubic = 0.0356774081363001f; // 0.044715·√(2/π)

    /// <summary>
    /// The error function of a float, evaluated in double and rounded once, so within half an ulp and a hair of the exact
    /// value (ONNX Runtime's MLAS polynomial is faithful, within one): below 1, x·P(x²); from 1 to 4, 1 − e^(−x²)·Q(x − 2.5),
    /// where Q approximates erfc(x)·e^(x²), which varies slowly; beyond 4, ±1 (erf rounds to 1 from 3.92). P and Q are
    /// Chebyshev fits, relative errors 2e-14 and 1e-12.
    /// </summary>
    internal static float ErfOf(float x)
    {
        double a = Math.Abs((double)x);
        double r;
        if (a < 1)
        {
            double t = a * a;
            double p = -1.0469110332151208e-07;
            p = p * t + 1.5306373163641084e-06;
            p = p * t - 1.4795031400662045e-05;
            p = p * t + 0.00012046261269779797;
            p = p * t - 0.0008547933736519633;
            p = p * t + 0.0052239671935439;
            p = p * t - 0.026866169050599326;
            p = p * t + 0.11283791658548713;
            p = p * t - 0.37612638902808615;
            p = p * t + 1.128379167095494;
            r = a * p;
        }
        else if (a < 4)
        {
            double u = a - 2.5;
            double q = -7.339280481114158e-11;
            q = q * u + 3.340662291947799e-10;
            q = q * u - 7.528481490174587e-10;
            q = q * u + 3.2038522132411806e-09;
            q = q * u - 1.6479753050781286e-08;
            q = q * u + 6.859409567751812e-08;
            q = q * u - 2.725315074912007e-07;
            q = q * u + 1.0832475200977074e-06;
            q = q * u - 4.214628822799401e-06;
            q = q * u + 1.5963415030926516e-05;
            q = q * u - 5.886881768230513e-05;
            q = q * u + 0.0002110191342561194;
            q = q * u - 0.0007335909695469796;
            q = q * u + 0.002467036967840306;
            q = q * u - 0.008001569379358807;
            q = q * u + 0.024937997073779614;
            q = q * u - 0.07434734678983279;
            q = q * u + 0.21080636406132255;
            r = 1 - Math.Exp(-a * a) * q;
        }
        else
        {
            r = a >= 4 ? 1 : a; // NaN stays NaN
        }
        return (float)double.CopySign(r, x);
    }
}
