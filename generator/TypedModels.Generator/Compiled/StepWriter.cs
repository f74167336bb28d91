using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using TypedModels.Generator.Helpers;
using TypedModels.Generator.Models;

namespace TypedModels.Generator.Compiled;

/// <summary>
/// What a <see cref="PlanStep"/> writes its code with: the span each tensor lives in, arguments as C# expressions,
/// and <see cref="Call"/>, which writes one kernel call with named arguments. It records which values each step
/// names, which is all the arena needs to know of lifetimes (<see cref="ArenaLayout"/>), and which constants are read.
/// </summary>
internal sealed class StepWriter(ClientSpec client, ComputePlan plan)
{
    private const string Kernels = "global::TypedModels.Compiled.Kernels";
    private readonly List<HashSet<int>> _mentions = new();
    private readonly List<string> _dimLines = new();
    private int _dimLocals;

    /// <summary>Where the steps' code goes.</summary>
    public SourceWriter Code { get; } = new();

    public ComputePlan Plan => plan;

    /// <summary>The constants some step's code reads (an inlined layer carries its weights in its code).</summary>
    public HashSet<int> UsedConstants { get; } = new();

    /// <summary>Static int arrays for dims fixed at build time, each written once: <c>__Dims{i}</c>.</summary>
    public List<string> DimArrays { get; } = new();

    /// <summary>For each step, the values its code names.</summary>
    public IReadOnlyList<HashSet<int>> Mentions => _mentions;

    public void BeginStep() => _mentions.Add(new HashSet<int>());

    /// <summary>Writes <paramref name="step"/>'s code under a comment naming its node and op type; a step holding others (an If's branches) writes theirs so, inside its own.</summary>
    public void Write(PlanStep step)
    {
        Code.WriteLine($"// {Comment(step.Node)} ({step.OpType})");
        step.Emit(this);
    }

    /// <summary>A node name made safe for a line comment.</summary>
    private static string Comment(string text) => new(text.Select(c => char.IsControl(c) ? ' ' : c).ToArray());

    /// <summary>The span value <paramref name="index"/> lives in: a parameter, a static constant, or its slice of the arena (an alias is its source's); <c>default</c> for an absent optional input (-1).</summary>
    public string Tensor(int index)
    {
        if (index < 0)
            return "default";
        if (_mentions.Count > 0)
            _mentions[_mentions.Count - 1].Add(index);
        return Span(index);
    }

    private string Span(int index)
    {
        var value = plan.Values[index];
        if (value.Storage == Storage.Constant)
            UsedConstants.Add(value.Source);
        return value.Storage switch
        {
            Storage.Input when client.Inputs[value.Source].IsScalar => $"new global::System.ReadOnlySpan<{Clr(value.ElementType)}>(in {client.Inputs[value.Source].Identifier})",
            Storage.Input => client.Inputs[value.Source].Identifier,
            Storage.Constant => $"__Weights{value.Source}",
            Storage.Alias => Span(value.Source),
            _ => $"__v{index}",
        };
    }

    /// <summary>
    /// Writes <c>Kernels.{kernel}(name: value, …);</c>; with <paramref name="typeArgument"/>, as <c>Kernels.{kernel}&lt;T&gt;</c> of
    /// its C# type. The dims <see cref="Shape(IEnumerable{PlanDim})"/> stores one by one are declared on the lines before it.
    /// </summary>
    public void Call(string kernel, string? typeArgument, params (string Name, string Value)[] args)
    {
        foreach (string line in _dimLines)
            Code.WriteLine(line);
        _dimLines.Clear();
        Code.WriteLine($"{Kernels}.{kernel}{(typeArgument is null ? "" : "<" + Clr(typeArgument) + ">")}({string.Join(", ", args.Select(a => a.Name + ": " + a.Value))});");
    }

    public void Call(string kernel, params (string Name, string Value)[] args) => Call(kernel, null, args);

    /// <summary>
    /// Dims as a <c>ReadOnlySpan&lt;int&gt;</c>: a static array when all are fixed, else a stackalloc; one with three or more
    /// fixed dims is a local whose dims are stored one by one, declared before the call (<see cref="Call(string, string?, (string Name, string Value)[])"/>).
    /// </summary>
    /// <remarks>
    /// The C# compiler fills a stackalloc that lists at least three constants (and a third of its elements) from a data
    /// blob through <c>RuntimeHelpers.CreateSpan</c>, which the JIT expands in place when it optimises but a Debug build
    /// calls, allocating 72 bytes each time: a rank-4 shape of a symbolic batch, <c>{ (int)__s0, 8, 16, 16 }</c>, would
    /// allocate on every call of a Debug build (as a stackalloc of constants alone would, hence the static arrays).
    /// Stores of each dim never allocate.
    /// </remarks>
    public string Shape(IEnumerable<PlanDim> dims)
    {
        var list = dims.ToList();
        if (list.Count == 0)
            return "global::System.ReadOnlySpan<int>.Empty";
        if (list.All(d => d.IsFixed))
        {
            string text = string.Join(", ", list.Select(d => Number(d.Value)));
            int at = DimArrays.IndexOf(text);
            if (at < 0)
            {
                DimArrays.Add(text);
                at = DimArrays.Count - 1;
            }
            return $"__Dims{at}";
        }
        var items = list.Select(d => d.IsFixed ? Number(d.Value) : $"(int)__s{d.Symbol}").ToList();
        if (list.Count(d => d.IsFixed) < 3)
            return $"stackalloc int[] {{ {string.Join(", ", items)} }}";
        string name = $"__dims{_dimLocals++}";
        _dimLines.Add($"global::System.Span<int> {name} = stackalloc int[{items.Count}];");
        _dimLines.Add(string.Join(" ", items.Select((item, i) => $"{name}[{i}] = {item};")));
        return name;
    }

    public string Shape(IEnumerable<long> values) => Shape(values.Select(PlanDim.Fixed));

    /// <summary>The number of elements of dims as an <c>int</c> expression: a literal when every dim is fixed.</summary>
    public static string Count(IEnumerable<PlanDim> dims)
    {
        var list = dims.ToList();
        return list.All(d => d.IsFixed) ? Number(list.Aggregate(1L, (p, d) => p * d.Value)) : $"(int)({Size(list)})";
    }

    public static string Count(PlanDim dim) => Count([dim]);

    /// <summary>The number of elements of a shape, as a <c>long</c> expression (the arena's size is checked before any is cast to int).</summary>
    public static string Size(IEnumerable<PlanDim> shape)
    {
        var list = shape.ToList();
        long product = list.Where(d => d.IsFixed).Aggregate(1L, (p, d) => p * d.Value);
        var symbols = list.Where(d => !d.IsFixed).Select(d => $"__s{d.Symbol}").ToList();
        if (product == 0 || symbols.Count == 0)
            return Number(product) + "L";
        return string.Join(" * ", product == 1 ? symbols : symbols.Append(Number(product) + "L"));
    }

    public static string Dim(PlanDim dim) => dim.IsFixed ? Number(dim.Value) : $"__s{dim.Symbol}";

    public static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);

    public static string Bool(bool value) => value ? "true" : "false";

    /// <summary>A float as C# source that reads back bit for bit: nine significant digits, or the named constants.</summary>
    public static string Float(float value)
    {
        if (float.IsNaN(value))
            return "float.NaN";
        if (float.IsPositiveInfinity(value))
            return "float.PositiveInfinity";
        if (float.IsNegativeInfinity(value))
            return "float.NegativeInfinity";
        if (value == 0 && 1f / value < 0)
            return "-0f";
        return value.ToString("G9", CultureInfo.InvariantCulture) + "f";
    }

    /// <summary>A double as C# source that reads back bit for bit.</summary>
    public static string Double(double value)
    {
        if (double.IsNaN(value))
            return "double.NaN";
        if (double.IsPositiveInfinity(value))
            return "double.PositiveInfinity";
        if (double.IsNegativeInfinity(value))
            return "double.NegativeInfinity";
        if (value == 0 && 1d / value < 0)
            return "-0d";
        return value.ToString("R", CultureInfo.InvariantCulture) + "d";
    }

    /// <summary>Element <paramref name="index"/> of known data as a C# expression of its element type.</summary>
    public static string Literal(Value value, int index) => value.ElementType switch
    {
        "float" => Float(value.Floats![index]),
        "double" => Double(value.Doubles![index]),
        "bool" => Bool(value.Longs![index] != 0),
        var type => $"({Clr(type)}){(value.Longs![index] == long.MinValue ? "long.MinValue" : Number(value.Longs![index]))}",
    };

    /// <summary>The C# type of an ONNX element type a compiled tensor may have.</summary>
    public static string Clr(string elementType) => ElementTypes.Carried(elementType)?.ClrType ?? throw new Unsupported($"a tensor of {elementType} has no C# type");

    /// <summary>The float values of the constant a tensor argument reads, following aliases; null when it is computed or given.</summary>
    public float[]? ConstantFloats(int index)
    {
        if (index < 0)
            return null;
        var value = plan.Values[index];
        while (value.Storage == Storage.Alias)
            value = plan.Values[value.Source];
        if (value.Storage != Storage.Constant || value.ElementType != "float")
            return null;
        byte[] bytes = Convert.FromBase64String(plan.Constants[value.Source].Data);
        return Enumerable.Range(0, bytes.Length / 4).Select(i => BitConverter.ToSingle(bytes, i * 4)).ToArray();
    }

    /// <summary>Whether a tensor argument reads a constant of at most <paramref name="count"/> elements.</summary>
    public bool IsSmallConstant(int index, long count)
    {
        if (index < 0)
            return false;
        var value = plan.Values[index];
        while (value.Storage == Storage.Alias)
            value = plan.Values[value.Source];
        return value.Storage == Storage.Constant && plan.Constants[value.Source].Count <= count;
    }
}
