using System;
using System.Collections.Generic;
using System.Linq;
using Google.Protobuf;
using TypedModels.SeedModel.Onnx;

namespace TypedModels.SeedModel;

/// <summary>
/// Small models that exercise what real exporters write, beyond the seed model: every element type, scalars,
/// shared and unnamed dims, outputs whose shape is only known after running, and names that are not C#
/// identifiers. Written to <c>models/fixtures/</c> next to the seed model by the same program.
/// </summary>
public static class FixtureModels
{
    /// <summary>The element types a client carries, as (ONNX name, data type), in <c>TensorProto.DataType</c> order.</summary>
    public static readonly (string Name, int DataType)[] ElementTypes =
    [
        ("float", 1), ("uint8", 2), ("int8", 3), ("uint16", 4), ("int16", 5), ("int32", 6), ("int64", 7), ("string", 8),
        ("bool", 9), ("float16", 10), ("double", 11), ("uint32", 12), ("uint64", 13), ("bfloat16", 16),
    ];

    /// <summary>Every fixture by file name.</summary>
    public static IReadOnlyDictionary<string, ModelProto> All { get; } = new Dictionary<string, ModelProto>
    {
        ["types.onnx"] = Types(),
        ["dims.onnx"] = Dims(),
        ["names.onnx"] = Names(),
        ["explicit.onnx"] = Explicit(),
        ["reshape.onnx"] = ReshapeModel(),
        ["sequences.onnx"] = Sequences(),
        ["layers.onnx"] = Layers(),
        ["wide.onnx"] = Dense("wide", 32, 128, 128, 8),
        ["mid.onnx"] = Dense("mid", 16, 64, 16),
        ["narrow.onnx"] = Dense("narrow", 8, 16, 8),
    };

    /// <summary>One Identity per element type: <c>x_T</c> [n] → <c>y_T</c> [n].</summary>
    private static ModelProto Types()
    {
        var graph = new GraphProto { Name = "types", DocString = "Identity for every supported element type." };
        foreach (var (name, type) in ElementTypes)
        {
            graph.Node.Add(Node("Identity", [$"x_{name}"], [$"y_{name}"]));
            graph.Input.Add(Value($"x_{name}", type, Sym("n")));
            graph.Output.Add(Value($"y_{name}", type, Sym("n")));
        }
        return Model(graph);
    }

    /// <summary>
    /// <c>a</c> float [batch, 3], <c>b</c> float [batch, seq], scalar <c>scale</c>; outputs <c>scaled</c> = a·scale
    /// [batch, 3], <c>total</c> = Σ b per row [batch, 1], and <c>where</c> = NonZero(b), whose second dim depends on
    /// the values, not only the shapes.
    /// </summary>
    private static ModelProto Dims()
    {
        var graph = new GraphProto
        {
            Name = "dims",
            Node =
            {
                Node("Mul", ["a", "scale"], ["scaled"]),
                Node("ReduceSum", ["b", "axes"], ["total"]),
                Node("NonZero", ["b"], ["where"]),
            },
            Initializer = { new TensorProto { Name = "axes", DataType = 7, Dims = { 1 }, Int64Data = { 1 } } },
            Input =
            {
                Value("a", 1, Sym("batch"), Fixed(3)),
                Value("b", 1, Sym("batch"), Sym("seq")),
                Value("scale", 1),
            },
            Output =
            {
                Value("scaled", 1, Sym("batch"), Fixed(3)),
                Value("total", 1, Sym("batch"), Fixed(1)),
                Value("where", 7, Fixed(2), Unknown()),
            },
        };
        return Model(graph);
    }

    /// <summary>Tensor names as exporters write them; each output is its input through Identity.</summary>
    private static ModelProto Names()
    {
        string[] inputs = ["input:0", "class", "x.1", "53", "日本語 name"];
        string[] outputs = ["onnx::Add_3", "onnx::Add 3", "Predict", "Result", "{\"k\": [1, 2]}"];
        var graph = new GraphProto { Name = "names" };
        for (int i = 0; i < inputs.Length; i++)
        {
            graph.Node.Add(Node("Identity", [inputs[i]], [outputs[i]]));
            graph.Input.Add(Value(inputs[i], 1, Sym("n")));
            graph.Output.Add(Value(outputs[i], 1, Sym("n")));
        }
        return Model(graph);
    }

    /// <summary><c>x</c> float [rows, cols]: no input's length splits rows from cols, so the caller gives them.</summary>
    private static ModelProto Explicit() => Model(new GraphProto
    {
        Name = "explicit",
        Node = { Node("ReduceSum", ["x", "axes"], ["total"]) },
        Initializer = { new TensorProto { Name = "axes", DataType = 7, Dims = { 1 }, Int64Data = { 1 } } },
        Input = { Value("x", 1, Sym("rows"), Sym("cols")) },
        Output = { Value("total", 1, Sym("rows"), Fixed(1)) },
    });

    /// <summary><c>y</c> = Reshape(<c>x</c>, <c>shape</c>): a shape that does not fit x fails inside ONNX Runtime, not before.</summary>
    private static ModelProto ReshapeModel() => Model(new GraphProto
    {
        Name = "reshape",
        Node = { Node("Reshape", ["x", "shape"], ["y"]) },
        Input = { Value("x", 1, Sym("n")), Value("shape", 7, Fixed(2)) },
        Output = { Value("y", 1, Unknown(), Unknown()) },
    });

    /// <summary>
    /// <c>parts</c>, a sequence of float tensors [?, 2], and <c>extra</c> float [n, 2]: <c>longer</c> is parts with
    /// extra appended (a sequence out), <c>joined</c> its tensors concatenated on axis 0 [?, 2], <c>count</c> its length.
    /// </summary>
    private static ModelProto Sequences()
    {
        var concat = Node("ConcatFromSequence", ["longer"], ["joined"]);
        concat.Attribute.Add(new AttributeProto { Name = "axis", Type = AttributeProto.Types.AttributeType.Int, I = 0 });
        return Model(new GraphProto
        {
            Name = "sequences",
            Node = { Node("SequenceInsert", ["parts", "extra"], ["longer"]), concat, Node("SequenceLength", ["longer"], ["count"]) },
            Input = { Sequence(Value("parts", 1, Unknown(), Fixed(2))), Value("extra", 1, Sym("n"), Fixed(2)) },
            Output = { Sequence(Value("longer", 1, Unknown(), Fixed(2))), Value("joined", 1, Unknown(), Fixed(2)), Value("count", 7) },
        });
    }

    /// <summary>
    /// A small network over <c>x</c> [batch, 3] that uses every operator the compiled backend runs, with deterministic
    /// pseudo-random weights: <c>scores</c> [batch, 9], <c>probs</c> [batch, 2, 3], <c>tiled</c> [batch, 6], <c>mixed</c> [batch, 3],
    /// <c>swapped</c> [batch, 3, 2].
    /// </summary>
    private static ModelProto Layers()
    {
        var random = new Random(9);
        TensorProto Weights(string name, params long[] dims)
        {
            var tensor = new TensorProto { Name = name, DataType = 1, Dims = { dims } };
            long count = dims.Aggregate(1L, (p, d) => p * d);
            for (long i = 0; i < count; i++)
                tensor.FloatData.Add((float)(random.NextDouble() * 2 - 1));
            return tensor;
        }
        TensorProto Longs(string name, params long[] values) => new() { Name = name, DataType = 7, Dims = { values.Length }, Int64Data = { values } };
        NodeProto With(NodeProto node, string name, long? i = null, float? f = null, long[]? ints = null)
        {
            node.Attribute.Add(ints is not null ? new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints, Ints = { ints } }
                : i is { } value ? new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value }
                : new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = f!.Value });
            return node;
        }
        var two = new NodeProto { Name = "two", OpType = "Constant", Output = { "two" } };
        two.Attribute.Add(new AttributeProto { Name = "value_float", Type = AttributeProto.Types.AttributeType.Float, F = 2f });
        return Model(new GraphProto
        {
            Name = "layers",
            DocString = "Every operator of the compiled backend, over a symbolic batch.",
            Node =
            {
                With(Node("Gemm", ["x", "w1", "b1"], ["h1"]), "alpha", f: 0.5f),
                Node("Relu", ["h1"], ["r1"]),
                Node("MatMul", ["r1", "w2"], ["m2"]),
                Node("Add", ["m2", "b2"], ["a2"]),
                With(Node("LeakyRelu", ["a2"], ["l2"]), "alpha", f: 0.1f),
                Node("Reshape", ["l2", "shape"], ["grouped"]),
                With(Node("Softmax", ["grouped"], ["probs"]), "axis", i: -1),
                With(Node("Flatten", ["probs"], ["flat"]), "axis", i: 1),
                With(Node("Concat", ["flat", "x"], ["joined"]), "axis", i: 1),
                Node("Sigmoid", ["joined"], ["squashed"]),
                two,
                Node("Mul", ["squashed", "two"], ["scores"]),
                Node("Tile", ["x", "repeats"], ["tiled"]),
                Node("Unsqueeze", ["x", "axis1"], ["x3"]),
                Node("Squeeze", ["x3", "axis1"], ["x2"]),
                Node("Tanh", ["x2"], ["t"]),
                With(Node("Transpose", ["probs"], ["swapped"]), "perm", ints: [0, 2, 1]),
                Node("Sub", ["t", "b3"], ["shifted"]),
                Node("Div", ["shifted", "b3"], ["divided"]),
                Node("Identity", ["divided"], ["same"]),
                With(Node("Cast", ["same"], ["mixed"]), "to", i: 1),
            },
            Initializer = { Weights("w1", 3, 8), Weights("b1", 8), Weights("w2", 8, 6), Weights("b2", 6), Weights("b3", 3), Longs("shape", 0, 2, 3), Longs("repeats", 1, 2), Longs("axis1", 1) },
            Input = { Value("x", 1, Sym("batch"), Fixed(3)) },
            Output =
            {
                Value("scores", 1, Sym("batch"), Fixed(9)), Value("probs", 1, Sym("batch"), Fixed(2), Fixed(3)),
                Value("tiled", 1, Sym("batch"), Fixed(6)), Value("mixed", 1, Sym("batch"), Fixed(3)),
                Value("swapped", 1, Sym("batch"), Fixed(3), Fixed(2)),
            },
        });
    }

    /// <summary>
    /// Dense layers with Relu between them, <c>x</c> [batch, widths[0]] → … → <c>y</c> [batch, widths[^1]], with
    /// pseudo-random weights: models of known size for measuring where the compiled backend stops paying
    /// (wide: 32 → 128 → 128 → 8, 21,504 multiply-adds per row; mid: 16 → 64 → 16, 2,048; narrow: 8 → 16 → 8, 256,
    /// the most <c>Auto</c> compiles, every layer small enough to be written out as arithmetic).
    /// </summary>
    public static ModelProto Dense(string name, params int[] widths)
    {
        var random = new Random(widths.Sum());
        var graph = new GraphProto { Name = name, DocString = "Dense layers " + string.Join(" → ", widths) + "." };
        string input = "x";
        for (int layer = 0; layer + 1 < widths.Length; layer++)
        {
            var weights = new TensorProto { Name = $"w{layer + 1}", DataType = 1, Dims = { widths[layer], widths[layer + 1] } };
            for (int i = 0; i < widths[layer] * widths[layer + 1]; i++)
                weights.FloatData.Add((float)((random.NextDouble() * 2 - 1) / Math.Sqrt(widths[layer])));
            var bias = new TensorProto { Name = $"b{layer + 1}", DataType = 1, Dims = { widths[layer + 1] } };
            for (int i = 0; i < widths[layer + 1]; i++)
                bias.FloatData.Add((float)(random.NextDouble() * 0.2 - 0.1));
            graph.Initializer.Add(weights);
            graph.Initializer.Add(bias);
            bool last = layer + 2 == widths.Length;
            string output = last ? "y" : $"h{layer + 1}";
            graph.Node.Add(Node("Gemm", [input, weights.Name, bias.Name], [output]));
            if (!last)
            {
                graph.Node.Add(Node("Relu", [output], [$"r{layer + 1}"]));
                output = $"r{layer + 1}";
            }
            input = output;
        }
        graph.Input.Add(Value("x", 1, Sym("batch"), Fixed(widths[0])));
        graph.Output.Add(Value("y", 1, Sym("batch"), Fixed(widths[^1])));
        return Model(graph);
    }

    private static ValueInfoProto Sequence(ValueInfoProto tensor) => new()
    {
        Name = tensor.Name,
        Type = new TypeProto { SequenceType = new TypeProto.Types.Sequence { ElemType = tensor.Type } },
    };

    private static ModelProto Model(GraphProto graph) => new()
    {
        IrVersion = 8,
        OpsetImport = { new OperatorSetIdProto { Domain = "", Version = SeedModelWriter.Opset } },
        ProducerName = SeedModelWriter.Producer,
        ProducerVersion = SeedModelWriter.ProducerVersion,
        Graph = graph,
    };

    // Node names must be unique in a graph: each is named after its first output.
    private static NodeProto Node(string op, string[] inputs, string[] outputs) =>
        new() { Name = op + " → " + outputs[0], OpType = op, Input = { inputs }, Output = { outputs } };

    private static ValueInfoProto Value(string name, int type, params TensorShapeProto.Types.Dimension[] dims) => new()
    {
        Name = name,
        Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = type, Shape = new TensorShapeProto { Dim = { dims } } } },
    };

    private static TensorShapeProto.Types.Dimension Fixed(long value) => new() { DimValue = value };

    private static TensorShapeProto.Types.Dimension Sym(string name) => new() { DimParam = name };

    private static TensorShapeProto.Types.Dimension Unknown() => new();

    /// <summary>The bytes of a fixture, as written to disk.</summary>
    public static byte[] Write(string name) => All[name].ToByteArray();
}
