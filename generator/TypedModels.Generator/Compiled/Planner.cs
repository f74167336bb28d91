using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using TypedModels.Generator.Models;

namespace TypedModels.Generator.Compiled;

/// <summary>
/// Compiles a model's graph into a <see cref="ComputePlan"/> for <c>Backend="Compiled"</c>: walks the nodes the
/// client's outputs need (others may be anything), hands each to its <see cref="Op"/> (found in
/// <see cref="OpRegistry"/>), which infers its shapes from the inputs' (fixed dims and the client's symbols), folds it
/// when its inputs are known at build time, or adds the step that runs it. Anything it cannot compile is a reason naming
/// the node, its op type and why; a plan exists only when there is none. A subgraph (an <c>If</c>'s branch) is planned
/// by <see cref="PlanSubgraph"/>, in a scope of its own, into whichever list of steps its op gives.
/// </summary>
internal sealed class Planner
{
    private readonly Dictionary<string, Value> _values = new(StringComparer.Ordinal);
    private readonly List<PlanValue> _planValues = new();
    private readonly List<PlanConstant> _constants = new();
    private List<PlanStep> _steps = new(); // the model's, or a branch's while one is planned
    private readonly List<string> _reasons = new();
    private readonly Dictionary<string, int> _readers = new(StringComparer.Ordinal);
    private long _multiplyAdds;
    private CancellationToken _cancellationToken;

    private Planner(long opset, EquatableArray<SymbolSpec> symbols) => (Opset, Shapes) = (opset, new Shapes(symbols));

    public long Opset { get; }

    public Shapes Shapes { get; }

    /// <summary>The plan of <paramref name="signature"/>'s graph for a client with these inputs and outputs, or the reasons there is none.</summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled (checked per initializer and per node).</exception>
    public static (ComputePlan? Plan, List<string> Reasons) Plan(ModelSignature signature, EquatableArray<SymbolSpec> symbols,
        EquatableArray<TensorSpec> inputs, EquatableArray<TensorSpec> outputs, CancellationToken cancellationToken = default)
    {
        var graph = signature.Graph;
        if (graph is null)
            return (null, ["its graph was not read"]);
        if (graph.Refused is { } refused)
            return (null, [refused]);
        long opset = signature.Opsets.Where(o => o.Domain is "" or "ai.onnx").Select(o => o.Version).DefaultIfEmpty(0).Max();
        if (opset == 0)
            return (null, ["it imports no ai.onnx opset"]);
        var planner = new Planner(opset, symbols);
        var plan = planner.Build(graph, inputs, outputs, cancellationToken);
        return (planner._reasons.Count == 0 ? plan : null, planner._reasons);
    }

    private ComputePlan Build(ModelGraph graph, EquatableArray<TensorSpec> inputs, EquatableArray<TensorSpec> outputs, CancellationToken cancellationToken)
    {
        // A megabyte of weights is decoded here and a graph may have thousands of nodes: an edit that supersedes
        // this run stops it between any two (a branch's nodes included).
        _cancellationToken = cancellationToken;
        foreach (var initializer in graph.Initializers)
        {
            cancellationToken.ThrowIfCancellationRequested();
            _values[initializer.Name] = Value.FromConstant(initializer);
        }
        for (int i = 0; i < inputs.Count; i++)
        {
            var input = inputs[i];
            var shape = input.Dims.Select(d => d >= 0 ? PlanDim.Fixed(d) : PlanDim.Of(-1 - (int)d)).ToArray();
            string type = input.IsSequence ? "sequence" : input.ElementType.OnnxName;
            // A graph input shadows an initializer of the same name (its default); the caller gives it.
            _values[input.Name] = new Value(type, shape) { Index = Add(new PlanValue(input.Name, Storage.Input, i, shape.ToEquatableArray(), type)) };
        }

        var needed = Needed(graph, outputs.Select(o => o.Name)).ToList();
        foreach (string name in needed.SelectMany(n => n.Inputs.Concat(OuterNames(n))).Concat(outputs.Select(o => o.Name)))
            _readers[name] = _readers.TryGetValue(name, out int count) ? count + 1 : 1;

        var failed = new HashSet<string>(StringComparer.Ordinal);
        PlanNodes(needed, failed, _reasons, "");

        var outputIndexes = new List<int>();
        foreach (var output in outputs)
        {
            if (failed.Contains(output.Name))
                continue;
            if (!_values.TryGetValue(output.Name, out var value))
            {
                _reasons.Add($"output '{output.Name}' is computed by no node");
                continue;
            }
            try
            {
                CheckDeclared(output, value);
                outputIndexes.Add(Owned(output.Name, value));
            }
            catch (Unsupported e)
            {
                _reasons.Add($"output '{output.Name}': {e.Message}");
            }
        }
        return new ComputePlan(_constants.ToEquatableArray(), _planValues.ToEquatableArray(), _steps.ToEquatableArray(), outputIndexes.ToEquatableArray(), _multiplyAdds, Shapes.Derived);
    }

    /// <summary>
    /// Plans <paramref name="nodes"/> in order. A node fed by one that failed is not judged on shapes nobody could infer;
    /// one that cannot be planned adds a reason (after <paramref name="prefix"/>, which names the subgraph) and fails its outputs.
    /// </summary>
    private void PlanNodes(IEnumerable<GraphNode> nodes, HashSet<string> failed, List<string> reasons, string prefix)
    {
        foreach (var node in nodes)
        {
            _cancellationToken.ThrowIfCancellationRequested();
            if (node.Inputs.Concat(OuterNames(node)).Any(failed.Contains))
            {
                failed.UnionWith(node.Outputs);
                continue;
            }
            try
            {
                PlanNode(node);
            }
            catch (Unsupported e)
            {
                reasons.Add($"{prefix}node '{NodeName(node)}' ({node.OpType}): {e.Message}");
                failed.UnionWith(node.Outputs);
            }
            catch (Exception e) when (e is IndexOutOfRangeException or ArgumentException or InvalidCastException or OverflowException or FormatException or InvalidOperationException)
            {
                // A generator must never throw (CS8785): a graph this planner mishandles is a diagnostic, flagged as its bug.
                reasons.Add($"{prefix}node '{NodeName(node)}' ({node.OpType}): the planner failed on it ({e.GetType().Name}: {e.Message}); this is a TypedModels bug, please report it");
                failed.UnionWith(node.Outputs);
            }
        }
    }

    /// <summary>The nodes the outputs depend on, in the file's (topological) order; a node depends on its inputs and on the outer values its subgraphs read.</summary>
    private static IEnumerable<GraphNode> Needed(ModelGraph graph, IEnumerable<string> outputs)
    {
        var producers = new Dictionary<string, GraphNode>(StringComparer.Ordinal);
        foreach (var node in graph.Nodes)
        {
            foreach (var output in node.Outputs.Where(o => o.Length > 0))
                producers[output] = node;
        }
        var needed = new HashSet<GraphNode>();
        var pending = new Stack<string>(outputs);
        while (pending.Count > 0)
        {
            if (producers.TryGetValue(pending.Pop(), out var node) && needed.Add(node))
            {
                foreach (var input in node.Inputs.Concat(OuterNames(node)).Where(i => i.Length > 0))
                    pending.Push(input);
            }
        }
        return graph.Nodes.Where(needed.Contains);
    }

    /// <summary>The names a node's subgraphs read from outside themselves: what their nodes take (theirs, recursively) and what they return, less what they define.</summary>
    private static IEnumerable<string> OuterNames(GraphNode node)
    {
        foreach (var attribute in node.Attributes)
        {
            if (attribute.Graph is not { } graph)
                continue;
            var own = new HashSet<string>(graph.Initializers.Select(i => i.Name).Concat(graph.Nodes.SelectMany(n => n.Outputs)), StringComparer.Ordinal);
            foreach (var name in graph.Nodes.SelectMany(n => n.Inputs.Concat(OuterNames(n))).Concat(graph.Outputs))
            {
                if (!own.Contains(name))
                    yield return name;
            }
        }
    }

    /// <summary>
    /// Plans the nodes <paramref name="graph"/>'s outputs need, its steps added to <paramref name="steps"/> (the
    /// current list, for a branch planned in place), and returns its outputs' values. Its initializers and node
    /// outputs shadow outer values of the same names until it returns; outer values stay visible. A node it cannot
    /// plan fails the whole subgraph: the nodes not fed by a failed one are still judged, and every reason is thrown
    /// together, each naming its node as <paramref name="what"/>'s.
    /// </summary>
    internal Value[] PlanSubgraph(ModelGraph graph, string what, List<PlanStep> steps)
    {
        var shadowed = new Dictionary<string, Value?>(StringComparer.Ordinal);
        foreach (var name in graph.Initializers.Select(i => i.Name).Concat(graph.Nodes.SelectMany(n => n.Outputs)).Where(n => n.Length > 0))
        {
            if (!shadowed.ContainsKey(name))
                shadowed[name] = Lookup(name);
        }
        var outerSteps = _steps;
        _steps = steps;
        try
        {
            foreach (var initializer in graph.Initializers)
                _values[initializer.Name] = Value.FromConstant(initializer);
            var reasons = new List<string>();
            var failed = new HashSet<string>(StringComparer.Ordinal);
            PlanNodes(Needed(graph, graph.Outputs), failed, reasons, what + "'s ");
            foreach (var output in graph.Outputs.Where(o => !failed.Contains(o) && Lookup(o) is null))
                reasons.Add($"{what}'s output '{output}' is computed by no node");
            if (reasons.Count > 0)
                throw new Unsupported(string.Join("; ", reasons));
            return graph.Outputs.Select(o => Lookup(o)!).ToArray();
        }
        finally
        {
            _steps = outerSteps;
            foreach (var pair in shadowed)
            {
                if (pair.Value is null)
                    _values.Remove(pair.Key);
                else
                    _values[pair.Key] = pair.Value;
            }
        }
    }

    /// <summary>The steps planned so far (the current branch's while one is planned): for a branch planned in place, and for an op that folds itself into the step before it.</summary>
    internal List<PlanStep> Steps => _steps;

    private void PlanNode(GraphNode node)
    {
        if (node.Domain is not ("" or "ai.onnx"))
            throw new Unsupported($"the domain '{node.Domain}' is not ONNX's own");
        var op = OpRegistry.Find(node.OpType)
            ?? throw new Unsupported("the compiled backend has no kernel for it (it runs " + string.Join(", ", OpRegistry.Supported) + ")");
        if (Opset < op.SinceOpset)
            throw new Unsupported($"the compiled backend follows {node.OpType} from opset {op.SinceOpset}; the model imports opset {Opset}");
        foreach (var attribute in node.Attributes.Where(a => a.Kind == AttributeKind.Other))
            throw new Unsupported($"its attribute '{attribute.Name}' is a list of strings, tensors or graphs, or a sparse tensor");
        foreach (var attribute in node.Attributes.Where(a => a.Kind == AttributeKind.Graph && node.OpType != "If"))
            throw new Unsupported($"its attribute '{attribute.Name}' is a graph; the compiled backend runs a subgraph only as an If's branch");
        op.Plan(new NodeContext(this, Opset < 7 ? Legacy.Upgrade(this, node) : node, op));
    }

    // --- the value store, for NodeContext ---

    internal Value? Lookup(string name) => _values.TryGetValue(name, out var value) ? value : null;

    internal void Define(string name, Value value) => _values[name] = value;

    /// <summary>A value's plan index; a known value becomes a constant (static data) on first use.</summary>
    internal int Use(string name, Value value)
    {
        if (value.Index >= 0)
            return value.Index;
        if (value.Dims is { } dims)
        {
            // Written by a step where it is read, each time: a Value outlives the branch of an If that first reads it.
            int written = Add(new PlanValue(name, Storage.Arena, 0, value.Shape.ToEquatableArray(), value.ElementType));
            _steps.Add(new Ops.DimsStep(name, written, dims.ToEquatableArray(), value.ElementType));
            return written;
        }
        if (!value.IsKnown)
            throw new Unsupported($"'{name}' has no data the compiler can read");
        _constants.Add(new PlanConstant(name, value.ElementType, (int)value.Count, value.ToBase64()));
        value.Index = Add(new PlanValue(name, Storage.Constant, _constants.Count - 1, value.Shape.ToEquatableArray(), value.ElementType));
        return value.Index;
    }

    internal int NewArena(string name, PlanDim[] shape, string elementType)
    {
        var value = new Value(elementType, shape) { Index = Add(new PlanValue(name, Storage.Arena, 0, shape.ToEquatableArray(), elementType)) };
        _values[name] = value;
        return value.Index;
    }

    internal void Alias(string name, Value source, PlanDim[] shape)
    {
        if (source.Index < 0)
        {
            // Known data under a new shape is still known (a Reshape of weights, say).
            _values[name] = new Value(source.ElementType, shape) { Floats = source.Floats, Doubles = source.Doubles, Longs = source.Longs, Dims = source.Dims };
            return;
        }
        _values[name] = new Value(source.ElementType, shape)
        {
            Index = Add(new PlanValue(name, Storage.Alias, source.Index, shape.ToEquatableArray(), source.ElementType)),
        };
    }

    internal void AddStep(PlanStep step) => _steps.Add(step);

    internal void Replace(PlanStep old, PlanStep replacement) => _steps[_steps.IndexOf(old)] = replacement;

    internal void Remove(PlanStep step) => _steps.Remove(step);

    /// <summary>How many needed nodes read the value <paramref name="name"/>, a client output counting as one more.</summary>
    internal int Readers(string name) => _readers.TryGetValue(name, out int count) ? count : 0;

    /// <summary>The floats of a planned constant (following aliases); null when the value is not a float constant.</summary>
    internal float[]? ConstantFloats(int index)
    {
        if (index < 0)
            return null;
        var value = _planValues[index];
        while (value.Storage == Storage.Alias)
            value = _planValues[value.Source];
        if (value.Storage != Storage.Constant || value.ElementType != "float")
            return null;
        byte[] bytes = Convert.FromBase64String(_constants[value.Source].Data);
        var floats = new float[bytes.Length / 4];
        Buffer.BlockCopy(bytes, 0, floats, 0, bytes.Length);
        return floats;
    }

    internal void CountWork(IEnumerable<PlanDim> output, PlanDim summed)
    {
        long work = output.Where(d => d.IsFixed).Aggregate(summed.IsFixed ? summed.Value : 1, (p, d) => p * d.Value);
        _multiplyAdds = work > long.MaxValue - _multiplyAdds ? long.MaxValue : _multiplyAdds + work;
    }

    /// <summary>The value an output is read from: one with arena storage, copied there when it is an input or a constant.</summary>
    private int Owned(string name, Value value)
    {
        if (ElementTypes.Carried(value.ElementType) is null || value.ElementType is "string" or "float16" or "bfloat16")
            throw new Unsupported($"it is {(value.ElementType == "sequence" ? "a sequence" : "a tensor of " + value.ElementType)}, which the compiled backend does not return");
        int index = Use(name, value);
        int root = index;
        while (_planValues[root].Storage == Storage.Alias)
            root = _planValues[root].Source;
        if (_planValues[root].Storage == Storage.Arena)
            return index;
        int copy = Add(new PlanValue(name, Storage.Arena, 0, value.Shape.ToEquatableArray(), value.ElementType));
        _steps.Add(new CopyStep(name, "Identity", index, copy, value.ElementType));
        return copy;
    }

    private int Add(PlanValue value)
    {
        _planValues.Add(value);
        return _planValues.Count - 1;
    }

    private void CheckDeclared(TensorSpec output, Value value)
    {
        bool same = output.Dims.Count == value.Shape.Length && output.ElementType.OnnxName == value.ElementType;
        for (int i = 0; same && i < output.Dims.Count; i++)
            same = output.Dims[i] < 0 || value.Shape[i] == PlanDim.Fixed(output.Dims[i]);
        if (!same)
            throw new Unsupported($"the model declares it {output.ElementType.OnnxName} {output.ShapeText}, but it computes {value.ElementType} {Shapes.Text(value.Shape)}");
    }

    internal static string NodeName(GraphNode node) => node.Name.Length > 0 ? node.Name : node.Outputs.FirstOrDefault() ?? "";
}

/// <summary>An output that is an input or a constant, copied into the arena the result is read from.</summary>
internal sealed record CopyStep(string Node, string OpType, int X, int D, string ElementType) : PlanStep(Node, OpType)
{
    public override void Emit(StepWriter w) => w.Call("Copy", ElementType, ("x", w.Tensor(X)), ("d", w.Tensor(D)));
}
