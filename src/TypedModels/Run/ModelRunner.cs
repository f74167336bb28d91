using System;
using System.Collections.Generic;
using System.Diagnostics.CodeAnalysis;
using System.IO;
using Microsoft.ML.OnnxRuntime;
using TypedModels.Bind;
using TypedModels.Load;

namespace TypedModels.Run;

/// <summary>
/// What a generated client delegates to: one <see cref="InferenceSession"/>, created once, and one
/// <see cref="ShapeBinding"/> per distinct input shape, created on first use and kept. The per-call path
/// validates the inputs' lengths (before any native call), picks the binding and runs it; it allocates nothing.
/// </summary>
/// <remarks>An instance is single-threaded by design: its buffers are reused by every call.</remarks>
public sealed class ModelRunner : IDisposable
{
    private readonly ModelDescriptor _descriptor;
    private readonly InferenceSession _session;
    private readonly RunOptions _runOptions;
    private readonly List<ShapeBinding> _bindings = new();
    private readonly long[] _symbols;
    private ShapeBinding? _last;
    private bool _disposed;

    /// <summary>Loads the model at <paramref name="modelPath"/> into a session and checks its signature against <paramref name="descriptor"/>.</summary>
    /// <exception cref="FileNotFoundException">There is no model at <paramref name="modelPath"/>.</exception>
    /// <exception cref="InvalidOperationException">The model's signature differs from the one compiled against.</exception>
    /// <exception cref="OnnxRuntimeException">ONNX Runtime refused the model, or CUDA was required and could not be created.</exception>
    public ModelRunner(ModelDescriptor descriptor, string modelPath, TypedModelOptions? options = null)
    {
        _descriptor = descriptor;
        _symbols = new long[descriptor.Symbols.Length];
        if (!File.Exists(modelPath))
            throw new FileNotFoundException($"{descriptor.Name}: no model file at '{modelPath}'. The build copies it next to the application; pass another path to the constructor to load it from elsewhere.", modelPath);
        (_session, ExecutionProvider) = SessionFactory.Create(modelPath, options ?? TypedModelOptions.Default);
        try
        {
            SessionFactory.VerifySignature(descriptor, modelPath, _session);
            _runOptions = new RunOptions();
        }
        catch
        {
            _session.Dispose();
            throw;
        }
    }

    /// <summary>The execution provider the session runs on, and why.</summary>
    public ExecutionProviderInfo ExecutionProvider { get; }

    /// <summary>The full path the build copies a model to: <paramref name="targetPath"/> under the application's base directory.</summary>
    public static string DefaultModelPath(string targetPath) => Path.Combine(AppContext.BaseDirectory, targetPath);

    /// <summary>
    /// Infers every symbolic dim from the inputs' element counts (<paramref name="inputLengths"/>, in input order) and
    /// the values given for the rest (<paramref name="givenSymbols"/>: one per symbol, <c>-1</c> to infer), checks them,
    /// and returns the binding for that shape.
    /// </summary>
    /// <exception cref="ArgumentException">An input's length does not fit its shape, or the inputs disagree on a dim.</exception>
    public ShapeBinding Bind(ReadOnlySpan<int> inputLengths, ReadOnlySpan<long> givenSymbols = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var symbols = _symbols.AsSpan();
        symbols.Fill(-1);
        givenSymbols.CopyTo(symbols);
        InferSymbols(inputLengths, symbols);

        if (_last is not null && _last.Matches(symbols))
            return _last;
        foreach (var binding in _bindings)
        {
            if (binding.Matches(symbols))
                return _last = binding;
        }
        var created = new ShapeBinding(_session, _descriptor, symbols);
        _bindings.Add(created);
        return _last = created;
    }

    /// <summary>Runs the model on the inputs written into <paramref name="binding"/>'s buffers.</summary>
    public void Run(ShapeBinding binding)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        binding.Run(_session, _runOptions);
    }

    // Each pass resolves the inputs left with one unknown symbol; a second pass catches symbols that only
    // become inferable once another input has fixed one of its dims.
    private void InferSymbols(ReadOnlySpan<int> lengths, Span<long> symbols)
    {
        var inputs = _descriptor.Inputs;
        for (int pass = 0; pass <= inputs.Length; pass++)
        {
            bool progressed = false, pending = false;
            for (int i = 0; i < inputs.Length; i++)
            {
                long known = 1;
                int unknown = -1, unknownCount = 0;
                foreach (long dim in inputs[i].Dims)
                {
                    long value = dim >= 0 ? dim : symbols[-1 - (int)dim];
                    if (value >= 0)
                    {
                        known *= value;
                    }
                    else if (unknown != -1 - (int)dim)
                    {
                        unknown = -1 - (int)dim;
                        unknownCount++;
                    }
                }
                if (unknownCount == 0)
                {
                    if (known != lengths[i])
                        ThrowLength(i, lengths[i], symbols);
                }
                else if (unknownCount == 1 && CountOf(inputs[i].Dims, unknown) == 1)
                {
                    if (known == 0 || lengths[i] == 0 || lengths[i] % known != 0)
                        ThrowLength(i, lengths[i], symbols);
                    symbols[unknown] = lengths[i] / known;
                    progressed = true;
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

    private static int CountOf(long[] dims, int symbol)
    {
        int count = 0;
        foreach (long dim in dims)
            count += dim == ModelDescriptor.Symbol(symbol) ? 1 : 0;
        return count;
    }

    [DoesNotReturn]
    private void ThrowLength(int input, int length, ReadOnlySpan<long> symbols)
    {
        var tensor = _descriptor.Inputs[input];
        var known = new List<string>();
        for (int s = 0; s < symbols.Length; s++)
        {
            if (symbols[s] >= 0)
                known.Add($"{_descriptor.Symbols[s]} = {symbols[s]}");
        }
        string context = known.Count > 0 ? $" with {string.Join(", ", known)}" : "";
        throw new ArgumentException(
            $"{_descriptor.Name}: input '{tensor.Name}' has shape {tensor.ShapeText(_descriptor.Symbols)}{context}, " +
            $"so it needs a non-zero whole number of rows of {RowSize(tensor, symbols)} elements; {length} elements were given.",
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
        throw new ArgumentException($"{_descriptor.Name}: the dims {string.Join(", ", missing)} cannot be inferred from the inputs' lengths and were not given.");
    }

    /// <summary>Releases the bindings, their buffers and the session, once.</summary>
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
        _session.Dispose();
    }
}
