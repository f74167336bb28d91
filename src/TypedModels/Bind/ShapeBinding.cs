using System;
using Microsoft.ML.OnnxRuntime;

namespace TypedModels.Bind;

/// <summary>
/// The buffers of one input shape, allocated by ONNX Runtime's CPU allocator and bound once to an
/// <see cref="OrtIoBinding"/>: a call with this shape copies its inputs in, runs the binding and reads the outputs
/// in place. Owns its binding and tensors; <see cref="Dispose"/> releases them in reverse order of creation.
/// </summary>
public sealed unsafe class ShapeBinding : IDisposable
{
    private readonly OrtIoBinding _binding;
    private readonly Buffer[] _inputs;
    private readonly Buffer[] _outputs;
    private readonly long[] _symbols;

    internal ShapeBinding(InferenceSession session, ModelDescriptor descriptor, ReadOnlySpan<long> symbols)
    {
        _symbols = symbols.ToArray();
        _inputs = new Buffer[descriptor.Inputs.Length];
        _outputs = new Buffer[descriptor.Outputs.Length];
        _binding = session.CreateIoBinding();
        try
        {
            for (int i = 0; i < _inputs.Length; i++)
            {
                _inputs[i] = Buffer.Allocate(descriptor.Inputs[i], _symbols);
                _binding.BindInput(descriptor.Inputs[i].Name, _inputs[i].Value);
            }
            for (int i = 0; i < _outputs.Length; i++)
            {
                _outputs[i] = Buffer.Allocate(descriptor.Outputs[i], _symbols);
                _binding.BindOutput(descriptor.Outputs[i].Name, _outputs[i].Value);
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    internal OrtIoBinding IoBinding => _binding;

    internal bool Matches(ReadOnlySpan<long> symbols) => symbols.SequenceEqual(_symbols);

    /// <summary>The buffer of input <paramref name="index"/>, to be filled before a run.</summary>
    public Span<T> Input<T>(int index) where T : unmanaged => _inputs[index].AsSpan<T>();

    /// <summary>A view of output <paramref name="index"/> as the last run left it.</summary>
    public TensorView<T> Output<T>(int index) where T : unmanaged
    {
        var output = _outputs[index];
        return new TensorView<T>(output.AsSpan<T>(), output.Shape);
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        _binding?.Dispose();
        DisposeAll(_outputs);
        DisposeAll(_inputs);
    }

    private static void DisposeAll(Buffer[]? buffers)
    {
        if (buffers is null)
            return;
        for (int i = buffers.Length - 1; i >= 0; i--)
            buffers[i]?.Value.Dispose();
    }

    /// <summary>A tensor in native memory whose address is read once, so a call builds its span without a native call.</summary>
    private sealed class Buffer(OrtValue value, long[] shape, IntPtr data, int length)
    {
        public OrtValue Value { get; } = value;

        public long[] Shape { get; } = shape;

        public Span<T> AsSpan<T>() where T : unmanaged => new((void*)data, length);

        public static Buffer Allocate(TensorDescriptor tensor, long[] symbols)
        {
            var shape = new long[tensor.Dims.Length];
            long length = 1;
            for (int i = 0; i < shape.Length; i++)
            {
                shape[i] = tensor.Dims[i] >= 0 ? tensor.Dims[i] : symbols[-1 - (int)tensor.Dims[i]];
                length *= shape[i];
            }
            var value = OrtValue.CreateAllocatedTensorValue(OrtAllocator.DefaultInstance, tensor.ElementType, shape);
            var raw = value.GetTensorMutableRawData();
            fixed (byte* data = raw)
                return new Buffer(value, shape, (IntPtr)data, checked((int)length));
        }
    }
}
