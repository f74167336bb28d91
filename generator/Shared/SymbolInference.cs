namespace TypedModels;

/// <summary>
/// The one rule by which inputs' lengths determine a model's symbolic dims. The generator runs it to decide which dims
/// become <c>Predict</c> parameters; the runtime runs it on every new shape. One file compiled into both, so the two
/// cannot disagree on what a length implies. Plain arrays: the build step compiles this folder too, without System.Memory.
/// </summary>
/// <remarks>
/// Dims are fixed sizes (≥ 0) or symbols encoded as <c>-1 - index</c>; a symbol's value is ≥ 0 when known and
/// <see cref="Unknown"/> otherwise. An input whose one unknown symbol appears once, and whose other dims multiply to more
/// than 0, determines it: length ÷ the others. Empty tensors are valid ONNX values, so a 0 among the other dims (fixed,
/// or a symbol known to be 0) makes the length say nothing about the unknown one.
/// </remarks>
internal static class SymbolInference
{
    /// <summary>The value of a symbol not known yet.</summary>
    public const long Unknown = -1;

    /// <summary>
    /// Infers every symbol the lengths determine, in passes (a symbol one input fixes can make another input's length
    /// decisive). <paramref name="inputs"/> holds each input's dims, null for a sequence (its tensors carry their own
    /// shapes); <paramref name="cap"/> saturates products (a model may declare absurd fixed dims). Without
    /// <paramref name="lengths"/>, it only decides which symbols lengths would determine, and sets each to 1.
    /// </summary>
    /// <returns>The index of the first input whose length cannot fit its dims; -1 when none.</returns>
    public static int Infer(long[]?[] inputs, int[]? lengths, long[] symbols, long cap)
    {
        for (int pass = 0; pass <= inputs.Length; pass++)
        {
            bool progressed = false, pending = false;
            for (int i = 0; i < inputs.Length; i++)
            {
                if (inputs[i] is not { } dims)
                    continue;
                long known = KnownProduct(dims, symbols, cap, out int unknown, out int unknownCount);
                if (unknownCount == 0)
                {
                    if (lengths is not null && known != lengths[i])
                        return i;
                }
                else if (unknownCount == 1 && Occurrences(dims, unknown) == 1 && known > 0)
                {
                    if (lengths is not null && lengths[i] % known != 0)
                        return i;
                    symbols[unknown] = lengths is null ? 1 : lengths[i] / known;
                    progressed = true;
                }
                else if (known == 0 && lengths is not null && lengths[i] != 0)
                {
                    return i;
                }
                else
                {
                    pending = true;
                }
            }
            if (!pending || !progressed)
                return -1;
        }
        return -1;
    }

    /// <summary>
    /// The product of the dims known so far (saturating just above <paramref name="cap"/>); <paramref name="unknown"/> is
    /// the last unknown symbol and <paramref name="unknownCount"/> how many unknown dims change symbol (two for <c>[n, m]</c>).
    /// </summary>
    public static long KnownProduct(long[] dims, long[] symbols, long cap, out int unknown, out int unknownCount)
    {
        long known = 1;
        unknown = -1;
        unknownCount = 0;
        foreach (long dim in dims)
        {
            long value = dim >= 0 ? dim : symbols[-1 - (int)dim];
            if (value >= 0)
                known = Times(known, value, cap);
            else if (unknown != -1 - (int)dim)
                (unknown, unknownCount) = (-1 - (int)dim, unknownCount + 1);
        }
        return known;
    }

    /// <summary><paramref name="a"/> × <paramref name="b"/>, saturating at <paramref name="cap"/> + 1 instead of overflowing.</summary>
    public static long Times(long a, long b, long cap) => a == 0 || b == 0 ? 0 : a > (cap + 1) / b ? cap + 1 : a * b;

    /// <summary>
    /// Which symbols a caller gives, as the generator decides it: a symbol the lengths determine is
    /// <see cref="SymbolRole.Inferred"/>; of an input's symbols they leave open, all but the last are
    /// <see cref="SymbolRole.Given"/> and the last, which its length determines once the others are given, is
    /// <see cref="SymbolRole.Optional"/> (unless no length can determine it: a symbol twice in one input, or beside a 0).
    /// Symbols no input carries (outputs' alone, known after running) are <see cref="SymbolRole.None"/>.
    /// </summary>
    public static SymbolRole[] Roles(long[]?[] inputs, int symbolCount)
    {
        var roles = new SymbolRole[symbolCount];
        var symbols = new long[symbolCount];
        for (int s = 0; s < symbolCount; s++)
            symbols[s] = Unknown;

        void Run() => Infer(inputs, null, symbols, long.MaxValue - 1);

        Run();
        for (int s = 0; s < symbolCount; s++)
            roles[s] = symbols[s] >= 0 ? SymbolRole.Inferred : SymbolRole.None;

        foreach (var dims in inputs)
        {
            if (dims is null)
                continue;
            var open = new System.Collections.Generic.List<int>();
            foreach (long dim in dims)
            {
                if (dim < 0 && symbols[-1 - (int)dim] < 0 && !open.Contains(-1 - (int)dim))
                    open.Add(-1 - (int)dim);
            }
            if (open.Count == 0)
                continue;
            for (int k = 0; k < open.Count - 1; k++)
            {
                roles[open[k]] = SymbolRole.Given;
                symbols[open[k]] = 1;
            }
            int last = open[open.Count - 1];
            Run();
            roles[last] = symbols[last] >= 0 ? SymbolRole.Optional : SymbolRole.Given;
            symbols[last] = 1;
            // What the givens made decisive elsewhere is inferred, as the runtime will infer it.
            Run();
            for (int s = 0; s < symbolCount; s++)
            {
                if (roles[s] == SymbolRole.None && symbols[s] >= 0)
                    roles[s] = SymbolRole.Inferred;
            }
        }
        return roles;
    }

    private static int Occurrences(long[] dims, int symbol)
    {
        int count = 0;
        foreach (long dim in dims)
            count += dim == -1 - symbol ? 1 : 0;
        return count;
    }
}

/// <summary>How a caller supplies a symbolic dim (see <see cref="SymbolInference.Roles"/>).</summary>
internal enum SymbolRole
{
    /// <summary>No input carries it: known only after running.</summary>
    None,

    /// <summary>The inputs' lengths determine it.</summary>
    Inferred,

    /// <summary>A parameter the caller must give.</summary>
    Given,

    /// <summary>A parameter the caller may give; left out, its input's length determines it once the other dims are given.</summary>
    Optional,
}
