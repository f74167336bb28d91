using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using TypedModels.Generator.Models;

namespace TypedModels.Generator;

public sealed partial class TypedModelGenerator
{
    /// <summary>
    /// Compiles a model's graph into a <see cref="ComputePlan"/> for <c>Backend="Compiled"</c>: walks the nodes the
    /// client's outputs need (others may be anything), infers every shape from the inputs' (fixed dims and the client's
    /// symbols), folds the constant shapes of Reshape and Tile, and picks a kernel per node. Anything it cannot compile
    /// is a reason naming the node, its op type and why; a plan exists only when there is none.
    /// </summary>
    internal sealed class Planner
    {
        /// <summary>The ops the compiled backend runs: the one list, which the conformance report prints and a test holds the README's list to.</summary>
        public static readonly string[] SupportedOps =
        [
            "Abs", "Add", "Cast", "CastLike", "Ceil", "Clip", "Concat", "Constant", "Cos", "Div", "Dropout", "Elu", "Exp", "Flatten",
            "Floor", "Gemm", "HardSigmoid", "Identity", "LeakyRelu", "Log", "LogSoftmax", "MatMul", "Mul", "Neg", "Reciprocal", "ReduceL1", "ReduceL2",
            "ReduceLogSum", "ReduceLogSumExp", "ReduceMax", "ReduceMean", "ReduceMin", "ReduceProd", "ReduceSum", "ReduceSumSquare",
            "Relu", "Reshape", "Round",
            "Selu", "Sigmoid", "Sin", "Softmax", "Softplus", "Softsign", "Sqrt", "Squeeze", "Sub", "Tanh", "ThresholdedRelu",
            "Tile", "Transpose", "Unsqueeze",
        ];

        private readonly Dictionary<string, Value> _values = new(StringComparer.Ordinal);
        private readonly List<PlanValue> _planValues = new();
        private readonly List<PlanConstant> _constants = new();
        private readonly List<PlanStep> _steps = new();
        private readonly List<string> _reasons = new();
        private readonly long _opset;
        private readonly EquatableArray<SymbolSpec> _symbols;
        private long _multiplyAdds;
        private GraphNode _node = null!;

        private Planner(long opset, EquatableArray<SymbolSpec> symbols) => (_opset, _symbols) = (opset, symbols);

        /// <summary>A tensor during planning: its shape, and its data when known at compile time.</summary>
        private sealed class Value(string elementType, PlanDim[] shape)
        {
            public string ElementType = elementType;
            public PlanDim[] Shape = shape;
            public float[]? Floats;
            public long[]? Longs;
            public int Index = -1;
        }

        /// <summary>Why a node cannot be compiled; thrown inside one node's planning and turned into a reason.</summary>
        private sealed class Unsupported(string message) : Exception(message);

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
            if (opset < 7)
            {
                return (null, [opset == 0 ? "it imports no ai.onnx opset" : $"it imports ai.onnx opset {opset}; the compiled backend starts at opset 7 (numpy broadcasting)"]);
            }
            var planner = new Planner(opset, symbols);
            var plan = planner.Build(graph, inputs, outputs, cancellationToken);
            return (planner._reasons.Count == 0 ? plan : null, planner._reasons);
        }

        private ComputePlan Build(ModelGraph graph, EquatableArray<TensorSpec> inputs, EquatableArray<TensorSpec> outputs, CancellationToken cancellationToken)
        {
            // A megabyte of weights is decoded here and a graph may have thousands of nodes: an edit that supersedes
            // this run stops it between any two.
            foreach (var initializer in graph.Initializers)
            {
                cancellationToken.ThrowIfCancellationRequested();
                _values[initializer.Name] = FromConstant(initializer);
            }
            for (int i = 0; i < inputs.Count; i++)
            {
                var input = inputs[i];
                // A graph input shadows an initializer of the same name (its default); the caller gives it.
                _values[input.Name] = new Value(input.IsSequence ? "sequence" : input.ElementType.OnnxName,
                    input.Dims.Select(d => d >= 0 ? PlanDim.Fixed(d) : PlanDim.Of(-1 - (int)d)).ToArray())
                { Index = Add(new PlanValue(input.Name, Storage.Input, i, default)) };
            }

            var producers = new Dictionary<string, GraphNode>(StringComparer.Ordinal);
            foreach (var node in graph.Nodes)
            {
                foreach (var output in node.Outputs.Where(o => o.Length > 0))
                    producers[output] = node;
            }
            var needed = new HashSet<GraphNode>();
            var pending = new Stack<string>(outputs.Select(o => o.Name));
            while (pending.Count > 0)
            {
                if (producers.TryGetValue(pending.Pop(), out var node) && needed.Add(node))
                {
                    foreach (var input in node.Inputs.Where(i => i.Length > 0))
                        pending.Push(input);
                }
            }

            var failed = new HashSet<string>(StringComparer.Ordinal);
            foreach (var node in graph.Nodes.Where(needed.Contains))
            {
                cancellationToken.ThrowIfCancellationRequested();
                // A node fed by one that failed is not judged on shapes nobody could infer.
                if (node.Inputs.Any(failed.Contains))
                {
                    failed.UnionWith(node.Outputs);
                    continue;
                }
                _node = node;
                try
                {
                    if (node.Domain is not ("" or "ai.onnx"))
                        throw new Unsupported($"the domain '{node.Domain}' is not ONNX's own");
                    if (Array.IndexOf(SupportedOps, node.OpType) < 0)
                        throw new Unsupported("the compiled backend has no kernel for it (it runs " + string.Join(", ", SupportedOps) + ")");
                    foreach (var attribute in node.Attributes.Where(a => a.Kind == AttributeKind.Other))
                        throw new Unsupported($"its attribute '{attribute.Name}' is a graph, string list or tensor list");
                    PlanNode(node);
                }
                catch (Unsupported e)
                {
                    _reasons.Add($"node '{NodeName(node)}' ({node.OpType}): {e.Message}");
                    failed.UnionWith(node.Outputs);
                }
                catch (Exception e) when (e is IndexOutOfRangeException or ArgumentException or InvalidCastException or OverflowException or FormatException)
                {
                    // A generator must never throw (CS8785): a graph this planner mishandles is a diagnostic, flagged as its bug.
                    _reasons.Add($"node '{NodeName(node)}' ({node.OpType}): the planner failed on it ({e.GetType().Name}: {e.Message}); this is a TypedModels bug, please report it");
                    failed.UnionWith(node.Outputs);
                }
            }

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
            return new ComputePlan(_constants.ToEquatableArray(), _planValues.ToEquatableArray(), _steps.ToEquatableArray(), outputIndexes.ToEquatableArray(), _multiplyAdds);
        }

        private void PlanNode(GraphNode node)
        {
            switch (node.OpType)
            {
                case "Constant": Constant(node); break;
                case "Identity": Alias(Input(0).Shape); break;
                case "Cast": Cast(); break;
                case "Reshape": Reshape(); break;
                case "Flatten": Flatten(); break;
                case "Squeeze": Squeeze(); break;
                case "Unsqueeze": Unsqueeze(); break;
                case "Transpose": Transpose(); break;
                case "Add" or "Sub" or "Mul" or "Div": Binary(node.OpType); break;
                case "Relu" or "Sigmoid" or "Tanh" or "Abs" or "Neg" or "Floor" or "Ceil" or "Round" or "Sqrt" or "Reciprocal"
                    or "Exp" or "Log" or "Sin" or "Cos" or "Softsign" or "Softplus":
                    Unary(node.OpType);
                    break;
                case "HardSigmoid": Unary("HardSigmoid", Float("alpha", 0.2f), Float("beta", 0.5f)); break;
                case "Elu": Unary("Elu", Float("alpha", 1f)); break;
                case "Selu": Unary("Selu", Float("alpha", 1.67326319217681884765625f), Float("gamma", 1.05070102214813232421875f)); break;
                case "ThresholdedRelu": Unary("ThresholdedRelu", Float("alpha", 1f)); break;
                case "Clip": Clip(); break;
                case "ReduceSum" or "ReduceMean" or "ReduceMax" or "ReduceMin" or "ReduceProd" or "ReduceL1" or "ReduceL2"
                    or "ReduceSumSquare" or "ReduceLogSum" or "ReduceLogSumExp":
                    Reduce();
                    break;
                case "LeakyRelu": Unary("LeakyRelu", ("alpha", PlanArg.Float(FloatAttribute("alpha", 0.01f)))); break;
                case "Softmax" or "LogSoftmax": Softmax(); break;
                case "CastLike": CastLike(); break;
                case "Dropout": Dropout(); break;
                case "Gemm": Gemm(); break;
                case "MatMul": MatMul(); break;
                case "Tile": Tile(); break;
                case "Concat": Concat(); break;
            }
        }

        // --- operators ---

        // A float attribute as the kernel argument of the same name.
        private (string, PlanArg) Float(string name, float fallback) => (name, PlanArg.Float(FloatAttribute(name, fallback)));

        // Clip's bounds: attributes before opset 11, optional constant inputs (scalars) from it on; absent, unbounded.
        private void Clip()
        {
            float Bound(int input, string attribute, float unbounded)
            {
                if (_opset < 11)
                    return FloatAttribute(attribute, unbounded);
                if (_node.Inputs.Count <= input || _node.Inputs[input].Length == 0)
                    return unbounded;
                var value = Input(input);
                RequireFloat(value, input);
                return value.Floats is { Length: 1 } bound ? bound[0] : throw new Unsupported($"its {attribute} is not a constant scalar");
            }
            Unary("Clip", ("min", PlanArg.Float(Bound(1, "min", float.NegativeInfinity))), ("max", PlanArg.Float(Bound(2, "max", float.PositiveInfinity))));
        }

        private void Constant(GraphNode node)
        {
            var attribute = node.Attributes.FirstOrDefault(a => a.Ints.Count + a.Floats.Count > 0 || a.Tensor is not null)
                ?? throw new Unsupported("it has no value the compiler can read");
            _values[node.Outputs[0]] = attribute switch
            {
                { Name: "value", Tensor: { } tensor } => FromConstant(tensor),
                { Name: "value_float", Kind: AttributeKind.Float } => new Value("float", []) { Floats = [attribute.Floats[0]] },
                { Name: "value_floats", Kind: AttributeKind.Floats } => new Value("float", [PlanDim.Fixed(attribute.Floats.Count)]) { Floats = [.. attribute.Floats] },
                { Name: "value_int", Kind: AttributeKind.Int } => new Value("int64", []) { Longs = [attribute.Ints[0]] },
                { Name: "value_ints", Kind: AttributeKind.Ints } => new Value("int64", [PlanDim.Fixed(attribute.Ints.Count)]) { Longs = [.. attribute.Ints] },
                _ => throw new Unsupported($"its '{attribute.Name}' value is not supported (strings and sparse tensors are not)"),
            };
        }

        private void Cast()
        {
            long to = IntAttribute("to", -1);
            var x = Input(0);
            if (to != 1 || x.ElementType != "float")
                throw new Unsupported($"a cast from {x.ElementType} to {ElementTypes.Name(to)}; the compiled backend computes float tensors only");
            Alias(x.Shape);
        }

        // CastLike: Cast to the element type of its second input; the compiled backend has float to float only.
        private void CastLike()
        {
            var (x, like) = (Input(0), Input(1));
            if (x.ElementType != "float" || like.ElementType != "float")
                throw new Unsupported($"a cast from {x.ElementType} to {like.ElementType}; the compiled backend computes float tensors only");
            Alias(x.Shape);
        }

        // Dropout at inference is the identity (ONNX: no dropout unless training_mode, which must then be a constant false);
        // its mask output is not computed.
        private void Dropout()
        {
            if (_node.Outputs.Count > 1 && _node.Outputs[1].Length > 0)
                throw new Unsupported("its mask output is asked for; the compiled backend computes the inference output only");
            if (_node.Inputs.Count > 2 && _node.Inputs[2].Length > 0 && Input(2).Longs is not [0] && Input(2).Floats is not [0])
                throw new Unsupported("its training_mode is not a constant false");
            Alias(Input(0).Shape);
        }

        private void Reshape()
        {
            var x = Input(0);
            var shape = Input(1).Longs ?? throw new Unsupported("its shape is not a constant");
            bool allowZero = IntAttribute("allowzero", 0) != 0;
            var dims = new PlanDim?[shape.Length];
            int infer = -1;
            for (int i = 0; i < shape.Length; i++)
            {
                if (shape[i] == -1 && infer < 0)
                    infer = i;
                else if (shape[i] == 0 && !allowZero)
                    dims[i] = i < x.Shape.Length ? x.Shape[i] : throw new Unsupported($"its shape copies dim {i}, which the input lacks");
                else if (shape[i] >= 0)
                    dims[i] = PlanDim.Fixed(shape[i]);
                else
                    throw new Unsupported($"its shape [{string.Join(", ", shape)}] is invalid");
            }
            if (infer >= 0)
                dims[infer] = Quotient(x.Shape, dims.Where(d => d is not null).Select(d => d!.Value));
            var result = dims.Select(d => d!.Value).ToArray();
            if (!SameSize(x.Shape, result))
                throw new Unsupported($"it reshapes {Text(x.Shape)} to {Text(result)}, which has a different number of elements");
            Alias(result);
        }

        private void Flatten()
        {
            var x = Input(0);
            int axis = Axis(IntAttribute("axis", 1), x.Shape.Length, inclusive: true);
            Alias([Product(x.Shape.Take(axis)), Product(x.Shape.Skip(axis))]);
        }

        private void Squeeze()
        {
            var x = Input(0);
            if (ConstantAxes() is not { } given)
            {
                // No axes: every dim of 1 goes, which only fixed dims can promise.
                if (x.Shape.Any(d => !d.IsFixed))
                    throw new Unsupported($"without axes it squeezes the dims of 1 of {Text(x.Shape)}, and a symbolic dim may be 1 or not");
                Alias(x.Shape.Where(d => d.Value != 1).ToArray());
                return;
            }
            var axes = Resolve(given, x.Shape.Length);
            foreach (int axis in axes)
            {
                if (x.Shape[axis] != PlanDim.Fixed(1))
                    throw new Unsupported($"it squeezes dim {axis} of {Text(x.Shape)}, which is not 1");
            }
            Alias(x.Shape.Where((_, i) => !axes.Contains(i)).ToArray());
        }

        private void Unsqueeze()
        {
            var x = Input(0);
            var given = ConstantAxes() ?? throw new Unsupported("it has no axes");
            var shape = new List<PlanDim>(x.Shape);
            // Axes count in the output's rank: inserted in ascending order, each lands where it says.
            foreach (int axis in Resolve(given, x.Shape.Length + given.Length).OrderBy(a => a))
                shape.Insert(axis, PlanDim.Fixed(1));
            Alias([.. shape]);
        }

        /// <summary>
        /// A reduction over constant axes (an attribute, or a constant input: ReduceSum's from opset 13, the others' from
        /// 18); none given: every axis, unless <c>noop_with_empty_axes</c> makes it the identity.
        /// </summary>
        private void Reduce()
        {
            var x = Input(0);
            RequireFloat(x, 0);
            int rank = x.Shape.Length;
            var given = ConstantAxes();
            if ((given is null || given.Length == 0) && IntAttribute("noop_with_empty_axes", 0) != 0)
            {
                Alias(x.Shape);
                return;
            }
            var axes = given is null || given.Length == 0 ? Enumerable.Range(0, rank).ToList() : Resolve(given, rank);
            bool keep = IntAttribute("keepdims", 1) != 0;
            var shape = new List<PlanDim>();
            for (int i = 0; i < rank; i++)
            {
                if (!axes.Contains(i))
                    shape.Add(x.Shape[i]);
                else if (keep)
                    shape.Add(PlanDim.Fixed(1));
            }
            int d = Output([.. shape]);
            Step(_node.OpType, ("x", Tensor(0)), ("shape", PlanArg.Shape(x.Shape.ToEquatableArray())),
                ("reduced", PlanArg.Shape(Enumerable.Range(0, rank).Select(i => PlanDim.Fixed(axes.Contains(i) ? 1 : 0)).ToEquatableArray())), ("d", PlanArg.Tensor(d)));
        }

        /// <summary>Squeeze's and Unsqueeze's axes (and the reductions'): an attribute before opset 13, a constant input since; null when neither is given.</summary>
        private long[]? ConstantAxes()
        {
            if (_node.Attributes.FirstOrDefault(a => a.Name == "axes" && a.Kind == AttributeKind.Ints) is { } attribute)
                return attribute.Ints.ToArray();
            if (_node.Inputs.Count > 1 && _node.Inputs[1].Length > 0)
                return Input(1).Longs ?? throw new Unsupported("its axes are not a constant");
            return null;
        }

        private List<int> Resolve(long[] axes, int rank)
        {
            var resolved = axes.Select(a => Axis(a, rank, inclusive: false)).Distinct().ToList();
            return resolved.Count == axes.Length ? resolved : throw new Unsupported($"its axes [{string.Join(", ", axes)}] repeat a dim");
        }

        private void Transpose()
        {
            var x = Input(0);
            RequireFloat(x, 0);
            int rank = x.Shape.Length;
            var perm = _node.Attributes.FirstOrDefault(a => a.Name == "perm" && a.Kind == AttributeKind.Ints)?.Ints.Select(p => (int)p).ToArray()
                ?? Enumerable.Range(0, rank).Reverse().ToArray();
            if (perm.Length != rank || perm.Distinct().Count() != rank || perm.Any(p => p < 0 || p >= rank))
                throw new Unsupported($"its perm [{string.Join(", ", perm)}] is not a permutation of {rank} dims");
            int d = Output(perm.Select(p => x.Shape[p]).ToArray());
            Step("Transpose", ("x", Tensor(0)), ("shape", PlanArg.Shape(x.Shape.ToEquatableArray())), ("perm", PlanArg.Shape(perm.Select(p => PlanDim.Fixed(p)).ToEquatableArray())), ("d", PlanArg.Tensor(d)));
        }

        private void Binary(string op)
        {
            var (a, b) = (Input(0), Input(1));
            RequireFloat(a, 0);
            RequireFloat(b, 1);
            var shape = Broadcast(a.Shape, b.Shape);
            int d = Output(shape);
            Step(op, ("a", Tensor(0)), ("aShape", PlanArg.Shape(a.Shape.ToEquatableArray())), ("b", Tensor(1)), ("bShape", PlanArg.Shape(b.Shape.ToEquatableArray())),
                ("d", PlanArg.Tensor(d)), ("dShape", PlanArg.Shape(shape.ToEquatableArray())));
        }

        private void Unary(string op, params (string Name, PlanArg Arg)[] extra)
        {
            var x = Input(0);
            RequireFloat(x, 0);
            int d = Output(x.Shape);
            Step(op, [("x", Tensor(0)), .. extra, ("d", PlanArg.Tensor(d))]);
        }

        private void Softmax()
        {
            var x = Input(0);
            RequireFloat(x, 0);
            int rank = x.Shape.Length;
            // Opset 13 normalizes along one axis (default the last); before, the input is coerced to 2-D at the axis (default 1).
            bool single = _opset >= 13;
            int axis = Axis(IntAttribute("axis", single ? -1 : 1), rank, inclusive: false);
            if (rank == 0)
                throw new Unsupported("its input is a scalar");
            var outer = x.Shape.Take(axis).ToEquatableArray();
            var along = (single ? x.Shape.Skip(axis).Take(1) : x.Shape.Skip(axis)).ToEquatableArray();
            var inner = (single ? x.Shape.Skip(axis + 1) : []).ToEquatableArray();
            int d = Output(x.Shape);
            Step(_node.OpType, ("x", Tensor(0)), ("d", PlanArg.Tensor(d)), ("outer", PlanArg.Count(outer)), ("axis", PlanArg.Count(along)), ("inner", PlanArg.Count(inner)));
        }

        private void Gemm()
        {
            var (a, b) = (Input(0), Input(1));
            RequireFloat(a, 0);
            RequireFloat(b, 1);
            if (a.Shape.Length != 2 || b.Shape.Length != 2)
                throw new Unsupported($"A {Text(a.Shape)} and B {Text(b.Shape)} must be matrices");
            bool transA = IntAttribute("transA", 0) != 0, transB = IntAttribute("transB", 0) != 0;
            PlanDim m = a.Shape[transA ? 1 : 0], k = a.Shape[transA ? 0 : 1], kb = b.Shape[transB ? 1 : 0], n = b.Shape[transB ? 0 : 1];
            Same(k, kb, "A's columns and B's rows");
            var c = _node.Inputs.Count > 2 && _node.Inputs[2].Length > 0 ? Input(2) : null;
            PlanDim rows = PlanDim.Fixed(1), columns = PlanDim.Fixed(1);
            if (c is not null)
            {
                RequireFloat(c, 2);
                if (c.Shape.Length > 2)
                    throw new Unsupported($"C {Text(c.Shape)} has more than two dims");
                if (c.Shape.Length == 2)
                    rows = c.Shape[0];
                if (c.Shape.Length >= 1)
                    columns = c.Shape[c.Shape.Length - 1];
                if (!(rows == PlanDim.Fixed(1) || rows == m) || !(columns == PlanDim.Fixed(1) || columns == n))
                    throw new Unsupported($"C {Text(c.Shape)} does not broadcast to {Text([m, n])} at compile time");
            }
            int d = Output([m, n]);
            CountWork([m, n], k);
            Step("Gemm", ("a", Tensor(0)), ("b", Tensor(1)), ("c", c is null ? PlanArg.Tensor(-1) : Tensor(2)), ("cRows", Count(rows)), ("cColumns", Count(columns)),
                ("d", PlanArg.Tensor(d)), ("m", Count(m)), ("n", Count(n)), ("k", Count(k)), ("transA", PlanArg.Bool(transA)), ("transB", PlanArg.Bool(transB)),
                ("alpha", PlanArg.Float(FloatAttribute("alpha", 1f))), ("beta", PlanArg.Float(FloatAttribute("beta", 1f))));
        }

        private void MatMul()
        {
            var (a, b) = (Input(0), Input(1));
            RequireFloat(a, 0);
            RequireFloat(b, 1);
            if (a.Shape.Length == 0 || b.Shape.Length == 0)
                throw new Unsupported("an operand is a scalar");
            // 1-D operands become a row (A) or a column (B), whose dim the result then drops.
            var aShape = a.Shape.Length == 1 ? [PlanDim.Fixed(1), a.Shape[0]] : a.Shape;
            var bShape = b.Shape.Length == 1 ? [b.Shape[0], PlanDim.Fixed(1)] : b.Shape;
            PlanDim m = aShape[aShape.Length - 2], k = aShape[aShape.Length - 1], n = bShape[bShape.Length - 1];
            Same(k, bShape[bShape.Length - 2], "A's last dim and B's second to last");
            var aBatch = aShape.Take(aShape.Length - 2).ToArray();
            var bBatch = bShape.Take(bShape.Length - 2).ToArray();
            var batch = Broadcast(aBatch, bBatch);
            PlanDim[] rows = [m];
            if (bBatch.All(x => x == PlanDim.Fixed(1)))
            {
                // B is one matrix: A's batch folds into its rows, one product.
                (rows, aBatch, bBatch) = ([.. aBatch, m], [], []);
            }
            var shape = new List<PlanDim>(batch);
            if (a.Shape.Length > 1)
                shape.Add(aShape[aShape.Length - 2]);
            if (b.Shape.Length > 1)
                shape.Add(n);
            int d = Output([.. shape]);
            CountWork(shape, k);
            PlanDim[] outBatch = aBatch.Length == 0 && bBatch.Length == 0 ? [] : batch;
            Step("MatMul", ("a", Tensor(0)), ("aBatch", PlanArg.Shape(aBatch.ToEquatableArray())), ("b", Tensor(1)), ("bBatch", PlanArg.Shape(bBatch.ToEquatableArray())),
                ("d", PlanArg.Tensor(d)), ("dBatch", PlanArg.Shape(outBatch.ToEquatableArray())), ("m", PlanArg.Count(rows.ToEquatableArray())), ("k", Count(k)), ("n", Count(n)));
        }

        private void Tile()
        {
            var x = Input(0);
            RequireFloat(x, 0);
            var repeats = Input(1).Longs ?? throw new Unsupported("its repeats are not a constant");
            if (repeats.Length != x.Shape.Length || repeats.Any(r => r < 0))
                throw new Unsupported($"its repeats [{string.Join(", ", repeats)}] do not fit the input {Text(x.Shape)}");
            var shape = new PlanDim[x.Shape.Length];
            for (int i = 0; i < shape.Length; i++)
            {
                shape[i] = repeats[i] == 1 ? x.Shape[i]
                    : x.Shape[i].IsFixed ? PlanDim.Fixed(x.Shape[i].Value * repeats[i])
                    : throw new Unsupported($"repeating the symbolic dim {Symbol(x.Shape[i])} {repeats[i]} times gives a dim that is not a symbol");
            }
            int d = Output(shape);
            Step("Tile", ("x", Tensor(0)), ("shape", PlanArg.Shape(x.Shape.ToEquatableArray())), ("repeats", PlanArg.Shape(repeats.Select(PlanDim.Fixed).ToEquatableArray())), ("d", PlanArg.Tensor(d)));
        }

        private void Concat()
        {
            var parts = Enumerable.Range(0, _node.Inputs.Count).Select(Input).ToList();
            if (parts.Count == 0)
                throw new Unsupported("it has no inputs");
            for (int i = 0; i < parts.Count; i++)
                RequireFloat(parts[i], i);
            int rank = parts[0].Shape.Length;
            long axisAttribute = IntAttribute("axis", long.MinValue);
            if (axisAttribute == long.MinValue)
                throw new Unsupported("it has no axis");
            int axis = Axis(axisAttribute, rank, inclusive: false);
            long total = 0;
            foreach (var part in parts)
            {
                if (part.Shape.Length != rank)
                    throw new Unsupported($"its inputs have different ranks ({Text(parts[0].Shape)}, {Text(part.Shape)})");
                for (int i = 0; i < rank; i++)
                {
                    if (i != axis)
                        Same(parts[0].Shape[i], part.Shape[i], $"dim {i} of its inputs");
                }
                total += part.Shape[axis].IsFixed ? part.Shape[axis].Value
                    : throw new Unsupported($"the concatenated dim {Symbol(part.Shape[axis])} is symbolic; its sum would not be a symbol");
            }
            var shape = parts[0].Shape.ToArray();
            shape[axis] = PlanDim.Fixed(total);
            int d = Output(shape);
            var outer = shape.Take(axis).ToEquatableArray();
            var inner = shape.Skip(axis + 1).ToList();
            long offset = 0;
            for (int i = 0; i < parts.Count; i++)
            {
                long along = parts[i].Shape[axis].Value;
                Step("ConcatPart", ("x", Tensor(i)), ("d", PlanArg.Tensor(d)), ("outer", PlanArg.Count(outer)), ("block", Times(along, inner)),
                    ("outputBlock", Times(total, inner)), ("offset", Times(offset, inner)));
                offset += along;
            }
        }

        // --- values ---

        private Value FromConstant(ConstantTensor tensor)
        {
            var value = new Value(tensor.ElementType, tensor.Dims.Select(PlanDim.Fixed).ToArray());
            byte[] data = Convert.FromBase64String(tensor.Data);
            long count = tensor.Dims.Aggregate(1L, (p, d) => p * d);
            switch (tensor.ElementType)
            {
                case "float" when data.Length == count * 4:
                    value.Floats = Enumerable.Range(0, (int)count).Select(i => BitConverter.ToSingle(data, i * 4)).ToArray();
                    break;
                case "int64" when data.Length == count * 8:
                    value.Longs = Enumerable.Range(0, (int)count).Select(i => BitConverter.ToInt64(data, i * 8)).ToArray();
                    break;
                case "int32" when data.Length == count * 4:
                    value.Longs = Enumerable.Range(0, (int)count).Select(i => (long)BitConverter.ToInt32(data, i * 4)).ToArray();
                    break;
            }
            return value;
        }

        private Value Input(int index)
        {
            if (index >= _node.Inputs.Count || _node.Inputs[index].Length == 0)
                throw new Unsupported($"input {index} is missing");
            string name = _node.Inputs[index];
            return _values.TryGetValue(name, out var value) ? value : throw new Unsupported($"its input '{name}' is produced by no node before it");
        }

        private void RequireFloat(Value value, int index)
        {
            if (value.ElementType != "float")
                throw new Unsupported($"input '{_node.Inputs[index]}' is {(value.ElementType == "sequence" ? "a sequence" : "a tensor of " + value.ElementType)}; the compiled backend computes float tensors only");
            if (value.Index < 0 && value.Floats is null)
                throw new Unsupported($"input '{_node.Inputs[index]}' has no data the compiler can read");
        }

        /// <summary>The value of the node's input <paramref name="index"/> as a kernel argument; a constant becomes static data on first use.</summary>
        private PlanArg Tensor(int index) => PlanArg.Tensor(Use(_node.Inputs[index], Input(index)));

        private int Use(string name, Value value)
        {
            if (value.Index < 0)
            {
                _constants.Add(new PlanConstant(name, value.Floats!.ToEquatableArray()));
                value.Index = Add(new PlanValue(name, Storage.Constant, _constants.Count - 1, value.Shape.ToEquatableArray()));
            }
            return value.Index;
        }

        /// <summary>The node's output as a new tensor of its own in the arena.</summary>
        private int Output(PlanDim[] shape)
        {
            string name = _node.Outputs[0];
            var value = new Value("float", shape) { Index = Add(new PlanValue(name, Storage.Arena, 0, shape.ToEquatableArray())) };
            _values[name] = value;
            return value.Index;
        }

        /// <summary>The node's output as its input's data under another shape: Identity, Reshape, Flatten, Cast to float copy nothing.</summary>
        private void Alias(PlanDim[] shape)
        {
            var source = Input(0);
            string name = _node.Outputs[0];
            if (source.Index < 0)
            {
                // A constant under a new shape: still a constant (a Reshape of weights, say).
                _values[name] = new Value(source.ElementType, shape) { Floats = source.Floats, Longs = source.Longs };
                return;
            }
            _values[name] = new Value(source.ElementType, shape)
            {
                Index = Add(new PlanValue(name, Storage.Alias, source.Index, shape.ToEquatableArray())),
            };
        }

        /// <summary>The value an output is read from: one with arena storage, copied there when it is an input or a constant.</summary>
        private int Owned(string name, Value value)
        {
            if (value.ElementType != "float" || (value.Index < 0 && value.Floats is null))
                throw new Unsupported($"it is a tensor of {value.ElementType}; the compiled backend returns float tensors only");
            int root = value.Index;
            while (root >= 0 && _planValues[root].Storage == Storage.Alias)
                root = _planValues[root].Source;
            if (root >= 0 && _planValues[root].Storage == Storage.Arena)
                return value.Index;
            var source = PlanArg.Tensor(Use(name, value));
            int copy = Add(new PlanValue(name, Storage.Arena, 0, value.Shape.ToEquatableArray()));
            _steps.Add(new PlanStep("Copy", name, "Identity", new[] { source with { Name = "x" }, PlanArg.Tensor(copy) with { Name = "d" } }.ToEquatableArray()));
            return copy;
        }

        private int Add(PlanValue value)
        {
            _planValues.Add(value);
            return _planValues.Count - 1;
        }

        // Each argument named as the kernel's parameter: the emitted call is checked by the C# compiler, not by position.
        private void Step(string kernel, params (string Name, PlanArg Arg)[] args) =>
            _steps.Add(new PlanStep(kernel, NodeName(_node), _node.OpType, args.Select(a => a.Arg with { Name = a.Name }).ToEquatableArray()));

        // --- shapes ---

        private void CheckDeclared(TensorSpec output, Value value)
        {
            if (output.Dims.Count != value.Shape.Length)
                throw new Unsupported($"the model declares it {output.ShapeText}, but it computes {Text(value.Shape)}");
            for (int i = 0; i < output.Dims.Count; i++)
            {
                long declared = output.Dims[i];
                if (declared >= 0 && value.Shape[i] != PlanDim.Fixed(declared))
                    throw new Unsupported($"the model declares it {output.ShapeText}, but it computes {Text(value.Shape)}");
            }
        }

        /// <summary>Numpy broadcasting, decided at compile time: a symbol meets itself or 1, never another size.</summary>
        private PlanDim[] Broadcast(PlanDim[] a, PlanDim[] b)
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
                    : throw new Unsupported($"{Text(a)} and {Text(b)} do not broadcast at compile time (dim {i}: {Symbol(x)} against {Symbol(y)})");
            }
            return shape;
        }

        /// <summary>The product of dims as one dim: fixed, or one symbol times 1.</summary>
        private PlanDim Product(IEnumerable<PlanDim> dims)
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
            return product == 1 ? only : throw new Unsupported($"a flattened dim would be {Symbol(only)}·{product}, not a symbol");
        }

        /// <summary>Reshape's -1: the input's size over the other dims', as one dim.</summary>
        private PlanDim Quotient(PlanDim[] total, IEnumerable<PlanDim> known)
        {
            var symbols = total.Where(d => !d.IsFixed).ToList();
            long numerator = total.Where(d => d.IsFixed).Aggregate(1L, (p, d) => p * d.Value), denominator = 1;
            foreach (var dim in known)
            {
                if (dim.IsFixed)
                    denominator *= dim.Value;
                else if (!symbols.Remove(dim))
                    throw new Unsupported($"its -1 dim would divide by the symbol {Symbol(dim)}");
            }
            if (denominator == 0 || numerator % denominator != 0)
                throw new Unsupported("its -1 dim does not divide the input's size");
            long quotient = numerator / denominator;
            return symbols.Count switch
            {
                0 => PlanDim.Fixed(quotient),
                1 when quotient == 1 => symbols[0],
                _ => throw new Unsupported("its -1 dim would not be a single symbol"),
            };
        }

        private static bool SameSize(PlanDim[] a, PlanDim[] b)
        {
            static (long, string) Size(PlanDim[] dims) => (
                dims.Where(d => d.IsFixed).Aggregate(1L, (p, d) => p * d.Value),
                string.Join(",", dims.Where(d => !d.IsFixed).Select(d => d.Symbol).OrderBy(s => s)));
            var (x, y) = (Size(a), Size(b));
            return x.Item1 == y.Item1 && (x.Item2 == y.Item2 || x.Item1 == 0);
        }

        private void Same(PlanDim a, PlanDim b, string what)
        {
            if (a != b)
                throw new Unsupported($"{what} differ ({Symbol(a)} against {Symbol(b)}) or are not known to be equal at compile time");
        }

        private static int Axis(long axis, int rank, bool inclusive)
        {
            long limit = inclusive ? rank : rank - 1;
            long resolved = axis < 0 ? axis + rank : axis;
            return resolved >= 0 && resolved <= limit ? (int)resolved : throw new Unsupported($"its axis {axis} is out of range for rank {rank}");
        }

        private long IntAttribute(string name, long fallback) =>
            _node.Attributes.FirstOrDefault(a => a.Name == name) is { Kind: AttributeKind.Int, Ints.Count: > 0 } a ? a.Ints[0] : fallback;

        private float FloatAttribute(string name, float fallback) =>
            _node.Attributes.FirstOrDefault(a => a.Name == name) is { Kind: AttributeKind.Float, Floats.Count: > 0 } a ? a.Floats[0] : fallback;

        /// <summary>Adds a product's multiply-adds per row: its output's fixed dims times the summed dim (symbols count as 1).</summary>
        private void CountWork(IEnumerable<PlanDim> output, PlanDim summed)
        {
            long work = output.Where(d => d.IsFixed).Aggregate(summed.IsFixed ? summed.Value : 1, (p, d) => p * d.Value);
            _multiplyAdds = work > long.MaxValue - _multiplyAdds ? long.MaxValue : _multiplyAdds + work;
        }

        private static PlanArg Times(long factor, IEnumerable<PlanDim> dims) => PlanArg.Count(new[] { PlanDim.Fixed(factor) }.Concat(dims).ToEquatableArray());

        private static PlanArg Count(PlanDim dim) => PlanArg.Count(new[] { dim }.ToEquatableArray());

        private string Symbol(PlanDim dim) => dim.IsFixed ? dim.ToString() : _symbols[dim.Symbol].Name;

        private string Text(IEnumerable<PlanDim> dims) => "[" + string.Join(", ", dims.Select(Symbol)) + "]";

        private static string NodeName(GraphNode node) => node.Name.Length > 0 ? node.Name : node.Outputs.FirstOrDefault() ?? "";
    }
}
