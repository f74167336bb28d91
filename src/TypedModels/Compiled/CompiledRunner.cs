using System;
using System.ComponentModel;
using TypedModels.Bind;
using TypedModels.Run;

namespace TypedModels.Compiled;

/// <summary>
/// What a client compiled to C# (<see cref="ModelBackend.Compiled"/>) delegates to: the checks every call makes
/// (the same <see cref="ShapeResolver"/> as the ONNX Runtime backend, so both refuse the same inputs with the same
/// words), one arena for every intermediate and output tensor (grown when a larger shape arrives, otherwise reused),
/// and the storage of the outputs' shapes. The generated code runs the kernels in between
/// <see cref="Enter"/> and <see cref="Exit"/>; a call with a shape seen before allocates nothing.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class CompiledRunner : IDisposable
{

    private readonly ModelDescriptor _descriptor;
    private readonly ShapeResolver _resolver;
    private readonly long[] _checked;
    private float[] _arena = [];
    private SingleCaller _caller;
    private bool _disposed;

    /// <summary>Prepares a client of <paramref name="descriptor"/> whose outputs have <paramref name="outputRanks"/> dims in all.</summary>
    /// <exception cref="InvalidOperationException"><see cref="TypedModelOptions.ExecutionProvider"/> requires CUDA, which compiled code cannot use.</exception>
    public CompiledRunner(ModelDescriptor descriptor, int outputRanks, TypedModelOptions? options = null)
    {
        options ??= TypedModelOptions.Default;
        if (options.ExecutionProvider == ExecutionProviderPreference.Cuda)
        {
            throw new InvalidOperationException(
                $"{descriptor.Name} is compiled to C# (Backend=Compiled), which runs on the CPU; ExecutionProvider = Cuda cannot be honoured. " +
                $"Load the model file with new {descriptor.Name}(path, options) to run it on ONNX Runtime, or build it with Backend=\"OnnxRuntime\".");
        }
        _descriptor = descriptor;
        _resolver = new ShapeResolver(descriptor, options.MaxElementsPerTensor);
        _checked = new long[descriptor.Symbols.Length];
        _checked.AsSpan().Fill(-2);
        Shapes = new long[outputRanks];
    }

    /// <summary>Where every compiled client runs: the CPU, with the reason saying the model is compiled.</summary>
    public static ExecutionProviderInfo Provider { get; } = new(ExecutionProviderPreference.Cpu,
        "Compiled: the model runs as C# generated at build time (Backend=Compiled), on the calling thread; ONNX Runtime is not used.");

    /// <summary>Always <see cref="Provider"/>.</summary>
    public ExecutionProviderInfo ExecutionProvider => Provider;

    /// <summary>Where the generated code writes the outputs' dims, so that a result's shapes live as long as its values.</summary>
    public long[] Shapes { get; }

    /// <summary>
    /// Starts a call: refuses a second thread, checks the inputs' lengths and infers the symbolic dims into
    /// <paramref name="symbols"/> (given ones from <paramref name="given"/>). Must be followed by <see cref="Exit"/>.
    /// </summary>
    /// <exception cref="ArgumentException">An input does not fit its shape, or a tensor would exceed the size limit.</exception>
    /// <exception cref="InvalidOperationException">Another thread is in a call on this instance.</exception>
    public void Enter(ReadOnlySpan<int> lengths, ReadOnlySpan<long> given, Span<long> symbols)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _caller.Enter(_descriptor.Name);
        try
        {
            _resolver.Resolve(lengths, given, symbols);
            if (!symbols.SequenceEqual(_checked))
            {
                _resolver.CheckSizes(symbols);
                symbols.CopyTo(_checked);
            }
        }
        catch
        {
            _caller.Exit();
            throw;
        }
    }

    /// <summary>The first <paramref name="length"/> elements of the arena, grown (allocating) only when a call needs more than any before.</summary>
    /// <exception cref="ArgumentException">The call's tensors need more elements than an array holds.</exception>
    public Span<float> Arena(long length)
    {
        if (length > _arena.Length)
        {
            if (length > Array.MaxLength)
                throw new ArgumentException($"{_descriptor.Name}: this call's intermediate tensors need {length} elements, more than one array holds; use smaller inputs.");
            _arena = new float[length];
        }
        return _arena.AsSpan(0, (int)length);
    }

    /// <summary>Ends the call <see cref="Enter"/> started.</summary>
    public void Exit() => _caller.Exit();

    /// <summary>Releases the arena; later calls throw <see cref="ObjectDisposedException"/>.</summary>
    public void Dispose()
    {
        _disposed = true;
        _arena = [];
    }
}
