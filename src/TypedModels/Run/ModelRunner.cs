using System;
using System.Collections.Generic;
using System.Diagnostics.CodeAnalysis;
using System.IO;
using System.Threading;
using Microsoft.ML.OnnxRuntime;
using TypedModels.Bind;
using TypedModels.Load;

namespace TypedModels.Run;

/// <summary>
/// What a generated client delegates to: a <see cref="ModelSession"/> (its own, or one shared through a
/// <see cref="ModelPool{TModel}"/>) and one <see cref="ShapeBinding"/> per input shape, created on first use and
/// kept, least recently used first out beyond <see cref="TypedModelOptions.MaxCachedShapes"/>. The per-call path
/// validates the inputs (before any native call), picks the binding and runs it; it allocates nothing.
/// </summary>
/// <remarks>
/// An instance is single-threaded by design: its buffers are reused by every call. Overlapping calls from two
/// threads are detected and refused with <see cref="InvalidOperationException"/>.
/// </remarks>
public sealed class ModelRunner : IDisposable
{
    private readonly ModelDescriptor _descriptor;
    private readonly ModelSession _session;
    private readonly bool _ownsSession;
    private readonly RunOptions _runOptions;
    private readonly List<ShapeBinding> _bindings = new();
    private readonly long[] _symbols;
    private readonly int _maxShapes;
    private readonly long _maxElements;
    private ShapeBinding? _last;
    private long _clock;
    private int _owner;
    private bool _disposed;

    /// <summary>Loads the model at <paramref name="modelPath"/> into a session of its own.</summary>
    /// <exception cref="FileNotFoundException">There is no model at <paramref name="modelPath"/>.</exception>
    /// <exception cref="InvalidOperationException">The model's signature differs from the one compiled against.</exception>
    /// <exception cref="TypedModelException">ONNX Runtime refused the model, or CUDA was required and could not be created.</exception>
    public ModelRunner(ModelDescriptor descriptor, string modelPath, TypedModelOptions? options = null)
        : this(ModelSession.Load(descriptor, modelPath, options), ownsSession: true)
    {
    }

    /// <summary>Runs on <paramref name="session"/>, which the caller keeps and disposes after this runner.</summary>
    public ModelRunner(ModelSession session)
        : this(session, ownsSession: false)
    {
    }

    /// <summary>Runs on <paramref name="session"/>; takes ownership of it when <paramref name="ownsSession"/>.</summary>
    public ModelRunner(ModelSession session, bool ownsSession)
    {
        _session = session;
        _ownsSession = ownsSession;
        _descriptor = session.Descriptor;
        _symbols = new long[_descriptor.Symbols.Length];
        _maxShapes = Math.Max(1, session.Options.MaxCachedShapes);
        _maxElements = session.Options.MaxElementsPerTensor;
        _runOptions = new RunOptions();
    }

    /// <summary>The execution provider the session runs on, and why.</summary>
    public ExecutionProviderInfo ExecutionProvider => _session.ExecutionProvider;

    /// <summary>How many input shapes have buffers bound now.</summary>
    public int CachedShapes => _bindings.Count;

    /// <summary>The full path the build copies a model to: <paramref name="targetPath"/> under the application's base directory.</summary>
    public static string DefaultModelPath(string targetPath) => Path.Combine(AppContext.BaseDirectory, targetPath);

    /// <summary>
    /// Infers the symbolic dims from the inputs' element counts (<paramref name="inputLengths"/>, in input order),
    /// takes the rest from <paramref name="givenSymbols"/> (the explicit parameters, in the descriptor's order), checks
    /// them all, and returns the binding for that shape. Must be followed by <see cref="Run"/>.
    /// </summary>
    /// <exception cref="ArgumentException">An input does not fit its shape, the inputs disagree on a dim, or a tensor would exceed the size limit.</exception>
    /// <exception cref="InvalidOperationException">Another thread is in a call on this instance.</exception>
    /// <exception cref="TypedModelException">ONNX Runtime could not create the buffers of a new shape.</exception>
    public ShapeBinding Bind(ReadOnlySpan<int> inputLengths, ReadOnlySpan<long> givenSymbols = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        Enter();
        try
        {
            var symbols = _symbols.AsSpan();
            symbols.Fill(-1);
            GiveSymbols(givenSymbols, symbols);
            InferSymbols(inputLengths, symbols);
            return Find(symbols);
        }
        catch (OnnxRuntimeException e)
        {
            // Binding a new shape allocates and binds native tensors; a failure there is ONNX Runtime's, like a run's.
            Exit();
            throw new TypedModelException(_descriptor.Name, "ONNX Runtime could not bind buffers for this shape", e);
        }
        catch
        {
            Exit();
            throw;
        }
    }

    /// <summary>Runs the model on the inputs written into <paramref name="binding"/>'s buffers.</summary>
    /// <exception cref="TypedModelException">ONNX Runtime failed while running; the instance stays usable.</exception>
    public void Run(ShapeBinding binding)
    {
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            binding.Run(_session.Session, _runOptions);
        }
        catch (OnnxRuntimeException e)
        {
            throw new TypedModelException(_descriptor.Name, "ONNX Runtime failed to run the model", e);
        }
        finally
        {
            Exit();
        }
    }

    /// <summary>
    /// Builds sequence input <paramref name="input"/> of <paramref name="binding"/> from <paramref name="tensors"/>
    /// (checked first, before any native call) and binds it; between <see cref="Bind"/> and <see cref="Run"/>.
    /// A sequence is new native memory on every call: unlike tensors, it allocates.
    /// </summary>
    /// <exception cref="ArgumentException">The sequence is empty, or a tensor's length does not fit its shape or the size limit.</exception>
    /// <exception cref="TypedModelException">ONNX Runtime could not build the sequence.</exception>
    public void SetSequence<T>(ShapeBinding binding, int input, ReadOnlySpan<TensorInput<T>> tensors) where T : unmanaged
    {
        var descriptor = _descriptor.Inputs[input];
        try
        {
            CheckSequence(descriptor, tensors);
            var values = new List<OrtValue>(tensors.Length);
            try
            {
                foreach (var tensor in tensors)
                {
                    var value = OrtValue.CreateAllocatedTensorValue(OrtAllocator.DefaultInstance, descriptor.ElementType, tensor.Shape);
                    values.Add(value);
                    System.Runtime.InteropServices.MemoryMarshal.AsBytes(tensor.Values.Span).CopyTo(value.GetTensorMutableRawData());
                }
                binding.BindSequence(input, OrtValue.CreateSequence(values));
            }
            catch
            {
                // CreateSequence takes the tensors over only when it succeeds.
                foreach (var value in values)
                    value.Dispose();
                throw;
            }
        }
        catch (OnnxRuntimeException e)
        {
            Exit();
            throw new TypedModelException(_descriptor.Name, $"ONNX Runtime could not build the sequence input '{descriptor.Name}'", e);
        }
        catch
        {
            Exit();
            throw;
        }
    }

    private void CheckSequence<T>(TensorDescriptor input, ReadOnlySpan<TensorInput<T>> tensors) where T : unmanaged
    {
        string what = $"{_descriptor.Name}: input '{input.Name}' is a sequence of {input.ElementType} tensors";
        if (tensors.Length == 0)
            throw new ArgumentException($"{what}, and ONNX Runtime cannot take an empty sequence as an input; 0 tensors were given.", input.Name);
        for (int k = 0; k < tensors.Length; k++)
        {
            var shape = tensors[k].Shape ?? [];
            long size = 1;
            bool negative = false;
            foreach (long dim in shape)
            {
                negative |= dim < 0;
                size = dim < 0 ? size : Times(size, dim);
            }
            if (negative || size > _maxElements || size != tensors[k].Values.Length)
            {
                string expected = negative ? "dims of 0 or more" : size > _maxElements ? $"at most {_maxElements} elements (TypedModelOptions.MaxElementsPerTensor)" : $"{size} elements";
                throw new ArgumentException(
                    $"{what}; tensor {k} has shape [{string.Join(", ", shape)}], so it needs {expected}; {tensors[k].Values.Length} elements were given.", input.Name);
            }
        }
    }

    private ShapeBinding Find(ReadOnlySpan<long> symbols)
    {
        long now = ++_clock;
        if (_last is not null && _last.Matches(symbols))
        {
            _last.LastUsed = now;
            return _last;
        }
        foreach (var binding in _bindings)
        {
            if (binding.Matches(symbols))
            {
                binding.LastUsed = now;
                return _last = binding;
            }
        }

        CheckSizes(symbols);
        if (_bindings.Count >= _maxShapes)
            Evict();
        var created = new ShapeBinding(_session, _descriptor, symbols) { LastUsed = now };
        _bindings.Add(created);
        return _last = created;
    }

    private void Evict()
    {
        int oldest = 0;
        for (int i = 1; i < _bindings.Count; i++)
        {
            if (_bindings[i].LastUsed < _bindings[oldest].LastUsed)
                oldest = i;
        }
        var evicted = _bindings[oldest];
        _bindings.RemoveAt(oldest);
        if (ReferenceEquals(_last, evicted))
            _last = null;
        evicted.Dispose();
    }

    // One owner at a time: the thread id, set and cleared with interlocked operations (a few nanoseconds a call).
    private void Enter()
    {
        int me = Environment.CurrentManagedThreadId;
        int owner = Interlocked.CompareExchange(ref _owner, me, 0);
        if (owner != 0 && owner != me)
            ThrowConcurrent();
    }

    private void Exit() => Volatile.Write(ref _owner, 0);

    [DoesNotReturn]
    private void ThrowConcurrent() => throw new InvalidOperationException(
        $"{_descriptor.Name}: another thread is calling Predict on this instance. A client is single-threaded by design " +
        "(its buffers are reused); give each thread its own client, or rent them from a ModelPool.");

    private void GiveSymbols(ReadOnlySpan<long> given, Span<long> symbols)
    {
        int next = 0;
        for (int s = 0; s < symbols.Length && next < given.Length; s++)
        {
            if (_descriptor.Parameters[s] is not { } parameter)
                continue;
            long value = given[next++];
            if (value < 0 || value > _maxElements)
            {
                throw new ArgumentOutOfRangeException(parameter, value,
                    $"{_descriptor.Name}: the dim '{_descriptor.Symbols[s]}' must be between 0 and {_maxElements}; {value} was given.");
            }
            symbols[s] = value;
        }
    }

    // Each pass resolves the inputs left with one unknown symbol; a later pass catches symbols that only
    // become inferable once another input has fixed one of its dims. Empty tensors are valid ONNX values: a symbol
    // is 0 when its input is empty and the rest of its shape is not, and an input whose other dims hold a 0 says
    // nothing about its symbol.
    private void InferSymbols(ReadOnlySpan<int> lengths, Span<long> symbols)
    {
        var inputs = _descriptor.Inputs;
        for (int pass = 0; pass <= inputs.Length; pass++)
        {
            bool progressed = false, pending = false;
            for (int i = 0; i < inputs.Length; i++)
            {
                if (inputs[i].IsSequence)
                    continue; // its tensors carry their own shapes
                long known = 1;
                int unknown = -1, unknownCount = 0;
                foreach (long dim in inputs[i].Dims)
                {
                    long value = dim >= 0 ? dim : symbols[-1 - (int)dim];
                    if (value >= 0)
                        known = Times(known, value);
                    else if (unknown != -1 - (int)dim)
                        (unknown, unknownCount) = (-1 - (int)dim, unknownCount + 1);
                }
                if (unknownCount == 0)
                {
                    if (known != lengths[i])
                        ThrowLength(i, lengths[i], symbols);
                }
                else if (unknownCount == 1 && CountOf(inputs[i].Dims, unknown) == 1 && known > 0)
                {
                    if (lengths[i] % known != 0)
                        ThrowLength(i, lengths[i], symbols);
                    symbols[unknown] = lengths[i] / known;
                    progressed = true;
                }
                else if (known == 0 && lengths[i] != 0)
                {
                    ThrowLength(i, lengths[i], symbols);
                }
                else
                {
                    pending = true;
                }
            }
            if (!pending)
                return;
            if (!progressed)
                break;
        }
        ThrowUnresolved(symbols);
    }

    /// <summary>Refuses a shape whose inputs or outputs would exceed <see cref="TypedModelOptions.MaxElementsPerTensor"/>.</summary>
    private void CheckSizes(ReadOnlySpan<long> symbols)
    {
        foreach (var tensors in new[] { _descriptor.Inputs, _descriptor.Outputs })
        {
            foreach (var tensor in tensors)
            {
                if (tensor.IsSequence)
                    continue;
                long size = 1;
                foreach (long dim in tensor.Dims)
                {
                    long value = dim >= 0 ? dim : symbols[-1 - (int)dim];
                    if (value >= 0)
                        size = Times(size, value);
                }
                if (size > _maxElements)
                {
                    throw new ArgumentException(
                        $"{_descriptor.Name}: {(tensors == _descriptor.Inputs ? "input" : "output")} '{tensor.Name}' {tensor.ShapeText(_descriptor.Symbols)} " +
                        $"would have more than {_maxElements} elements with {Known(symbols)}; raise TypedModelOptions.MaxElementsPerTensor to allow it.",
                        tensor.Name);
                }
            }
        }
    }

    // Sizes saturate just above the limit instead of overflowing: a model may declare absurd fixed dims.
    private long Times(long a, long b) => a == 0 || b == 0 ? 0 : a > (_maxElements + 1) / b ? _maxElements + 1 : a * b;

    private static int CountOf(long[] dims, int symbol)
    {
        int count = 0;
        foreach (long dim in dims)
            count += dim == ModelDescriptor.Symbol(symbol) ? 1 : 0;
        return count;
    }

    private string Known(ReadOnlySpan<long> symbols)
    {
        var known = new List<string>();
        for (int s = 0; s < symbols.Length; s++)
        {
            if (symbols[s] >= 0)
                known.Add($"{_descriptor.Symbols[s]} = {symbols[s]}");
        }
        return string.Join(", ", known);
    }

    [DoesNotReturn]
    private void ThrowLength(int input, int length, ReadOnlySpan<long> symbols)
    {
        var tensor = _descriptor.Inputs[input];
        string known = Known(symbols);
        string expected = tensor.Dims.Length == 0
            ? "so it takes exactly one element"
            : $"so it needs a whole number of rows of {RowSize(tensor, symbols)} elements";
        throw new ArgumentException(
            $"{_descriptor.Name}: input '{tensor.Name}' has shape {tensor.ShapeText(_descriptor.Symbols)}{(known.Length > 0 ? " with " + known : "")}, " +
            $"{expected}; {length} elements were given.",
            tensor.Name);
    }

    private static long RowSize(TensorDescriptor tensor, ReadOnlySpan<long> symbols)
    {
        long size = 1;
        foreach (long dim in tensor.Dims)
        {
            long value = dim >= 0 ? dim : symbols[-1 - (int)dim];
            size *= value >= 0 ? value : 1;
        }
        return size;
    }

    [DoesNotReturn]
    private void ThrowUnresolved(ReadOnlySpan<long> symbols)
    {
        var missing = new List<string>();
        for (int s = 0; s < symbols.Length; s++)
        {
            if (symbols[s] < 0)
                missing.Add(_descriptor.Symbols[s]);
        }
        throw new ArgumentException($"{_descriptor.Name}: the dims {string.Join(", ", missing)} cannot be inferred from the inputs' lengths.");
    }

    /// <summary>Releases the bindings, their buffers and, when it owns it, the session; once.</summary>
    public void Dispose()
    {
        if (_disposed)
            return;
        _disposed = true;
        _last = null;
        for (int i = _bindings.Count - 1; i >= 0; i--)
            _bindings[i].Dispose();
        _bindings.Clear();
        _runOptions.Dispose();
        if (_ownsSession)
            _session.Dispose();
    }
}
