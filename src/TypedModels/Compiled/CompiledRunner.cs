using System;
using System.ComponentModel;
using System.Runtime.CompilerServices;
using TypedModels.Bind;
using TypedModels.Run;

namespace TypedModels.Compiled;

/// <summary>
/// What a client compiled to C# (<see cref="ModelBackend.Compiled"/>) delegates to: the checks every call makes
/// (the same <see cref="ShapeResolver"/> as the ONNX Runtime backend, so both refuse the same inputs with the same
/// words), one arena for every intermediate and output tensor (grown when a larger shape arrives, otherwise reused),
/// and the storage of the outputs' shapes. The generated code runs the kernels between <c>Enter</c> and
/// <see cref="Exit"/>; a call with a shape seen before allocates nothing.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class CompiledRunner : IDisposable
{
    private readonly ModelDescriptor _descriptor;
    private readonly ShapeResolver _resolver;
    private readonly long[] _symbols;
    private readonly int[] _lengths;
    private Array?[] _arenas = [];
    private bool _busy;
    private bool _resolved;
    private bool _disposed;

    // The threads a node of this client may be split over (TypedModelOptions.IntraOpThreads; all cores by default).
    private readonly int _threads;

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
        _threads = options.IntraOpThreads is > 0 and var threads ? threads : Environment.ProcessorCount;
        _symbols = new long[descriptor.Symbols.Length];
        _lengths = new int[descriptor.Inputs.Length];
        Shapes = new long[outputRanks];
    }

    /// <summary>Where every compiled client runs: the CPU, with the reason saying the model is compiled.</summary>
    public static ExecutionProviderInfo Provider { get; } = new(ExecutionProviderPreference.Cpu,
        "Compiled: the model runs as C# generated at build time (Backend=Compiled), on the calling thread (a large node split with TypedModels' worker threads, up to IntraOpThreads); ONNX Runtime is not used.");

    /// <summary>Always <see cref="Provider"/>.</summary>
    public ExecutionProviderInfo ExecutionProvider => Provider;

    /// <summary>Where the generated code writes the outputs' dims, so that a result's shapes live as long as its values.</summary>
    public long[] Shapes { get; }

    /// <summary>
    /// Starts a call of a model with one input of <paramref name="length"/> elements: refuses a second thread, checks the
    /// length against the input's shape and returns the symbolic dims it implies. Must be followed by <see cref="Exit"/>.
    /// (Overloads for one to three inputs spare the generated code a <c>stackalloc</c>, which costs a small model's call
    /// more than its arithmetic.)
    /// </summary>
    /// <exception cref="ArgumentException">An input does not fit its shape, or a tensor would exceed the size limit.</exception>
    /// <exception cref="InvalidOperationException">Another thread is in a call on this instance.</exception>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ReadOnlySpan<long> Enter(int length)
    {
        Begin();
        if (_resolved && _lengths[0] == length)
            return _symbols;
        _lengths[0] = length;
        return Resolve(default);
    }

    /// <summary>As <see cref="Enter(int)"/>, for a model with two inputs.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ReadOnlySpan<long> Enter(int length0, int length1)
    {
        Begin();
        if (_resolved && _lengths[0] == length0 && _lengths[1] == length1)
            return _symbols;
        (_lengths[0], _lengths[1]) = (length0, length1);
        return Resolve(default);
    }

    /// <summary>As <see cref="Enter(int)"/>, for a model with three inputs.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ReadOnlySpan<long> Enter(int length0, int length1, int length2)
    {
        Begin();
        if (_resolved && _lengths[0] == length0 && _lengths[1] == length1 && _lengths[2] == length2)
            return _symbols;
        (_lengths[0], _lengths[1], _lengths[2]) = (length0, length1, length2);
        return Resolve(default);
    }

    /// <summary>As <see cref="Enter(int)"/>, for any number of inputs, with the dims the caller gives (<paramref name="given"/>).</summary>
    public ReadOnlySpan<long> Enter(ReadOnlySpan<int> lengths, ReadOnlySpan<long?> given)
    {
        Begin();
        if (lengths.Length != _lengths.Length)
        {
            _busy = false;
            throw new ArgumentException($"{_descriptor.Name} has {_lengths.Length} inputs; {lengths.Length} lengths were given.", nameof(lengths));
        }
        lengths.CopyTo(_lengths);
        var symbols = Resolve(given);
        _resolved = false; // given dims are not part of the cache's key
        return symbols;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Begin()
    {
        if (_disposed)
            ThrowDisposed();
        // A busy flag, not the ONNX Runtime runner's interlocked owner: a compiled call never re-enters itself, and at
        // a few tens of nanoseconds a call the interlocked instruction would be a large part of it. Two threads entering
        // in the same instant can both pass; overlapping calls are refused as soon as one is inside.
        if (_busy)
            SingleCaller.ThrowConcurrent(_descriptor.Name);
        _busy = true;
        Workers.Limit = _threads;
    }

    // The symbols follow from the lengths alone (without given dims): the lengths of the last call that resolved are
    // its cache key, so a call with the shape of the one before skips the resolver and the size checks; any other call
    // runs both (a few loops over the descriptor, once per change of shape).
    private ReadOnlySpan<long> Resolve(ReadOnlySpan<long?> given)
    {
        _resolved = false;
        try
        {
            _resolver.Resolve(_lengths, given, _symbols);
            _resolver.CheckSizes(_symbols);
            _resolved = true;
            return _symbols;
        }
        catch
        {
            _busy = false;
            throw;
        }
    }

    /// <summary>
    /// The first <paramref name="length"/> elements of the arena of <typeparamref name="T"/> (one per element type the
    /// model computes in), grown (allocating) only when a call needs more than any before.
    /// </summary>
    /// <exception cref="ArgumentException">The call's tensors need more elements than an array holds.</exception>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Span<T> Arena<T>(long length) where T : unmanaged
    {
        int slot = ArenaSlot<T>.Index;
        if (slot < _arenas.Length && _arenas[slot] is T[] arena && length <= arena.Length)
            return arena.AsSpan(0, (int)length);
        return Grow<T>(length);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private Span<T> Grow<T>(long length) where T : unmanaged
    {
        if (length > Array.MaxLength)
            throw new ArgumentException($"{_descriptor.Name}: this call's intermediate tensors need {length} elements, more than one array holds; use smaller inputs.");
        int slot = ArenaSlot<T>.Index;
        if (slot >= _arenas.Length)
            Array.Resize(ref _arenas, slot + 1);
        var arena = new T[length];
        _arenas[slot] = arena;
        return arena;
    }

    // A number per element type, so an arena is found by an array index rather than a lookup by type.
    private static int s_arenaTypes;

    private static class ArenaSlot<T>
    {
        public static readonly int Index = System.Threading.Interlocked.Increment(ref s_arenaTypes) - 1;
    }

    // Named after the generated class, which is what the user holds.
    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    private void ThrowDisposed() => throw new ObjectDisposedException(_descriptor.Name);

    /// <summary>Ends the call <c>Enter</c> started.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Exit() => _busy = false;

    /// <summary>Releases the arena; later calls throw <see cref="ObjectDisposedException"/>.</summary>
    public void Dispose()
    {
        _disposed = true;
        _arenas = [];
    }
}
