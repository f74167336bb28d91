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

    public ShapeResolver(ModelDescriptor descriptor, long maxElements)
    {
        _descriptor = descriptor;
        _maxElements = maxElements;
        _direct = Direct(descriptor);
        _inferred = new bool[descriptor.Symbols.Length];
        foreach (var input in descriptor.Inputs)
        {
            foreach (long dim in input.Dims)
            {
                if (dim < 0)
                    _inferred[-1 - (int)dim] = true;
            }
        }
    }

    /// <summary>Fills <paramref name="symbols"/>: given ones first (in the descriptor's order), the rest inferred from <paramref name="lengths"/>.</summary>
    /// <exception cref="ArgumentException">An input does not fit its shape, the inputs disagree on a dim, or a dim cannot be inferred.</exception>
    public void Resolve(ReadOnlySpan<int> lengths, ReadOnlySpan<long> given, Span<long> symbols)
    {
        symbols.Fill(-1);
        if (given.IsEmpty && _direct is { } direct && ResolveDirect(direct, _inferred, lengths, symbols))
            return;
        // Anything unusual (an empty input, a mismatch, given dims) takes the general passes, which also word the errors.
        symbols.Fill(-1);
        GiveSymbols(given, symbols);
        InferSymbols(lengths, symbols);
    }

    private static bool ResolveDirect((long Product, int Symbol)[] direct, bool[] inferred, ReadOnlySpan<int> lengths, Span<long> symbols)
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
                    $"would have more than {_maxElements} elements with {Known(symbols)}; raise TypedModelOptions.MaxElementsPerTensor to allow it.",
                    tensor.Name);
            }
        }
    }

    // Sizes saturate just above the limit instead of overflowing: a model may declare absurd fixed dims.
    public long Times(long a, long b) => a == 0 || b == 0 ? 0 : a > (_maxElements + 1) / b ? _maxElements + 1 : a * b;

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
}
