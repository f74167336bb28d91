using System;

namespace TypedModels.Compiled;

// Data movement by index: Gather, Slice and Expand over any element type. Shapes arrive resolved by the planner
// (Slice's starts clamped, its steps and the output's dims computed), so a kernel only walks.
public static partial class Kernels
{
    /// <summary>
    /// <c>Gather</c>: <paramref name="x"/> viewed as [outer, axis, inner]; for each outer position and each index (negative
    /// counts from the end of the axis), its inner block is copied. The output is [outer, indices, inner].
    /// </summary>
    /// <exception cref="IndexOutOfRangeException">An index lies outside [-axis, axis).</exception>
    public static void Gather<T>(ReadOnlySpan<T> x, int outer, int axis, int inner, ReadOnlySpan<long> indices, Span<T> d)
    {
        int at = 0;
        for (int o = 0; o < outer; o++)
        {
            for (int i = 0; i < indices.Length; i++)
            {
                long index = indices[i] < 0 ? indices[i] + axis : indices[i];
                if ((ulong)index >= (ulong)axis)
                    throw new IndexOutOfRangeException($"Gather: index {indices[i]} is outside an axis of {axis}.");
                x.Slice((int)((o * (long)axis + index) * inner), inner).CopyTo(d.Slice(at, inner));
                at += inner;
            }
        }
    }

    /// <summary>
    /// <c>Slice</c>: output element [i0, i1, …] is input element [starts[0] + i0·steps[0], …] of <paramref name="x"/>
    /// (dims <paramref name="shape"/>); <paramref name="dShape"/> is the output's. Starts are already clamped.
    /// </summary>
    public static void Slice<T>(ReadOnlySpan<T> x, ReadOnlySpan<int> shape, ReadOnlySpan<int> starts, ReadOnlySpan<int> steps, Span<T> d, ReadOnlySpan<int> dShape)
    {
        int rank = shape.Length;
        if (d.IsEmpty)
            return;
        Span<int> strides = stackalloc int[rank];
        RowMajorStrides(shape, strides);
        int offset = 0;
        for (int k = 0; k < rank; k++)
            offset += starts[k] * strides[k];
        Span<int> index = stackalloc int[rank];
        for (int o = 0; o < d.Length; o++)
        {
            d[o] = x[offset];
            for (int k = rank - 1; k >= 0; k--)
            {
                offset += steps[k] * strides[k];
                if (++index[k] < dShape[k])
                    break;
                offset -= steps[k] * strides[k] * dShape[k];
                index[k] = 0;
            }
        }
    }

    /// <summary><c>Expand</c> (and any broadcast copy): <paramref name="x"/> of <paramref name="shape"/> broadcast to <paramref name="dShape"/>.</summary>
    public static void Expand<T>(ReadOnlySpan<T> x, ReadOnlySpan<int> shape, Span<T> d, ReadOnlySpan<int> dShape)
    {
        int rank = dShape.Length;
        if (d.IsEmpty)
            return;
        Span<int> strides = stackalloc int[rank];
        Strides(shape, rank, strides);
        Span<int> index = stackalloc int[rank];
        int offset = 0;
        for (int o = 0; o < d.Length; o++)
        {
            d[o] = x[offset];
            for (int k = rank - 1; k >= 0; k--)
            {
                offset += strides[k];
                if (++index[k] < dShape[k])
                    break;
                offset -= strides[k] * dShape[k];
                index[k] = 0;
            }
        }
    }
}
