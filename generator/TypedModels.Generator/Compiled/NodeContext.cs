using System.Collections.Generic;
using System.Linq;
using TypedModels.Generator.Models;

namespace TypedModels.Generator.Compiled;

/// <summary>
/// What an <see cref="Op"/> sees of the node it plans: its inputs as <see cref="Value"/>s, its attributes, the opset,
/// and the ways to give its outputs: a new arena tensor written by a step (<see cref="Output"/> + <see cref="Step"/>),
/// another value's storage under a new shape (<see cref="Alias"/>), or data known at build time (<see cref="Known"/>).
/// </summary>
internal sealed class NodeContext
{
    private readonly Planner _planner;

    internal NodeContext(Planner planner, GraphNode node, Op op)
    {
        _planner = planner;
        Node = node;
        Op = op;
    }

    public GraphNode Node { get; }

    public Op Op { get; }

    public string OpType => Node.OpType;

    /// <summary>The model's ai.onnx opset, which decides among an operator's versions.</summary>
    public long Opset => _planner.Opset;

    public Shapes Shapes => _planner.Shapes;

    /// <summary>The node's name for a step's comment: its own, or its first output's.</summary>
    public string Name => Planner.NodeName(Node);

    public int InputCount => Node.Inputs.Count;

    /// <summary>Whether optional input <paramref name="index"/> is given (an empty name leaves it out).</summary>
    public bool Has(int index) => index < Node.Inputs.Count && Node.Inputs[index].Length > 0;

    /// <summary>Whether output <paramref name="index"/> is asked for.</summary>
    public bool Wants(int index) => index < Node.Outputs.Count && Node.Outputs[index].Length > 0;

    /// <summary>Input <paramref name="index"/>, whatever its type.</summary>
    public Value Input(int index)
    {
        if (!Has(index))
            throw new Unsupported($"input {index} is missing");
        string name = Node.Inputs[index];
        return _planner.Lookup(name) ?? throw new Unsupported($"its input '{name}' is produced by no node before it");
    }

    /// <summary>Input <paramref name="index"/> as data a kernel reads: of one of the op's <see cref="Op.Types"/>, given at run time or known.</summary>
    public Value Data(int index) => Data(index, Op.Types);

    public Value Data(int index, IReadOnlyList<string> types)
    {
        var value = Input(index);
        string name = Node.Inputs[index];
        if (!types.Contains(value.ElementType))
        {
            throw new Unsupported($"input '{name}' is {(value.ElementType == "sequence" ? "a sequence" : "a tensor of " + value.ElementType)}; " +
                $"the compiled {OpType} takes {string.Join(", ", types)}");
        }
        if (value.Index < 0 && !value.IsKnown && value.Dims is null)
            throw new Unsupported($"input '{name}' has no data the compiler can read");
        return value;
    }

    /// <summary>Input <paramref name="index"/>'s integers, which must be known at build time (a shape, axes, repeats).</summary>
    public long[] Longs(int index, string what) => Input(index).Longs ?? throw new Unsupported($"its {what} {(Input(index).Dims is null ? "are not a constant" : "hold symbolic dims")}");

    /// <summary>The plan index of input <paramref name="index"/>'s tensor, for a step to read; -1 when an optional input is absent. A known value becomes static data on first use.</summary>
    public int Tensor(int index) => Has(index) ? _planner.Use(Node.Inputs[index], Input(index)) : -1;

    /// <summary>The plan index of data the op made at build time (weights in another layout, say), as static data named <paramref name="name"/>.</summary>
    public int Constant(string name, Value value) => _planner.Use(name, value);

    /// <summary>Output <paramref name="index"/> as a new tensor of its own in the arena, for a step to write.</summary>
    public int Output(PlanDim[] shape, string elementType = "float", int index = 0) => _planner.NewArena(Node.Outputs[index], shape, elementType);

    /// <summary>
    /// A tensor of the arena that no later node reads: a step's working memory (a recurrent op's gates, weights it lays
    /// out at run time, a chain's partial results), named after the node and <paramref name="purpose"/>. Its lifetime is
    /// the steps that name it.
    /// </summary>
    public int Scratch(PlanDim[] shape, string purpose = "scratch", string elementType = "float") => _planner.NewArena(Name + "/" + purpose, shape, elementType);

    /// <summary>Output <paramref name="index"/> as another value, whatever it holds (an If's output as its branch's).</summary>
    public void Define(Value value, int index) => _planner.Define(Node.Outputs[index], value);

    /// <summary>Output 0 as input 0's data under another shape: Identity, Reshape, Flatten and friends copy nothing.</summary>
    public void Alias(PlanDim[] shape, int input = 0) => _planner.Alias(Node.Outputs[0], Input(input), shape);

    /// <summary>Output <paramref name="index"/> known at build time: later nodes fold on it, and it becomes static data only if a kernel reads it.</summary>
    public void Known(Value value, int index = 0) => _planner.Define(Node.Outputs[index], value);

    public void Step(PlanStep step) => _planner.AddStep(step);

    /// <summary>The steps planned before this node: an op may fold itself into the one that writes its input.</summary>
    public IReadOnlyList<PlanStep> Steps => _planner.Steps;

    /// <summary>Puts <paramref name="replacement"/> where <paramref name="old"/> was planned.</summary>
    public void Replace(PlanStep old, PlanStep replacement) => _planner.Replace(old, replacement);

    /// <summary>Drops a step planned before this node whose work this node now does itself (its output then has no storage).</summary>
    public void Remove(PlanStep step) => _planner.Remove(step);

    /// <summary>Whether this node is the only reader of input <paramref name="index"/> (no other node reads it, and it is no client output).</summary>
    public bool OnlyReader(int index) => _planner.Readers(Node.Inputs[index]) == 1;

    /// <summary>The floats of a planned constant (a step's weights, say); null when the value is not one.</summary>
    public float[]? ConstantFloats(int planIndex) => _planner.ConstantFloats(planIndex);

    /// <summary>Graph attribute <paramref name="name"/>'s subgraph; null when the node has none of that name.</summary>
    public ModelGraph? Graph(string name) => Attribute(name) is { Kind: AttributeKind.Graph, Graph: { } graph } ? graph : null;

    /// <summary>Plans <paramref name="graph"/>'s nodes in a scope of their own (outer values visible, its names shadowing them), its steps into <paramref name="steps"/>, or in place when null; returns its outputs' values.</summary>
    public Value[] Subgraph(ModelGraph graph, string what, List<PlanStep>? steps = null) => _planner.PlanSubgraph(graph, what, steps ?? _planner.Steps);

    /// <summary>The plan index of <paramref name="value"/> (a subgraph's output, say), known data becoming static data named <paramref name="name"/>.</summary>
    public int Index(string name, Value value) => _planner.Use(name, value);

    /// <summary>Adds a product's multiply-adds per row: its output's fixed dims times the summed dim (symbols count as 1).</summary>
    public void CountWork(IEnumerable<PlanDim> output, PlanDim summed) => _planner.CountWork(output, summed);

    public NodeAttribute? Attribute(string name) => Node.Attributes.FirstOrDefault(a => a.Name == name);

    public long Int(string name, long fallback) => Attribute(name) is { Kind: AttributeKind.Int, Ints.Count: > 0 } a ? a.Ints[0] : fallback;

    public float Float(string name, float fallback) => Attribute(name) is { Kind: AttributeKind.Float, Floats.Count: > 0 } a ? a.Floats[0] : fallback;

    public long[]? Ints(string name) => Attribute(name) is { Kind: AttributeKind.Ints } a ? a.Ints.ToArray() : null;

    public float[]? Floats(string name) => Attribute(name) is { Kind: AttributeKind.Floats } a ? a.Floats.ToArray() : null;

    public string? String(string name) => Attribute(name) is { Kind: AttributeKind.String } a ? a.Text : null;

    public string Text(IEnumerable<PlanDim> dims) => Shapes.Text(dims);
}
