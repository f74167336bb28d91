using System;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace TypedModels.Bind;

/// <summary>
/// The buffers of one input shape, allocated by ONNX Runtime's CPU allocator and bound once to an
/// <see cref="OrtIoBinding"/>: a call with this shape copies its inputs in, runs the binding and reads the outputs
/// in place. An output whose shape the inputs do not determine is left to ONNX Runtime on the first run; its shape
/// is read from that run and a buffer of that shape is bound for the next ones. Sequences cannot be bound ahead:
/// a sequence input is built and bound on each call, and sequence outputs are read from each run. Owns its binding
/// and tensors; <see cref="Dispose"/> releases them.
/// </summary>
public sealed unsafe class ShapeBinding : IDisposable
{
    private readonly OrtIoBinding _binding;
    private readonly ModelDescriptor _descriptor;
    private readonly Buffer?[] _inputs;
    private readonly Buffer?[] _outputs;
    private readonly string[]?[] _strings;
    private readonly long[][] _shapes;
    private readonly bool[] _dynamic;
    private readonly long[] _symbols;
    private readonly OrtValue?[] _sequenceInputs;
    private readonly (byte[][] Values, long[][] Shapes)[] _sequenceOutputs;
    private readonly DeviceMirror? _device;
    private readonly bool _collectsEveryRun;
    private bool _collect;

    internal ShapeBinding(Load.ModelSession model, ModelDescriptor descriptor, ReadOnlySpan<long> symbols)
    {
        var session = model.Session;
        _descriptor = descriptor;
        _symbols = symbols.ToArray();
        _inputs = new Buffer?[descriptor.Inputs.Length];
        _outputs = new Buffer?[descriptor.Outputs.Length];
        _strings = new string[]?[descriptor.Outputs.Length];
        _shapes = new long[descriptor.Outputs.Length][];
        _dynamic = new bool[descriptor.Outputs.Length];
        _sequenceInputs = new OrtValue?[descriptor.Inputs.Length];
        _sequenceOutputs = new (byte[][], long[][])[descriptor.Outputs.Length];
        _binding = session.CreateIoBinding();
        try
        {
            for (int i = 0; i < _inputs.Length; i++)
            {
                var tensor = descriptor.Inputs[i];
                if (tensor.IsSequence)
                    continue; // bound by each call (BindSequence)
                _inputs[i] = Buffer.Allocate(tensor.ElementType, Resolve(tensor)!);
                _binding.BindInput(tensor.Name, _inputs[i]!.Value);
            }
            for (int i = 0; i < _outputs.Length; i++)
            {
                var tensor = descriptor.Outputs[i];
                var shape = tensor.IsSequence ? null : Resolve(tensor);
                _shapes[i] = shape ?? [];
                // Strings and sequences are managed objects read from every run; everything else is bound once.
                bool everyRun = tensor.ElementType == TensorElementType.String || tensor.IsSequence;
                _collectsEveryRun |= everyRun;
                if (shape is null || everyRun)
                {
                    _dynamic[i] = shape is null && !tensor.IsSequence;
                    _collect = true;
                    _binding.BindOutputToDevice(tensor.Name, OrtMemoryInfo.DefaultInstance);
                }
                else
                {
                    _outputs[i] = Buffer.Allocate(tensor.ElementType, shape);
                    _binding.BindOutput(tensor.Name, _outputs[i]!.Value);
                }
            }
            // CUDA graph capture: the host buffers stay what callers read and write; the binding moves to device copies.
            if (model.CudaGraphAllocator is { } device)
            {
                _device = new DeviceMirror(_binding, device, model.NextGraphId(), descriptor,
                    Array.ConvertAll(_inputs, b => b!.Value), Array.ConvertAll(_outputs, b => b!.Value));
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    internal bool Matches(ReadOnlySpan<long> symbols) => symbols.SequenceEqual(_symbols);

    /// <summary>The runner's clock at this shape's last use, for least-recently-used eviction.</summary>
    internal long LastUsed { get; set; }

    /// <summary>The buffer of input <paramref name="index"/>, to be filled before a run.</summary>
    public Span<T> Input<T>(int index) where T : unmanaged => _inputs[index]!.AsSpan<T>();

    /// <summary>Copies <paramref name="values"/> into string input <paramref name="index"/> (converted to UTF-8 by ONNX Runtime).</summary>
    public void SetStrings(int index, ReadOnlySpan<string> values)
    {
        var value = _inputs[index]!.Value;
        for (int i = 0; i < values.Length; i++)
            value.StringTensorSetElementAt((values[i] ?? "").AsSpan(), i);
    }

    /// <summary>Sets the single element of rank-0 string input <paramref name="index"/>.</summary>
    public void SetString(int index, string value) => _inputs[index]!.Value.StringTensorSetElementAt((value ?? "").AsSpan(), 0);

    /// <summary>A view of output <paramref name="index"/> as the last run left it.</summary>
    public TensorView<T> Output<T>(int index) where T : unmanaged => new(_outputs[index]!.AsSpan<T>(), _shapes[index]);

    /// <summary>String output <paramref name="index"/> of the last run; strings are managed objects, so each run allocates them.</summary>
    public TensorView<string> OutputStrings(int index) => new(_strings[index], _shapes[index]);

    /// <summary>Sequence output <paramref name="index"/> of the last run, copied out of ONNX Runtime's values by that run.</summary>
    public TensorSequence<T> OutputSequence<T>(int index) where T : unmanaged => new(_sequenceOutputs[index].Values, _sequenceOutputs[index].Shapes);

    /// <summary>Binds <paramref name="sequence"/> to sequence input <paramref name="index"/> and takes it over, releasing the previous call's.</summary>
    internal void BindSequence(int index, OrtValue sequence)
    {
        _binding.BindInput(_descriptor.Inputs[index].Name, sequence);
        _sequenceInputs[index]?.Dispose();
        _sequenceInputs[index] = sequence;
    }

    internal void Run(InferenceSession session, RunOptions options)
    {
        if (_device is not null)
        {
            _device.Run(session, _binding);
            return;
        }
        if (!_collect)
        {
            try
            {
                session.RunWithBinding(options, _binding);
                return;
            }
            catch (OnnxRuntimeException) when (Array.IndexOf(_dynamic, true) >= 0)
            {
                // An output's shape depends on the input values, not only their shape: learn it again.
                for (int i = 0; i < _dynamic.Length; i++)
                {
                    if (_dynamic[i])
                        _binding.BindOutputToDevice(_descriptor.Outputs[i].Name, OrtMemoryInfo.DefaultInstance);
                }
                _collect = true;
            }
        }
        RunAndCollect(session, options);
    }

    // The slow path: outputs ONNX Runtime allocated are read, and fixed-size ones are given buffers of their own.
    private void RunAndCollect(InferenceSession session, RunOptions options)
    {
        // IoBinding keeps the values of the last run as this run's outputs, and ONNX Runtime writes into them: a
        // sequence would grow by the last run's tensors (SequenceInsert appends). What ONNX Runtime allocates, it
        // allocates afresh for each run.
        for (int i = 0; i < _outputs.Length; i++)
        {
            var tensor = _descriptor.Outputs[i];
            if (tensor.IsSequence || tensor.ElementType == TensorElementType.String || (_dynamic[i] && _collectsEveryRun))
                _binding.BindOutputToDevice(tensor.Name, OrtMemoryInfo.DefaultInstance);
        }
        session.RunWithBinding(options, _binding);
        using var values = _binding.GetOutputValues();
        for (int i = 0; i < _outputs.Length; i++)
        {
            var tensor = _descriptor.Outputs[i];
            var value = values[i];
            if (tensor.IsSequence)
            {
                int count = value.GetValueCount();
                var (elements, shapes) = (new byte[count][], new long[count][]);
                for (int j = 0; j < count; j++)
                {
                    using var element = value.GetValue(j, OrtAllocator.DefaultInstance);
                    shapes[j] = element.GetTensorTypeAndShape().Shape;
                    elements[j] = element.GetTensorMutableRawData().ToArray();
                }
                _sequenceOutputs[i] = (elements, shapes);
            }
            else if (tensor.ElementType == TensorElementType.String)
            {
                _shapes[i] = value.GetTensorTypeAndShape().Shape;
                _strings[i] = value.GetStringTensorAsArray();
            }
            else if (_dynamic[i])
            {
                var shape = value.GetTensorTypeAndShape().Shape;
                if (_outputs[i] is not { } buffer || !buffer.Shape.AsSpan().SequenceEqual(shape))
                {
                    _outputs[i]?.Value.Dispose();
                    _outputs[i] = buffer = Buffer.Allocate(tensor.ElementType, shape);
                    _shapes[i] = shape;
                }
                value.GetTensorMutableRawData().CopyTo(buffer.Bytes);
                // While string or sequence outputs keep every run on this path, ONNX Runtime keeps allocating the
                // dynamic outputs too, so that a shape that depends on the values never meets a buffer of the wrong size.
                if (!_collectsEveryRun)
                    _binding.BindOutput(tensor.Name, buffer.Value);
            }
        }
        _collect = _collectsEveryRun;
    }

    /// <summary>The tensor's shape with this binding's symbol values; null if a dim is not known before running.</summary>
    private long[]? Resolve(TensorDescriptor tensor)
    {
        var shape = new long[tensor.Dims.Length];
        for (int i = 0; i < shape.Length; i++)
        {
            long dim = tensor.Dims[i];
            shape[i] = dim >= 0 ? dim : _symbols[-1 - (int)dim];
            if (shape[i] < 0)
                return null;
        }
        return shape;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        _device?.Dispose();
        _binding?.Dispose();
        DisposeAll(_outputs);
        DisposeAll(_inputs);
        if (_sequenceInputs is not null)
        {
            foreach (var sequence in _sequenceInputs)
                sequence?.Dispose();
        }
    }

    private static void DisposeAll(Buffer?[]? buffers)
    {
        if (buffers is null)
            return;
        for (int i = buffers.Length - 1; i >= 0; i--)
            buffers[i]?.Value.Dispose();
    }

    /// <summary>A tensor in native memory whose address is read once, so a call builds its span without a native call.</summary>
    private sealed class Buffer(OrtValue value, long[] shape, IntPtr data, int bytes, int length)
    {
        public OrtValue Value { get; } = value;

        public long[] Shape { get; } = shape;

        public Span<T> AsSpan<T>() where T : unmanaged => new((void*)data, length);

        public Span<byte> Bytes => new((void*)data, bytes);

        public static Buffer Allocate(TensorElementType type, long[] shape)
        {
            long length = 1;
            foreach (long dim in shape)
                length = checked(length * dim);
            if (type == TensorElementType.String)
                return new Buffer(OrtValue.CreateTensorWithEmptyStrings(OrtAllocator.DefaultInstance, shape), shape, IntPtr.Zero, 0, checked((int)length));

            var value = OrtValue.CreateAllocatedTensorValue(OrtAllocator.DefaultInstance, type, shape);
            var raw = value.GetTensorMutableRawData();
            fixed (byte* data = raw)
                return new Buffer(value, shape, (IntPtr)data, raw.Length, checked((int)length));
        }
    }
}
