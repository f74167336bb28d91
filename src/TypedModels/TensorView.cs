using System;

namespace TypedModels;

/// <summary>
/// A read-only view of an output tensor and its shape, in row-major order. It points into the client's own
/// buffers: valid until the next <c>Predict</c> on that client or its disposal. Copy with <see cref="ToArray"/>
/// to keep the values longer.
/// </summary>
public readonly ref struct TensorView<T>
{
    /// <summary>Wraps <paramref name="span"/> with its <paramref name="shape"/>.</summary>
    public TensorView(ReadOnlySpan<T> span, ReadOnlySpan<long> shape)
    {
        Span = span;
        Shape = shape;
    }

    /// <summary>All elements, row-major.</summary>
    public ReadOnlySpan<T> Span { get; }

    /// <summary>The tensor's dims.</summary>
    public ReadOnlySpan<long> Shape { get; }

    /// <summary>The number of elements.</summary>
    public int Length => Span.Length;

    /// <summary>The element at flat index <paramref name="index"/>.</summary>
    public T this[int index] => Span[index];

    /// <summary>The elements of row <paramref name="index"/> of the first dim, e.g. one example of a batch.</summary>
    public ReadOnlySpan<T> Row(int index)
    {
        int width = Shape.Length == 0 || Shape[0] == 0 ? 0 : Span.Length / (int)Shape[0];
        return Span.Slice(index * width, width);
    }

    /// <summary>Copies the elements into a new array.</summary>
    public T[] ToArray() => Span.ToArray();

    /// <summary>Enumerates the elements, so a view works in <c>foreach</c>.</summary>
    public ReadOnlySpan<T>.Enumerator GetEnumerator() => Span.GetEnumerator();

    /// <summary>The view's elements.</summary>
    public static implicit operator ReadOnlySpan<T>(TensorView<T> view) => view.Span;
}
