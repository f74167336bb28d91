using System;
using System.Collections.Generic;
using System.Diagnostics.CodeAnalysis;

namespace TypedModels.Bind;

/// <summary>
/// Turns a call's input lengths (and the dims the caller gives) into the values of a model's symbolic dims, checking
/// every input against its shape and every tensor against <see cref="TypedModelOptions.MaxElementsPerTensor"/>.
/// Shared by the ONNX Runtime and compiled backends, so both accept and refuse the same inputs with the same words.
/// Allocates nothing unless it throws.
/// </summary>
internal sealed class ShapeResolver
{
    private readonly ModelDescriptor _descriptor;
    private readonly long _maxElements;

    // The common case, precomputed: each input's fixed dims multiplied out and its one symbol (appearing once), so that
    // one pass in input order resolves every symbol; null when some input has more (the general passes decide then).
    private readonly (long Product, int Symbol)[]? _direct;
    private readonly bool[] _inferred;
    private readonly bool[] _inOutputs;

    // The general passes' view of the inputs (null for a sequence) and a copy of a call's lengths, for SymbolInference.
    private readonly long[]?[] _dims;
    private readonly int[] _lengths;

    public ShapeResolver(ModelDescriptor descriptor, long maxElements)
    {
        _descriptor = descriptor;
        _maxElements = maxElements;
        _direct = Direct(descriptor);
        _inferred = new bool[descriptor.Symbols.Length];
        _dims = Array.ConvertAll(descriptor.Inputs, input => input.IsSequence ? null : input.Dims);
        _inOutputs = new bool[descriptor.Symbols.Length];
        foreach (var output in descriptor.Outputs)
        {
            foreach (long dim in output.Dims)
            {
                if (dim < 0)
                    _inOutputs[-1 - (int)dim] = true;
            }
        }
        _lengths = new int[descriptor.Inputs.Length];
        foreach (var input in descriptor.Inputs)
        {
            foreach (long dim in input.Dims)
            {
                if (dim < 0)
                    _inferred[-1 - (int)dim] = true;
            }
        }
    }

    /// <summary>Fills <paramref name="symbols"/>: given ones first (in the descriptor's order; null for an optional dim left out), the rest inferred from <paramref name="lengths"/>.</summary>
    /// <exception cref="ArgumentException">An input does not fit its shape, the inputs disagree on a dim, or a dim cannot be inferred.</exception>
    public void Resolve(ReadOnlySpan<int> lengths, ReadOnlySpan<long?> given, long[] symbols)
    {
        Array.Fill(symbols, SymbolInference.Unknown);
        if (given.IsEmpty && _direct is { } direct && ResolveDirect(direct, _inferred, lengths, symbols))
            return;
        // Anything unusual (an empty input, a mismatch, given dims) takes the general passes, which also word the errors.
        Array.Fill(symbols, SymbolInference.Unknown);
        GiveSymbols(given, symbols);
        lengths.CopyTo(_lengths);
        int mismatch = SymbolInference.Infer(_dims, _lengths, symbols, _maxElements);
        if (mismatch >= 0)
            ThrowLength(mismatch, _lengths[mismatch], symbols);
        for (int s = 0; s < symbols.Length; s++)
        {
            if (!_inferred[s] || symbols[s] >= 0)
                continue;
            // Every input that carries it is empty through another dim, and no output has it: any value makes the same
            // empty tensors, so it is 0. (The generator, which cannot know a dim will be 0, promised no parameter for it.)
            if (_inOutputs[s] || !OnlyInEmptyInputs(s, symbols))
                ThrowUnresolved(symbols);
            symbols[s] = 0;
        }
    }

    private bool OnlyInEmptyInputs(int symbol, long[] symbols)
    {
        foreach (var dims in _dims)
        {
            if (dims is not null && Array.IndexOf(dims, ModelDescriptor.Symbol(symbol)) >= 0
                && SymbolInference.KnownProduct(dims, symbols, _maxElements, out _, out _) != 0)
                return false;
        }
        return true;
    }

    private static bool ResolveDirect((long Product, int Symbol)[] direct, bool[] inferred, ReadOnlySpan<int> lengths, long[] symbols)
    {
        for (int i = 0; i < direct.Length; i++)
        {
            var (product, symbol) = direct[i];
            long length = lengths[i];
            if (symbol < 0)
            {
                if (product >= 0 && length != product)
                    return false;
            }
            else if (symbols[symbol] >= 0)
            {
                if (length != product * symbols[symbol])
                    return false;
            }
            else
            {
                if (product <= 0 || length % product != 0)
                    return false;
                symbols[symbol] = length / product;
            }
        }
        // Symbols of outputs alone (known only after running) stay unknown, as the general passes leave them.
        for (int s = 0; s < symbols.Length; s++)
        {
            if (inferred[s] && symbols[s] < 0)
                return false;
        }
        return true;
    }

    private static (long, int)[]? Direct(ModelDescriptor descriptor)
    {
        if (Array.Exists(descriptor.Parameters, p => p is not null))
            return null;
        var direct = new (long, int)[descriptor.Inputs.Length];
        for (int i = 0; i < direct.Length; i++)
        {
            var input = descriptor.Inputs[i];
            long product = 1;
            int symbol = -1;
            foreach (long dim in input.Dims)
            {
                if (dim >= 0)
                    product *= Math.Min(dim, (long)int.MaxValue + 1);
                else if (symbol == -1)
                    symbol = -1 - (int)dim;
                else
                    return null;
                // Sizes no span can have are left to the general passes, which saturate instead of overflowing.
                if (product > int.MaxValue)
                    return null;
            }
            // A sequence's tensors carry their own shapes: nothing to check (-1 product).
            direct[i] = input.IsSequence ? (-1, -1) : (product, symbol);
        }
        return direct;
    }

    private void GiveSymbols(ReadOnlySpan<long?> given, long[] symbols)
    {
        int next = 0;
        for (int s = 0; s < symbols.Length && next < given.Length; s++)
        {
            if (_descriptor.Parameters[s] is not { } parameter)
                continue;
            if (given[next++] is not { } value)
                continue; // an optional dim left out: its input's length decides it
            if (value < 0 || value > _maxElements)
            {
                throw new ArgumentOutOfRangeException(parameter, value,
                    $"{_descriptor.Name}: the dim '{_descriptor.Symbols[s]}' must be between 0 and {_maxElements}; {value} was given.");
            }
            symbols[s] = value;
        }
    }

    /// <summary>Refuses a shape whose inputs or outputs would exceed <see cref="TypedModelOptions.MaxElementsPerTensor"/>.</summary>
    public void CheckSizes(ReadOnlySpan<long> symbols)
    {
        CheckSizes(_descriptor.Inputs, "input", symbols);
        CheckSizes(_descriptor.Outputs, "output", symbols);
    }

    private void CheckSizes(TensorDescriptor[] tensors, string kind, ReadOnlySpan<long> symbols)
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
                    $"{_descriptor.Name}: {kind} '{tensor.Name}' {tensor.ShapeText(_descriptor.Symbols)} " +
                    $"would have more than {_maxElements} elements with {Known(symbols, null)}; raise TypedModelOptions.MaxElementsPerTensor to allow it.",
                    kind == "input" ? tensor.Parameter : InputSetting(tensor));
            }
        }
    }

    // The parameter behind an output's size: the first input that carries one of its dims.
    private string? InputSetting(TensorDescriptor output)
    {
        foreach (var input in _descriptor.Inputs)
        {
            foreach (long dim in output.Dims)
            {
                if (dim < 0 && Array.IndexOf(input.Dims, dim) >= 0)
                    return input.Parameter;
            }
        }
        return null;
    }

    // Sizes saturate just above the limit instead of overflowing: a model may declare absurd fixed dims.
    public long Times(long a, long b) => SymbolInference.Times(a, b, _maxElements);

    // The known symbols, of one tensor's dims (or all of them): a message quotes what the tensor itself depends on.
    private string Known(ReadOnlySpan<long> symbols, TensorDescriptor? tensor)
    {
        var known = new List<string>();
        for (int s = 0; s < symbols.Length; s++)
        {
            if (symbols[s] >= 0 && (tensor is null || Array.IndexOf(tensor.Dims, ModelDescriptor.Symbol(s)) >= 0))
                known.Add($"{_descriptor.Symbols[s]} = {symbols[s]}");
        }
        return string.Join(", ", known);
    }

    [DoesNotReturn]
    private void ThrowLength(int input, int length, long[] symbols)
    {
        var tensor = _descriptor.Inputs[input];
        string known = Known(symbols, tensor);
        long product = SymbolInference.KnownProduct(tensor.Dims, symbols, _maxElements, out int unknown, out int unknownCount);
        string expected = tensor.Dims.Length == 0 ? "so it takes exactly one element"
            : product == 0 ? "so it must be empty"
            : unknownCount == 0 ? $"so it needs exactly {product} elements"
            : unknownCount == 1 && tensor.Dims[0] == ModelDescriptor.Symbol(unknown) ? $"so it needs a whole number of rows of {product} elements"
            : $"so it needs a multiple of {product} elements";
        throw new ArgumentException(
            $"{_descriptor.Name}: input '{tensor.Name}' has shape {tensor.ShapeText(_descriptor.Symbols)}{(known.Length > 0 ? " with " + known : "")}, " +
            $"{expected}; {length} {(length == 1 ? "element was" : "elements were")} given.",
            tensor.Parameter);
    }

    [DoesNotReturn]
    private void ThrowUnresolved(long[] symbols)
    {
        var reasons = new List<string>();
        for (int s = 0; s < symbols.Length; s++)
        {
            if (!_inferred[s] || symbols[s] >= 0)
                continue;
            string reason = $"'{_descriptor.Symbols[s]}'";
            // An input that carries it but is empty through another dim: its length says nothing of this one.
            foreach (var input in _descriptor.Inputs)
            {
                if (!input.IsSequence && Array.IndexOf(input.Dims, ModelDescriptor.Symbol(s)) >= 0
                    && SymbolInference.KnownProduct(input.Dims, symbols, _maxElements, out _, out _) == 0)
                {
                    reason += $" (input '{input.Name}' {input.ShapeText(_descriptor.Symbols)} is empty with {Known(symbols, input)}, so its length says nothing of it)";
                    break;
                }
            }
            if (_descriptor.Parameters[s] is { } parameter)
                reason += $"; pass {parameter}";
            reasons.Add(reason);
        }
        throw new ArgumentException($"{_descriptor.Name}: the dims {string.Join(", and ", reasons)} cannot be inferred from the inputs' lengths.");
    }
}
