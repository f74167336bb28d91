using System;
using System.Numerics;

namespace TypedModels.Compiled;

// Hardmax and LpNormalization: each normalises the lines of [outer, axis, inner] along the axis, as ONNX Runtime's
// kernels do (the first maximum wins; a line whose norm is 0 becomes zeros, the norm summed in order).
public static partial class Kernels
{
    /// <summary>
    /// <c>Hardmax</c> of <paramref name="x"/> viewed as [<paramref name="outer"/>, <paramref name="axis"/>,
    /// <paramref name="inner"/>]: along each line, 1 at the first of its largest elements and 0 elsewhere.
    /// </summary>
    public static void Hardmax<T>(ReadOnlySpan<T> x, int outer, int axis, int inner, Span<T> d) where T : INumber<T>
    {
        d.Slice(0, outer * axis * inner).Clear();
        if (axis == 0)
            return;
        for (int o = 0; o < outer; o++)
        {
            for (int i = 0; i < inner; i++)
            {
                int at = o * axis * inner + i, best = 0;
                T largest = x[at];
                for (int a = 1; a < axis; a++)
                {
                    if (x[at + a * inner] > largest)
                        (largest, best) = (x[at + a * inner], a);
                }
                d[at + best * inner] = T.One;
            }
        }
    }

    /// <summary>
    /// <c>LpNormalization</c> of <paramref name="x"/> viewed as [<paramref name="outer"/>, <paramref name="axis"/>,
    /// <paramref name="inner"/>]: each line divided by its norm, Σ|x| for <paramref name="p"/> 1 or √(Σx²) for 2, summed in
    /// order; a line whose norm is 0 becomes zeros.
    /// </summary>
    public static void LpNormalization<T>(ReadOnlySpan<T> x, int outer, int axis, int inner, int p, Span<T> d) where T : IFloatingPointIeee754<T>
    {
        for (int o = 0; o < outer; o++)
        {
            for (int i = 0; i < inner; i++)
            {
                int at = o * axis * inner + i;
                T norm = T.Zero;
                for (int a = 0; a < axis; a++)
                {
                    T value = x[at + a * inner];
                    norm += p == 1 ? T.Abs(value) : value * value;
                }
                if (p != 1)
                    norm = T.Sqrt(norm);
                for (int a = 0; a < axis; a++)
                    d[at + a * inner] = norm == T.Zero ? T.Zero : x[at + a * inner] / norm;
            }
        }
    }
}
