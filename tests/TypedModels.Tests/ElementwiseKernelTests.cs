using System;
using System.Linq;
using TypedModels.Compiled;

namespace TypedModels.Tests;

/// <summary>
/// The elementwise kernels against the plainest loop over ONNX's definition, on 1,000 values (past any vector width)
/// from −20 to 20 with zeros, halves and both signs of zero: exact where the definition is exact arithmetic, within a
/// few ulps where it is a transcendental function (ONNX Runtime's and .NET's approximations differ there).
/// </summary>
public sealed class ElementwiseKernelTests
{
    private static readonly float[] X = [0f, -0f, 0.5f, -0.5f, 1.5f, -2.5f, 1f, -1f,
        .. Enumerable.Range(0, 992).Select(i => (float)(new Random(i).NextDouble() * 40 - 20))];

    public delegate void Kernel(ReadOnlySpan<float> x, Span<float> d);

    public static TheoryData<string> Exact => ["Abs", "Neg", "Floor", "Ceil", "Round", "Sqrt", "Reciprocal", "Softsign"];

    [Theory]
    [MemberData(nameof(Exact))]
    public void Exact_kernels_match_their_definition_bit_for_bit(string op)
    {
        var (kernel, reference) = Of(op);
        Assert.Equal(X.Select(v => BitConverter.SingleToInt32Bits(reference(v))), Run(kernel).Select(BitConverter.SingleToInt32Bits));
    }

    [Theory]
    [InlineData("Exp")]
    [InlineData("Log")]
    [InlineData("Sin")]
    [InlineData("Cos")]
    [InlineData("Softplus")]
    public void Transcendental_kernels_are_within_two_ulps_of_double_precision(string op)
    {
        var (kernel, reference) = Of(op);
        var actual = Run(kernel);
        for (int i = 0; i < X.Length; i++)
            AssertUlps(reference(X[i]), actual[i], 2, $"{op}({X[i]})");
    }

    [Fact]
    public void Kernels_with_attributes_follow_onnx_defaults_and_formulas()
    {
        var d = new float[X.Length];
        Kernels.HardSigmoid(X, 0.2f, 0.5f, d);
        Assert.Equal(X.Select(v => Math.Max(0f, Math.Min(1f, 0.2f * v + 0.5f))), d);
        Kernels.ThresholdedRelu(X, 1f, d);
        Assert.Equal(X.Select(v => v > 1f ? v : 0f), d);
        Kernels.Clip(X, -1f, 6f, d);
        Assert.Equal(X.Select(v => v < -1f ? -1f : v > 6f ? 6f : v), d);
        Kernels.Clip([float.NaN], -1f, 6f, d.AsSpan(0, 1));
        Assert.True(float.IsNaN(d[0]));

        Kernels.Elu(X, 0.5f, d);
        for (int i = 0; i < X.Length; i++)
            AssertUlps(X[i] < 0 ? 0.5 * (Math.Exp(X[i]) - 1) : X[i], d[i], 2, $"Elu({X[i]})");
        // ONNX's formula, γ·(α·e^x − α), cancels near 0 in float as ONNX Runtime computes it: the bound is the conformance
        // run's, 4 ulps of the output's largest magnitude.
        const float alpha = 1.67326319217681884765625f, gamma = 1.05070102214813232421875f;
        Kernels.Selu(X, alpha, gamma, d);
        var selu = X.Select(v => v <= 0 ? gamma * (alpha * Math.Exp(v) - alpha) : gamma * (double)v).ToArray();
        float largest = (float)selu.Max(Math.Abs);
        for (int i = 0; i < X.Length; i++)
            Assert.True(Math.Abs(d[i] - selu[i]) <= 4 * (MathF.BitIncrement(largest) - largest), $"Selu({X[i]}): {d[i]} against {selu[i]}");
    }

    [Theory]
    [InlineData(2, 5, 3)]   // a middle axis
    [InlineData(6, 5, 1)]   // the last axis
    public void LogSoftmax_is_x_minus_the_log_of_the_sum_of_exponentials(int outer, int axis, int inner)
    {
        float[] x = [.. X.Take(outer * axis * inner)];
        var d = new float[x.Length];
        Kernels.LogSoftmax(x, d, outer, axis, inner);
        for (int o = 0; o < outer; o++)
            for (int i = 0; i < inner; i++)
            {
                var along = Enumerable.Range(0, axis).Select(k => (double)x[(o * axis + k) * inner + i]).ToArray();
                double log = Math.Log(along.Sum(v => Math.Exp(v - along.Max()))) + along.Max();
                // x − max − log cancels near the row's maximum: the bound is 4 ulps of the row's largest magnitude.
                float largest = (float)along.Max(v => Math.Abs(v - log));
                for (int k = 0; k < axis; k++)
                {
                    float actual = d[(o * axis + k) * inner + i];
                    Assert.True(Math.Abs(actual - (along[k] - log)) <= 4 * (MathF.BitIncrement(largest) - largest), $"LogSoftmax[{o}, {k}, {i}]: {actual} against {along[k] - log}");
                }
            }
    }

    [Fact]
    public void An_empty_tensor_is_a_valid_call()
    {
        foreach (string op in Exact.Concat(["Exp", "Log", "Sin", "Cos", "Softplus"]))
            Of(op).Kernel([], []);
    }

    private static float[] Run(Kernel kernel)
    {
        var d = new float[X.Length];
        kernel(X, d);
        return d;
    }

    private static (Kernel Kernel, Func<float, float> Reference) Of(string op) => op switch
    {
        "Abs" => (Kernels.Abs, v => v < 0 || (v == 0 && float.IsNegative(v)) ? -v : v),
        "Neg" => (Kernels.Neg, v => -v),
        "Floor" => (Kernels.Floor, v => (float)Math.Floor(v)),
        "Ceil" => (Kernels.Ceil, v => (float)Math.Ceiling(v)),
        "Round" => (Kernels.Round, v => (float)Math.Round(v, MidpointRounding.ToEven)),
        "Sqrt" => (Kernels.Sqrt, v => (float)Math.Sqrt(v)),
        "Reciprocal" => (Kernels.Reciprocal, v => 1 / v),
        "Softsign" => (Kernels.Softsign, v => v / (1 + Math.Abs(v))),
        "Exp" => (Kernels.Exp, v => (float)Math.Exp(v)),
        "Log" => (Kernels.Log, v => (float)Math.Log(v)),
        "Sin" => (Kernels.Sin, v => (float)Math.Sin(v)),
        "Cos" => (Kernels.Cos, v => (float)Math.Cos(v)),
        "Softplus" => (Kernels.Softplus, v => (float)Math.Log(1 + Math.Exp((double)v))),
        _ => throw new ArgumentException(op),
    };

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
}
