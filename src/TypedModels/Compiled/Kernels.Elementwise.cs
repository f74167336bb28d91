using System;
using System.Numerics.Tensors;

namespace TypedModels.Compiled;

// The elementwise unary family: one float in, one float out, with the attributes ONNX gives each op. TensorPrimitives
// where it has the op (vectorised), a plain loop where ONNX's definition is a formula of its own.
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
    public static void HardSigmoid(ReadOnlySpan<float> x, float alpha, float beta, Span<float> d)
    {
        for (int i = 0; i < x.Length; i++)
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

    /// <summary><c>Clip</c>: x held within [min, max]; NaN stays NaN.</summary>
    public static void Clip(ReadOnlySpan<float> x, float min, float max, Span<float> d)
    {
        for (int i = 0; i < x.Length; i++)
            d[i] = x[i] < min ? min : x[i] > max ? max : x[i];
    }
}
