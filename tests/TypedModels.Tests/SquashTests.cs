using System;
using TypedModels.Compiled;

namespace TypedModels.Tests;

/// <summary>
/// The recurrent kernels' sigmoid and tanh (Kernels.Squash.cs) against double: every 97th float in [−20, 20] (about
/// 11 million, both sides of tanh's switch from its series at 0.5, and of the vector tails) within the ulps the file
/// states, the limits, NaN, and the same bits in a vector lane as in the scalar tail.
/// </summary>
public sealed class SquashTests
{
    [Fact]
    public void Sigmoid_is_within_3_ulps_of_exact() =>
        Check(Kernels.FastSigmoid, x => 1 / (1 + Math.Exp(-x)), 3);

    [Fact]
    public void Tanh_is_within_3_ulps_of_exact() =>
        Check(Kernels.FastTanh, Math.Tanh, 3);

    [Fact]
    public void The_limits_and_NaN()
    {
        float[] x = [float.NegativeInfinity, -200f, -30f, 0f, -0f, 30f, 200f, float.PositiveInfinity, float.NaN, 1e-30f, -1e-30f];
        var s = (float[])x.Clone();
        Kernels.FastSigmoid(s);
        // Below −87.3 e^x is clamped to a normal float: sigmoid is then 4.5E-39, not 0 (nor the subnormal it rounds to).
        Assert.Equal([0f, 0f, (float)(1 / (1 + Math.Exp(30))), 0.5f, 0.5f, 1f, 1f, 1f], s[..8], (a, b) => Math.Abs(a - b) <= 1e-38f + 1e-6f * Math.Abs(b));
        Assert.True(float.IsNaN(s[8]));
        var t = (float[])x.Clone();
        Kernels.FastTanh(t);
        Assert.Equal([-1f, -1f, -1f, 0f, -0f, 1f, 1f, 1f], t[..8]);
        Assert.True(float.IsNaN(t[8]));
        Assert.Equal(1e-30f, t[9]);
        Assert.Equal(-1e-30f, t[10]);
    }

    private delegate void Squash(Span<float> v);

    private static void Check(Squash squash, Func<double, double> exact, double ulps)
    {
        // 2,049 values a call: 128 vectors of 16 and a scalar tail of one.
        var chunk = new float[2049];
        var input = new float[chunk.Length];
        double worst = 0;
        float worstAt = 0;
        int filled = 0;
        for (uint bits = 0; bits < 0x41A00000u; bits += 97)
        {
            foreach (float value in new[] { BitConverter.UInt32BitsToSingle(bits), -BitConverter.UInt32BitsToSingle(bits) })
            {
                input[filled] = chunk[filled] = value;
                if (++filled < chunk.Length)
                    continue;
                squash(chunk);
                for (int i = 0; i < filled; i++)
                {
                    double expected = exact(input[i]);
                    double ulp = MathF.BitIncrement(MathF.Abs((float)expected)) - MathF.Abs((float)expected);
                    double error = Math.Abs(chunk[i] - expected) / ulp;
                    if (error > worst)
                        (worst, worstAt) = (error, input[i]);
                }
                // A lane's value is the scalar tail's.
                var tail = new[] { input[5] };
                squash(tail);
                Assert.Equal(chunk[5], tail[0]);
                filled = 0;
            }
        }
        Assert.True(worst <= ulps, $"worst {worst:0.##} ulps at {worstAt:R}");
    }
}
