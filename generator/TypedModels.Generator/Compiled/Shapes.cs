using System;
using System.Collections.Generic;
using System.Linq;
using TypedModels.Generator.Models;

namespace TypedModels.Generator.Compiled;

/// <summary>Why a node cannot be compiled; thrown inside one node's planning and turned into a TM0011 reason naming it.</summary>
internal sealed class Unsupported(string message) : Exception(message);

/// <summary>
/// Shape arithmetic at build time, over dims that are fixed or one of the client's symbols: broadcasting, products,
/// Reshape's -1, axes. Whatever cannot be decided before the call (two different symbols meeting, a product of
/// symbols) is <see cref="Unsupported"/>, in words that name the symbols as the client's parameters do.
/// </summary>
internal sealed class Shapes(EquatableArray<SymbolSpec> symbols)
{
    // Dims the client's symbols determine by a formula (a Conv's output over a symbolic length, say): each is one more
    // symbol, numbered after the client's, computed once per call from them. One per distinct formula.
    private readonly List<(string Code, string Text)> _derived = new();

    /// <summary>The derived symbols' C# expressions, in order: symbol <c>client symbols + k</c> is <c>Derived[k]</c>.</summary>
    public EquatableArray<string> Derived => _derived.Select(d => d.Code).ToEquatableArray();

    /// <summary>
    /// A dim that is a formula of other dims: <paramref name="code"/> is a C# <c>long</c> expression over their
    /// <see cref="Code(PlanDim)"/>, <paramref name="text"/> how the user reads it. The same formula gives the same symbol,
    /// so two nodes that compute it agree at build time.
    /// </summary>
    public PlanDim Derive(string code, string text)
    {
        int at = _derived.FindIndex(d => d.Code == code);
        if (at < 0)
        {
            _derived.Add((code, text));
            at = _derived.Count - 1;
        }
        return PlanDim.Of(symbols.Count + at);
    }

    /// <summary>A dim as a C# <c>long</c> expression of the generated code: a literal, or its symbol's local.</summary>
    public static string Code(PlanDim dim) => dim.IsFixed ? dim.Value.ToString(System.Globalization.CultureInfo.InvariantCulture) + "L" : $"__s{dim.Symbol}";

    /// <summary>Numpy broadcasting, decided at compile time: a symbol meets itself or 1, never another size.</summary>
    public PlanDim[] Broadcast(PlanDim[] a, PlanDim[] b)
    {
        int rank = Math.Max(a.Length, b.Length);
        var shape = new PlanDim[rank];
        var one = PlanDim.Fixed(1);
        for (int i = 0; i < rank; i++)
        {
            var x = i - (rank - a.Length) >= 0 ? a[i - (rank - a.Length)] : one;
            var y = i - (rank - b.Length) >= 0 ? b[i - (rank - b.Length)] : one;
            shape[i] = x == y || y == one ? x
                : x == one ? y
                : throw new Unsupported($"{Text(a)} and {Text(b)} do not broadcast at compile time (dim {i}: {Name(x)} against {Name(y)})");
        }
        return shape;
    }

    /// <summary>The product of dims as one dim: fixed, or one symbol times 1.</summary>
    public PlanDim Product(IEnumerable<PlanDim> dims)
    {
        long product = 1;
        PlanDim? symbol = null;
        foreach (var dim in dims)
        {
            if (dim.IsFixed)
                product *= dim.Value;
            else if (symbol is null)
                symbol = dim;
            else
                throw new Unsupported("a flattened dim would be a product of symbols");
        }
        if (symbol is not { } only || product == 0)
            return PlanDim.Fixed(product);
        return product == 1 ? only : throw new Unsupported($"a flattened dim would be {Name(only)}·{product}, not a symbol");
    }

    /// <summary>Reshape's -1: the input's size over the other dims', as one dim.</summary>
    public PlanDim Quotient(PlanDim[] total, IEnumerable<PlanDim> known)
    {
        var open = total.Where(d => !d.IsFixed).ToList();
        long numerator = total.Where(d => d.IsFixed).Aggregate(1L, (p, d) => p * d.Value), denominator = 1;
        foreach (var dim in known)
        {
            if (dim.IsFixed)
                denominator *= dim.Value;
            else if (!open.Remove(dim))
                throw new Unsupported($"its -1 dim would divide by the symbol {Name(dim)}");
        }
        if (denominator == 0 || numerator % denominator != 0)
            throw new Unsupported("its -1 dim does not divide the input's size");
        long quotient = numerator / denominator;
        return open.Count switch
        {
            0 => PlanDim.Fixed(quotient),
            1 when quotient == 1 => open[0],
            _ => throw new Unsupported("its -1 dim would not be a single symbol"),
        };
    }

    /// <summary>Whether two shapes hold the same number of elements for every value of the symbols.</summary>
    public static bool SameSize(PlanDim[] a, PlanDim[] b)
    {
        static (long, string) Size(PlanDim[] dims) => (
            dims.Where(d => d.IsFixed).Aggregate(1L, (p, d) => p * d.Value),
            string.Join(",", dims.Where(d => !d.IsFixed).Select(d => d.Symbol).OrderBy(s => s)));
        var (x, y) = (Size(a), Size(b));
        return x.Item1 == y.Item1 && (x.Item2 == y.Item2 || x.Item1 == 0);
    }

    /// <summary>Two dims that must be equal, and are known to be at compile time.</summary>
    public void Same(PlanDim a, PlanDim b, string what)
    {
        if (a != b)
            throw new Unsupported($"{what} differ ({Name(a)} against {Name(b)}) or are not known to be equal at compile time");
    }

    /// <summary>An axis attribute resolved against a rank (negative counts from the end); <paramref name="inclusive"/> admits <c>rank</c> itself.</summary>
    public static int Axis(long axis, int rank, bool inclusive = false)
    {
        long limit = inclusive ? rank : rank - 1;
        long resolved = axis < 0 ? axis + rank : axis;
        return resolved >= 0 && resolved <= limit ? (int)resolved : throw new Unsupported($"its axis {axis} is out of range for rank {rank}");
    }

    /// <summary>Distinct axes, resolved.</summary>
    public static List<int> Axes(long[] axes, int rank)
    {
        var resolved = axes.Select(a => Axis(a, rank)).Distinct().ToList();
        return resolved.Count == axes.Length ? resolved : throw new Unsupported($"its axes [{string.Join(", ", axes)}] repeat a dim");
    }

    /// <summary>A dim as the user reads it: a number, or the symbol's name.</summary>
    public string Name(PlanDim dim) => dim.IsFixed ? dim.ToString() : dim.Symbol < symbols.Count ? symbols[dim.Symbol].Name : _derived[dim.Symbol - symbols.Count].Text;

    public string Text(IEnumerable<PlanDim> dims) => "[" + string.Join(", ", dims.Select(Name)) + "]";

    /// <summary>The number of elements of fixed dims.</summary>
    public static long Size(IEnumerable<PlanDim> dims) => dims.Aggregate(1L, (p, d) => p * d.Value);

    public static PlanDim[] Fixed(IEnumerable<long> dims) => dims.Select(PlanDim.Fixed).ToArray();
}
