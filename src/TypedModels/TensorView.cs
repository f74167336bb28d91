using System;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;

namespace TypedModels;

/// <summary>
/// A read-only view of an output tensor and its shape, in row-major order. It points into the client's own
/// buffers: valid until the next <c>Predict</c> on that client or its disposal. Copy with <see cref="ToArray"/>
/// to keep the values longer.
/// </summary>
/// <remarks>
/// <para>
/// Elements are read by flat index (<c>view[7]</c>, one index is always the flat one), or by one index per dim:
/// <c>view[i, j]</c>, <c>view[i, j, k]</c>, <c>view[i, j, k, l]</c>, and <c>view[indices]</c> for any rank (a
/// <c>params ReadOnlySpan&lt;int&gt;</c>, so <c>view[i, j, k, l, m]</c> works too, and <c>view[[]]</c> reads a rank-0
/// tensor). <see cref="RowView"/> takes one index of the first dim and returns the rest as a view of rank one lower
/// (an image of a batch, a row of a matrix), which indexes the same way; <see cref="Row"/> returns the same elements
/// as a span.
/// </para>
/// <para>
/// None of them allocates. An index outside its dim throws an <see cref="ArgumentOutOfRangeException"/> that names the
/// dim, its size, the index and the shape; a number of indices other than the rank throws an
/// <see cref="ArgumentException"/>.
/// </para>
/// </remarks>
public readonly ref struct TensorView<T>
{
    /// <summary>Wraps <paramref name="span"/> with its <paramref name="shape"/>; the dims' product must be the span's length.</summary>
    public TensorView(ReadOnlySpan<T> span, ReadOnlySpan<long> shape)
    {
        Span = span;
        Shape = shape;
    }

    /// <summary>All elements, row-major.</summary>
    public ReadOnlySpan<T> Span { get; }

    /// <summary>The tensor's dims.</summary>
    public ReadOnlySpan<long> Shape { get; }

    /// <summary>The number of dims: 0 for a scalar, 2 for a matrix.</summary>
    public int Rank => Shape.Length;

    /// <summary>The number of elements.</summary>
    public int Length => Span.Length;

    /// <summary>Whether the view holds no element (some dim is 0).</summary>
    public bool IsEmpty => Span.IsEmpty;

    /// <summary>The element at flat index <paramref name="index"/>, whatever the rank.</summary>
    /// <exception cref="IndexOutOfRangeException"><paramref name="index"/> is negative or not less than <see cref="Length"/>.</exception>
    public T this[int index] => Span[index];

    /// <summary>The element at (<paramref name="i"/>, <paramref name="j"/>) of a rank-2 view.</summary>
    /// <exception cref="ArgumentException">The view's rank is not 2.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An index is outside its dim.</exception>
    public T this[int i, int j]
    {
        get
        {
            var shape = Shape;
            if (shape.Length != 2)
                ThrowRank(2, shape);
            Check(i, 0, shape, nameof(i));
            Check(j, 1, shape, nameof(j));
            return Span[(int)(i * shape[1] + j)];
        }
    }

    /// <summary>The element at (<paramref name="i"/>, <paramref name="j"/>, <paramref name="k"/>) of a rank-3 view.</summary>
    /// <exception cref="ArgumentException">The view's rank is not 3.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An index is outside its dim.</exception>
    public T this[int i, int j, int k]
    {
        get
        {
            var shape = Shape;
            if (shape.Length != 3)
                ThrowRank(3, shape);
            Check(i, 0, shape, nameof(i));
            Check(j, 1, shape, nameof(j));
            Check(k, 2, shape, nameof(k));
            return Span[(int)((i * shape[1] + j) * shape[2] + k)];
        }
    }

    /// <summary>The element at (<paramref name="i"/>, <paramref name="j"/>, <paramref name="k"/>, <paramref name="l"/>) of a rank-4 view (NCHW images, say).</summary>
    /// <exception cref="ArgumentException">The view's rank is not 4.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An index is outside its dim.</exception>
    public T this[int i, int j, int k, int l]
    {
        get
        {
            var shape = Shape;
            if (shape.Length != 4)
                ThrowRank(4, shape);
            Check(i, 0, shape, nameof(i));
            Check(j, 1, shape, nameof(j));
            Check(k, 2, shape, nameof(k));
            Check(l, 3, shape, nameof(l));
            return Span[(int)(((i * shape[1] + j) * shape[2] + k) * shape[3] + l)];
        }
    }

    /// <summary>
    /// The element at <paramref name="indices"/>, one per dim, for a view of any rank; an empty span reads a rank-0
    /// view. Written <c>view[i, j, k, l, m]</c> the indices live on the stack: nothing is allocated.
    /// </summary>
    /// <exception cref="ArgumentException">The number of indices is not the view's rank.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An index is outside its dim.</exception>
    public T this[params scoped ReadOnlySpan<int> indices]
    {
        get
        {
            var shape = Shape;
            if (indices.Length != shape.Length)
                ThrowRank(indices.Length, shape);
            long offset = 0;
            for (int d = 0; d < indices.Length; d++)
            {
                Check(indices[d], d, shape, nameof(indices));
                offset = offset * shape[d] + indices[d];
            }
            return Span[(int)offset];
        }
    }

    /// <summary>
    /// Index <paramref name="index"/> of the first dim, as a view of the remaining dims (rank one lower): one example
    /// of a batch, one row of a matrix, one element (rank 0) of a vector. It points into the same buffer.
    /// </summary>
    /// <exception cref="InvalidOperationException">The view has rank 0.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is outside the first dim.</exception>
    public TensorView<T> RowView(int index)
    {
        var shape = Shape;
        if (shape.Length == 0)
            ThrowRankZero(nameof(RowView));
        Check(index, 0, shape, nameof(index));
        int width = Span.Length / (int)shape[0];
        return new TensorView<T>(Span.Slice(index * width, width), shape[1..]);
    }

    /// <summary>The elements of row <paramref name="index"/> of the first dim, e.g. one example of a batch: <see cref="RowView"/>'s elements.</summary>
    /// <exception cref="InvalidOperationException">The view has rank 0.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is outside the first dim.</exception>
    public ReadOnlySpan<T> Row(int index)
    {
        var shape = Shape;
        if (shape.Length == 0)
            ThrowRankZero(nameof(Row));
        Check(index, 0, shape, nameof(index));
        int width = Span.Length / (int)shape[0];
        return Span.Slice(index * width, width);
    }

    /// <summary>Copies the elements into a new array.</summary>
    public T[] ToArray() => Span.ToArray();

    /// <summary>Enumerates the elements, so a view works in <c>foreach</c>.</summary>
    public ReadOnlySpan<T>.Enumerator GetEnumerator() => Span.GetEnumerator();

    /// <summary>The view's elements.</summary>
    public static implicit operator ReadOnlySpan<T>(TensorView<T> view) => view.Span;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Check(int index, int dim, ReadOnlySpan<long> shape, string parameter)
    {
        // One unsigned comparison refuses negative indices too.
        if ((ulong)(long)index >= (ulong)shape[dim])
            ThrowIndex(index, dim, shape, parameter);
    }

    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowIndex(int index, int dim, ReadOnlySpan<long> shape, string parameter) =>
        throw new ArgumentOutOfRangeException(parameter,
            $"index {index} is out of range for dim {dim} of size {shape[dim]} (shape {ShapeText(shape)})");

    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowRank(int given, ReadOnlySpan<long> shape) =>
        throw new ArgumentException(
            $"{given} {(given == 1 ? "index was" : "indices were")} given for a view of rank {shape.Length} (shape {ShapeText(shape)}); " +
            $"give one index per dim, or a single flat index");

    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowRankZero(string method) =>
        throw new InvalidOperationException($"{method} needs a view of rank 1 or more; this one has rank 0 (shape []): read its element with view[0]");

    internal static string ShapeText(ReadOnlySpan<long> shape)
    {
        var text = new StringBuilder("[");
        for (int d = 0; d < shape.Length; d++)
            text.Append(d == 0 ? "" : ", ").Append(shape[d].ToString(CultureInfo.InvariantCulture));
        return text.Append(']').ToString();
    }
}
