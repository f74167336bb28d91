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
    private readonly ShapeResolver _resolver;
    private ShapeBinding? _last;
    private long _clock;
    private SingleCaller _caller;
    private bool _disposed;

    /// <summary>Opens <paramref name="source"/> for the client <paramref name="descriptor"/> describes.</summary>
    /// <exception cref="FileNotFoundException">There is no model file or resource where the source says.</exception>
    /// <exception cref="InvalidOperationException">The model's signature differs from the one compiled against.</exception>
    /// <exception cref="ArgumentException">A shared session was loaded for another client, or options were given with one.</exception>
    /// <exception cref="TypedModelException">ONNX Runtime refused the model, or CUDA was required and could not be created.</exception>
    public ModelRunner(ModelDescriptor descriptor, ModelSource source, TypedModelOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        _session = source.Open(descriptor, options, out _ownsSession);
        _descriptor = descriptor;
        _symbols = new long[_descriptor.Symbols.Length];
        _maxShapes = Math.Max(1, _session.Options.MaxCachedShapes);
        _maxElements = _session.Options.MaxElementsPerTensor;
        _resolver = new ShapeResolver(_descriptor, _maxElements);
        _runOptions = new RunOptions();
    }

    /// <summary>Runs on <paramref name="session"/>, which the caller keeps and disposes after this runner.</summary>
    public ModelRunner(ModelSession session)
        : this(session.Descriptor, ModelSource.FromSession(session))
    {
    }

    /// <summary>The execution provider the session runs on, and why.</summary>
    public ExecutionProviderInfo ExecutionProvider => _session.ExecutionProvider;

    /// <summary>How many input shapes have buffers bound now.</summary>
    public int CachedShapes => _bindings.Count;

    /// <summary>
    /// Infers the symbolic dims from the inputs' element counts (<paramref name="inputLengths"/>, in input order),
    /// takes the rest from <paramref name="givenSymbols"/> (the explicit parameters, in the descriptor's order), checks
    /// them all, and returns the binding for that shape. Enters the call: whatever follows, <see cref="Exit"/> must end it
    /// (the generated code calls it in a <c>finally</c>), and a throw from here has left it already.
    /// </summary>
    /// <exception cref="ArgumentException">An input does not fit its shape, the inputs disagree on a dim, or a tensor would exceed the size limit.</exception>
    /// <exception cref="InvalidOperationException">Another thread is in a call on this instance.</exception>
    /// <exception cref="TypedModelException">ONNX Runtime could not create the buffers of a new shape.</exception>
    public ShapeBinding Bind(ReadOnlySpan<int> inputLengths, ReadOnlySpan<long?> givenSymbols = default)
    {
        ThrowIfDisposed();
        _caller.Enter(_descriptor.Name);
        try
        {
            _resolver.Resolve(inputLengths, givenSymbols, _symbols);
            return Find(_symbols);
        }
        catch (OnnxRuntimeException e)
        {
            // Binding a new shape allocates and binds native tensors; a failure there is ONNX Runtime's, like a run's.
            _caller.Exit();
            throw new TypedModelException(_descriptor.Name, "ONNX Runtime could not bind buffers for this shape", e);
        }
        catch
        {
            _caller.Exit();
            throw;
        }
    }

    /// <summary>Runs the model on the inputs written into <paramref name="binding"/>'s buffers.</summary>
    /// <exception cref="TypedModelException">ONNX Runtime failed while running; the instance stays usable.</exception>
    public void Run(ShapeBinding binding)
    {
        ThrowIfDisposed();
        try
        {
            binding.Run(_session.Session, _runOptions);
        }
        catch (OnnxRuntimeException e)
        {
            throw new TypedModelException(_descriptor.Name, "ONNX Runtime failed to run the model", e);
        }
    }

    /// <summary>Ends the call <see cref="Bind"/> entered, however it went: another thread may call next.</summary>
    public void Exit() => _caller.Exit();

    // Named after the generated class, which is what the user holds.
    private void ThrowIfDisposed()
    {
        if (_disposed)
            throw new ObjectDisposedException(_descriptor.Name);
    }

    /// <summary>
    /// Builds sequence input <paramref name="input"/> of <paramref name="binding"/> from <paramref name="tensors"/>
    /// (checked first, before any native call) and binds it; between <see cref="Bind"/> and <see cref="Run"/>, inside the call.
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
            throw new TypedModelException(_descriptor.Name, $"ONNX Runtime could not build the sequence input '{descriptor.Name}'", e);
        }
    }

    private void CheckSequence<T>(TensorDescriptor input, ReadOnlySpan<TensorInput<T>> tensors) where T : unmanaged
    {
        string what = $"{_descriptor.Name}: input '{input.Name}' is a sequence of {input.ElementType} tensors";
        if (tensors.Length == 0)
            throw new ArgumentException($"{what}, and ONNX Runtime cannot take an empty sequence as an input; 0 tensors were given.", input.Parameter);
        for (int k = 0; k < tensors.Length; k++)
        {
            var shape = tensors[k].Shape ?? [];
            long size = 1;
            bool negative = false;
            foreach (long dim in shape)
            {
                negative |= dim < 0;
                size = dim < 0 ? size : _resolver.Times(size, dim);
            }
            if (negative || size > _maxElements || size != tensors[k].Values.Length)
            {
                string expected = negative ? "dims of 0 or more" : size > _maxElements ? $"at most {_maxElements} elements (TypedModelOptions.MaxElementsPerTensor)" : $"{size} elements";
                throw new ArgumentException(
                    $"{what}; tensor {k} has shape [{string.Join(", ", shape)}], so it needs {expected}; {tensors[k].Values.Length} elements were given.", input.Parameter);
            }
        }
    }

    private ShapeBinding Find(long[] symbols)
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

        _resolver.CheckSizes(symbols);
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
