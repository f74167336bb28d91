using System;
using System.Numerics;

namespace TypedModels.Compiled;

// Operators that pick or accumulate along one axis: ArgMax, ArgMin, CumSum, GatherElements, Trilu, Pad. The planner
// views tensors as [outer, axis, inner] where it can, so each kernel is a few plain loops.
public static partial class Kernels
{
    /// <summary>
    /// <c>ArgMax</c>: for each [outer, inner] position, the index along the axis of the largest element (the first of
    /// equal ones, or the last with <paramref name="selectLastIndex"/>).
    /// </summary>
    public static void ArgMax<T>(ReadOnlySpan<T> x, int outer, int axis, int inner, bool selectLastIndex, Span<long> d) where T : INumber<T> =>
        Arg<T>(x, outer, axis, inner, selectLastIndex, max: true, d);

    /// <summary><c>ArgMin</c>, as <see cref="ArgMax{T}"/> for the smallest.</summary>
    public static void ArgMin<T>(ReadOnlySpan<T> x, int outer, int axis, int inner, bool selectLastIndex, Span<long> d) where T : INumber<T> =>
        Arg<T>(x, outer, axis, inner, selectLastIndex, max: false, d);

    private static void Arg<T>(ReadOnlySpan<T> x, int outer, int axis, int inner, bool last, bool max, Span<long> d) where T : INumber<T>
    {
        for (int o = 0; o < outer; o++)
        {
            for (int i = 0; i < inner; i++)
            {
                int at = o * axis * inner + i;
                T best = x[at];
                long index = 0;
                for (int a = 1; a < axis; a++)
                {
                    T value = x[at + a * inner];
                    bool better = max ? (last ? value >= best : value > best) : (last ? value <= best : value < best);
                    if (better)
                        (best, index) = (value, a);
                }
                d[o * inner + i] = index;
            }
        }
    }

    /// <summary>
    /// <c>CumSum</c> along the axis of [outer, axis, inner]: each element the sum of those before it (and itself unless
    /// <paramref name="exclusive"/>), counted from the end with <paramref name="reverse"/>, summed in order.
    /// </summary>
    public static void CumSum<T>(ReadOnlySpan<T> x, int outer, int axis, int inner, bool exclusive, bool reverse, Span<T> d) where T : INumber<T>
    {
        for (int o = 0; o < outer; o++)
        {
            for (int i = 0; i < inner; i++)
            {
                T sum = T.Zero;
                for (int step = 0; step < axis; step++)
                {
                    int a = reverse ? axis - 1 - step : step;
                    int at = (o * axis + a) * inner + i;
                    if (exclusive)
                    {
                        d[at] = sum;
                        sum += x[at];
                    }
                    else
                    {
                        sum += x[at];
                        d[at] = sum;
                    }
                }
            }
        }
    }

    /// <summary>
    /// <c>GatherElements</c>: the output has the indices' shape; its element [i0, …, ik, …] is
    /// <paramref name="x"/>[i0, …, indices[…], …] with the index replacing the coordinate along <paramref name="axis"/>
    /// (negative counts from the end).
    /// </summary>
    /// <exception cref="IndexOutOfRangeException">An index lies outside the axis.</exception>
    public static void GatherElements<T>(ReadOnlySpan<T> x, ReadOnlySpan<int> shape, ReadOnlySpan<long> indices, ReadOnlySpan<int> indicesShape, int axis, Span<T> d)
    {
        int rank = shape.Length;
        if (d.IsEmpty)
            return;
        Span<int> strides = stackalloc int[rank];
        RowMajorStrides(shape, strides);
        Span<int> index = stackalloc int[rank];
        int offset = 0; // of the output's coordinates in x, the axis's left out
        for (int o = 0; o < d.Length; o++)
        {
            long at = indices[o] < 0 ? indices[o] + shape[axis] : indices[o];
            if ((ulong)at >= (ulong)shape[axis])
                throw new IndexOutOfRangeException($"GatherElements: index {indices[o]} is outside an axis of {shape[axis]}.");
            d[o] = x[offset + (int)at * strides[axis]];
            for (int k = rank - 1; k >= 0; k--)
            {
                int step = k == axis ? 0 : strides[k];
                offset += step;
                if (++index[k] < indicesShape[k])
                    break;
                offset -= step * indicesShape[k];
                index[k] = 0;
            }
        }
    }

    /// <summary>
    /// <c>Trilu</c> of <paramref name="matrices"/> matrices of [rows, columns]: the upper triangle (j − i ≥ k) or the lower
    /// (j − i ≤ k) kept, the rest zero.
    /// </summary>
    public static void Trilu<T>(ReadOnlySpan<T> x, int matrices, int rows, int columns, long k, bool upper, Span<T> d)
    {
        for (int m = 0; m < matrices; m++)
        {
            for (int i = 0; i < rows; i++)
            {
                for (int j = 0; j < columns; j++)
                {
                    int at = (m * rows + i) * columns + j;
                    bool keep = upper ? j - (long)i >= k : j - (long)i <= k;
                    d[at] = keep ? x[at] : default!;
                }
            }
        }
    }

    /// <summary>
    /// <c>Pad</c>: output element [o0, …] reads input [o0 − begin0, …] where that is inside; outside, by
    /// <paramref name="mode"/>: 0 constant (<paramref name="value"/>), 1 reflect (mirror without the edge), 2 edge
    /// (nearest), 3 wrap (periodic). <paramref name="pads"/> is [begin…, end…]; negative pads crop.
    /// </summary>
    public static void Pad<T>(ReadOnlySpan<T> x, ReadOnlySpan<int> shape, ReadOnlySpan<int> pads, int mode, T value, Span<T> d, ReadOnlySpan<int> dShape)
    {
        int rank = shape.Length;
        if (d.IsEmpty)
            return;
        Span<int> strides = stackalloc int[rank];
        RowMajorStrides(shape, strides);
        Span<int> index = stackalloc int[rank];
        for (int o = 0; o < d.Length; o++)
        {
            int offset = 0;
            bool inside = true;
            for (int k = 0; k < rank && inside; k++)
            {
                int at = index[k] - pads[k], size = shape[k];
                if (at < 0 || at >= size)
                {
                    switch (mode)
                    {
                        case 0:
                            inside = false;
                            break;
                        case 1:
                            int period = 2 * (size - 1);
                            at = period == 0 ? 0 : Math.Abs(at) % period;
                            at = at >= size ? period - at : at;
                            break;
                        case 2:
                            at = Math.Clamp(at, 0, size - 1);
                            break;
                        default:
                            at = ((at % size) + size) % size;
                            break;
                    }
                }
                offset += at * strides[k];
            }
            d[o] = inside ? x[offset] : value;
            for (int k = rank - 1; k >= 0; k--)
            {
                if (++index[k] < dShape[k])
                    break;
                index[k] = 0;
            }
        }
    }
}
