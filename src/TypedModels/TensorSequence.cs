using System;
using System.Runtime.InteropServices;

namespace TypedModels;

/// <summary>
/// One tensor of a sequence input: its elements, row-major, and its shape. A sequence's tensors may differ in shape,
/// so each carries its own. An array converts to a rank-1 tensor.
/// </summary>
public readonly struct TensorInput<T> where T : unmanaged
{
    /// <summary>A tensor of <paramref name="shape"/> holding <paramref name="values"/>, row-major.</summary>
    public TensorInput(ReadOnlyMemory<T> values, params long[] shape)
    {
        Values = values;
        Shape = shape;
    }

    /// <summary>A tensor of <paramref name="shape"/> holding <paramref name="values"/>, row-major (so that <c>new([1f, 2], 1, 2)</c> reads as it should).</summary>
    public TensorInput(T[] values, params long[] shape)
        : this((ReadOnlyMemory<T>)values, shape)
    {
    }

    /// <summary>The elements, row-major.</summary>
    public ReadOnlyMemory<T> Values { get; }

    /// <summary>The dims.</summary>
    public long[] Shape { get; }

    /// <summary>A rank-1 tensor of <paramref name="values"/>.</summary>
    public static implicit operator TensorInput<T>(T[] values) => new(values, values.LongLength);
}

/// <summary>
/// A sequence output: its tensors, in order, each with its own shape. Read from ONNX Runtime after every call (a
/// sequence's length and shapes are only known then), so unlike tensor outputs it is the caller's to keep.
/// </summary>
public readonly struct TensorSequence<T> where T : unmanaged
{
    private readonly byte[][]? _values;
    private readonly long[][]? _shapes;

    internal TensorSequence(byte[][] values, long[][] shapes)
    {
        _values = values;
        _shapes = shapes;
    }

    /// <summary>How many tensors the sequence holds.</summary>
    public int Count => _values?.Length ?? 0;

    /// <summary>Tensor <paramref name="index"/>, a view that indexes like any other (<c>sequence[0][i, j]</c>, <see cref="TensorView{T}.RowView"/>).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is not that of a tensor of the sequence.</exception>
    public TensorView<T> this[int index]
    {
        get
        {
            if ((uint)index >= (uint)Count)
                ThrowIndex(index, Count);
            return new(MemoryMarshal.Cast<byte, T>(_values![index]), _shapes![index]);
        }
    }

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    private static void ThrowIndex(int index, int count) =>
        throw new ArgumentOutOfRangeException(nameof(index),
            $"tensor {index} is out of range for a sequence of {count} {(count == 1 ? "tensor" : "tensors")}");
}
