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
        ["conv.onnx"] = Conv(),
        ["audio.onnx"] = Audio(),
        ["norms.onnx"] = Norms(),
        ["reductions.onnx"] = Reductions(),
        ["elementwise.onnx"] = Elementwise(),
        ["shapes.onnx"] = Shapes(),
        ["recurrent.onnx"] = Recurrent(),
        ["branch.onnx"] = Branch(),
        ["resize.onnx"] = Resize(),
        ["kws_small.onnx"] = KeywordHead("kws_small", 16, 96, 16, 1),
        ["kws.onnx"] = KeywordHead("kws", 16, 96, 128, 1),
        ["kws7.onnx"] = KeywordHead("kws7", 34, 96, 128, 7),
        ["frontend.onnx"] = FrontEnd(),
        ["mobile.onnx"] = Mobile(),
        ["lstm64.onnx"] = Lstm64(),
        ["seed_matmul.onnx"] = SeedModelWriter.Build(SeedModelTrainer.Train(), matMulAdd: true),
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

    /// <summary>
    /// A small image classifier as PyTorch exports one, over <c>x</c> [batch, 3, 16, 16]: Conv (3 → 8 maps, 3×3, pads 1)
    /// → BatchNormalization (inference statistics; the planner folds it into the Conv's weights) → Relu → MaxPool 2×2
    /// stride 2 → depthwise Conv (group 8, 3×3, stride 2, pads 1) → hard swish written out (x · HardSigmoid(x), alpha
    /// 1/6) → AveragePool 3×3 stride 1 (pads 1, padding not counted) → GlobalAveragePool → Flatten → Gemm (transB, as
    /// nn.Linear) → Softmax. Outputs <c>logits</c> and <c>probs</c> [batch, 10]; and <c>upsampled</c> [batch, 2, 8, 8], a
    /// ConvTranspose (stride 2, pads 1, output_padding 1) of the hard-swish maps, the decoder half of such a network.
    /// </summary>
    private static ModelProto Conv()
    {
        var random = new Random(11);
        return Model(new GraphProto
        {
            Name = "conv",
            DocString = "Conv, folded BatchNormalization, pools, depthwise Conv, hard swish, ConvTranspose, Gemm, Softmax.",
            Node =
            {
                Node("Conv", ["x", "conv1.weight", "conv1.bias"], ["conv1"], Ints("kernel_shape", 3, 3), Ints("pads", 1, 1, 1, 1), Ints("strides", 1, 1)),
                Node("BatchNormalization", ["conv1", "bn1.weight", "bn1.bias", "bn1.running_mean", "bn1.running_var"], ["bn1"], Float("epsilon", 1e-5f), Float("momentum", 0.9f)),
                Node("Relu", ["bn1"], ["relu1"]),
                Node("MaxPool", ["relu1"], ["pool1"], Ints("kernel_shape", 2, 2), Ints("strides", 2, 2)),
                Node("Conv", ["pool1", "dw.weight", "dw.bias"], ["dw"], Int("group", 8), Ints("kernel_shape", 3, 3), Ints("pads", 1, 1, 1, 1), Ints("strides", 2, 2)),
                Node("HardSigmoid", ["dw"], ["gate"], Float("alpha", 1f / 6), Float("beta", 0.5f)),
                Node("Mul", ["dw", "gate"], ["hswish"]),
                Node("AveragePool", ["hswish"], ["smooth"], Ints("kernel_shape", 3, 3), Ints("pads", 1, 1, 1, 1), Ints("strides", 1, 1), Int("count_include_pad", 0)),
                Node("GlobalAveragePool", ["smooth"], ["gap"]),
                Node("Flatten", ["gap"], ["flat"], Int("axis", 1)),
                Node("Gemm", ["flat", "fc.weight", "fc.bias"], ["logits"], Float("alpha", 1f), Float("beta", 1f), Int("transB", 1)),
                Node("Softmax", ["logits"], ["probs"], Int("axis", 1)),
                Node("ConvTranspose", ["hswish", "up.weight", "up.bias"], ["upsampled"], Ints("kernel_shape", 3, 3), Ints("pads", 1, 1, 1, 1), Ints("strides", 2, 2),
                    Ints("output_padding", 1, 1)),
            },
            Initializer =
            {
                Uniform(random, "conv1.weight", 1 / Math.Sqrt(27), 8, 3, 3, 3), Uniform(random, "conv1.bias", 0.1, 8),
                UniformIn(random, "bn1.weight", 0.5, 1.5, 8), Uniform(random, "bn1.bias", 0.2, 8), Uniform(random, "bn1.running_mean", 0.3, 8),
                UniformIn(random, "bn1.running_var", 0.5, 1.5, 8),
                Uniform(random, "dw.weight", 1 / 3.0, 8, 1, 3, 3), Uniform(random, "dw.bias", 0.1, 8),
                Uniform(random, "fc.weight", 1 / Math.Sqrt(8), 10, 8), Uniform(random, "fc.bias", 0.1, 10),
                Uniform(random, "up.weight", 1 / Math.Sqrt(72), 8, 2, 3, 3), Uniform(random, "up.bias", 0.1, 2),
            },
            Input = { Value("x", 1, Sym("batch"), Fixed(3), Fixed(16), Fixed(16)) },
            Output =
            {
                Value("logits", 1, Sym("batch"), Fixed(10)), Value("probs", 1, Sym("batch"), Fixed(10)),
                Value("upsampled", 1, Sym("batch"), Fixed(2), Fixed(8), Fixed(8)),
            },
        });
    }

    /// <summary>
    /// An audio front-end over raw samples <c>x</c> [batch, 1, samples], the length a symbol: Conv1D (4 filters of 16
    /// taps, stride 8, pads 4 each side) → Relu → LpPool (3 frames, stride 2, p 2); <c>features</c> [batch, 4, frames] has
    /// a dim the planner derives per call, ((samples + 8 − 16) / 8 + 1 − 3) / 2 + 1. <c>energy</c> [batch, 4] is each
    /// filter's loudest frame (GlobalMaxPool over the symbolic length, then Flatten).
    /// </summary>
    private static ModelProto Audio()
    {
        var random = new Random(12);
        return Model(new GraphProto
        {
            Name = "audio",
            DocString = "Conv1D over a symbolic number of samples, LpPool, GlobalMaxPool.",
            Node =
            {
                Node("Conv", ["x", "frontend.weight", "frontend.bias"], ["filtered"], Ints("kernel_shape", 16), Ints("pads", 4, 4), Ints("strides", 8)),
                Node("Relu", ["filtered"], ["rectified"]),
                Node("LpPool", ["rectified"], ["features"], Ints("kernel_shape", 3), Ints("strides", 2), Int("p", 2)),
                Node("GlobalMaxPool", ["features"], ["loudest"]),
                Node("Flatten", ["loudest"], ["energy"], Int("axis", 1)),
            },
            Initializer = { Uniform(random, "frontend.weight", 0.25, 4, 1, 16), Uniform(random, "frontend.bias", 0.1, 4) },
            Input = { Value("x", 1, Sym("batch"), Fixed(1), Sym("samples")) },
            Output = { Value("features", 1, Sym("batch"), Fixed(4), Sym("frames")), Value("energy", 1, Sym("batch"), Fixed(4)) },
        });
    }

    /// <summary>
    /// The normalisations, over <c>x</c> [batch, 10, 32] and <c>image</c> [batch, 4, 6, 6]: <c>manual</c>, layer
    /// normalisation written out as exporters before opset 17 write it (ReduceMean → Sub → Pow 2 → ReduceMean → Add ε →
    /// Sqrt → Div → Mul γ → Add β); <c>layer</c>, the LayerNormalization op; and on the image <c>instance</c>
    /// (InstanceNormalization), <c>lrn</c> (LRN across 3 channels) and <c>batch_norm</c> (a BatchNormalization no Conv feeds,
    /// so it runs as its own kernel).
    /// </summary>
    private static ModelProto Norms()
    {
        var random = new Random(13);
        return Model(new GraphProto
        {
            Name = "norms",
            DocString = "Layer normalisation written out and as one op, InstanceNormalization, LRN, BatchNormalization.",
            Node =
            {
                Node("ReduceMean", ["x"], ["mean"], Ints("axes", -1), Int("keepdims", 1)),
                Node("Sub", ["x", "mean"], ["centred"]),
                Node("Pow", ["centred", "two"], ["squared"]),
                Node("ReduceMean", ["squared"], ["variance"], Ints("axes", -1), Int("keepdims", 1)),
                Node("Add", ["variance", "epsilon"], ["shifted"]),
                Node("Sqrt", ["shifted"], ["deviation"]),
                Node("Div", ["centred", "deviation"], ["normalised"]),
                Node("Mul", ["normalised", "ln.weight"], ["scaled"]),
                Node("Add", ["scaled", "ln.bias"], ["manual"]),
                Node("LayerNormalization", ["x", "ln2.weight", "ln2.bias"], ["layer"], Int("axis", -1), Float("epsilon", 1e-5f)),
                Node("InstanceNormalization", ["image", "in.weight", "in.bias"], ["instance"], Float("epsilon", 1e-5f)),
                Node("LRN", ["image"], ["lrn"], Int("size", 3), Float("alpha", 1e-3f), Float("beta", 0.75f), Float("bias", 1f)),
                Node("BatchNormalization", ["image", "bn.weight", "bn.bias", "bn.running_mean", "bn.running_var"], ["batch_norm"], Float("epsilon", 1e-5f)),
            },
            Initializer =
            {
                Scalar("two", 2f), Scalar("epsilon", 1e-5f),
                UniformIn(random, "ln.weight", 0.5, 1.5, 32), Uniform(random, "ln.bias", 0.2, 32),
                UniformIn(random, "ln2.weight", 0.5, 1.5, 32), Uniform(random, "ln2.bias", 0.2, 32),
                UniformIn(random, "in.weight", 0.5, 1.5, 4), Uniform(random, "in.bias", 0.2, 4),
                UniformIn(random, "bn.weight", 0.5, 1.5, 4), Uniform(random, "bn.bias", 0.2, 4), Uniform(random, "bn.running_mean", 0.3, 4),
                UniformIn(random, "bn.running_var", 0.5, 1.5, 4),
            },
            Input = { Value("x", 1, Sym("batch"), Fixed(10), Fixed(32)), Value("image", 1, Sym("batch"), Fixed(4), Fixed(6), Fixed(6)) },
            Output =
            {
                Value("manual", 1, Sym("batch"), Fixed(10), Fixed(32)), Value("layer", 1, Sym("batch"), Fixed(10), Fixed(32)),
                Value("instance", 1, Sym("batch"), Fixed(4), Fixed(6), Fixed(6)), Value("lrn", 1, Sym("batch"), Fixed(4), Fixed(6), Fixed(6)),
                Value("batch_norm", 1, Sym("batch"), Fixed(4), Fixed(6), Fixed(6)),
            },
        });
    }

    /// <summary>
    /// Every reduction over <c>x</c> [batch, 4, 6] (any sign) and <c>p</c> [batch, 4, 6] (positive, for the product and
    /// the log of a sum), over different axes with keepdims 1 and 0 (ReduceSum's axes an input, as from opset 13; the
    /// others' an attribute, as until 18): mean, sum, max, min, prod, L1, L2, log-sum, log-sum-exp, sum of squares, the
    /// mean of everything (a scalar), ArgMax and ArgMin (int64), and CumSum forwards and exclusive-reversed.
    /// </summary>
    private static ModelProto Reductions() => Model(new GraphProto
    {
        Name = "reductions",
        DocString = "Reductions over different axes, keepdims 0 and 1; ArgMax, ArgMin, CumSum.",
        Node =
        {
            Node("ReduceMean", ["x"], ["mean"], Ints("axes", 1), Int("keepdims", 1)),
            Node("ReduceSum", ["x", "axis2"], ["sum"], Int("keepdims", 0)),
            Node("ReduceMax", ["x"], ["max"], Ints("axes", 1, 2), Int("keepdims", 0)),
            Node("ReduceMin", ["x"], ["min"], Ints("axes", -1), Int("keepdims", 1)),
            Node("ReduceProd", ["p"], ["prod"], Ints("axes", 2), Int("keepdims", 0)),
            Node("ReduceL1", ["x"], ["l1"], Ints("axes", 1), Int("keepdims", 0)),
            Node("ReduceL2", ["x"], ["l2"], Ints("axes", 2), Int("keepdims", 1)),
            Node("ReduceLogSum", ["p"], ["log_sum"], Ints("axes", 1), Int("keepdims", 1)),
            Node("ReduceLogSumExp", ["x"], ["log_sum_exp"], Ints("axes", 2), Int("keepdims", 0)),
            Node("ReduceSumSquare", ["x"], ["sum_square"], Ints("axes", 1, 2), Int("keepdims", 1)),
            Node("ReduceMean", ["x"], ["mean_all"], Int("keepdims", 0)),
            Node("ArgMax", ["x"], ["arg_max"], Int("axis", 2), Int("keepdims", 0)),
            Node("ArgMin", ["x"], ["arg_min"], Int("axis", 1), Int("keepdims", 1)),
            Node("CumSum", ["x", "axis1"], ["cum_sum"]),
            Node("CumSum", ["x", "axis2_scalar"], ["cum_sum_reversed"], Int("exclusive", 1), Int("reverse", 1)),
        },
        Initializer = { Int64s("axis2", 2), LongScalar("axis1", 1), LongScalar("axis2_scalar", 2) },
        Input = { Value("x", 1, Sym("batch"), Fixed(4), Fixed(6)), Value("p", 1, Sym("batch"), Fixed(4), Fixed(6)) },
        Output =
        {
            Value("mean", 1, Sym("batch"), Fixed(1), Fixed(6)), Value("sum", 1, Sym("batch"), Fixed(4)), Value("max", 1, Sym("batch")),
            Value("min", 1, Sym("batch"), Fixed(4), Fixed(1)), Value("prod", 1, Sym("batch"), Fixed(4)), Value("l1", 1, Sym("batch"), Fixed(6)),
            Value("l2", 1, Sym("batch"), Fixed(4), Fixed(1)), Value("log_sum", 1, Sym("batch"), Fixed(1), Fixed(6)), Value("log_sum_exp", 1, Sym("batch"), Fixed(4)),
            Value("sum_square", 1, Sym("batch"), Fixed(1), Fixed(1)), Value("mean_all", 1),
            Value("arg_max", 7, Sym("batch"), Fixed(4)), Value("arg_min", 7, Sym("batch"), Fixed(1), Fixed(6)),
            Value("cum_sum", 1, Sym("batch"), Fixed(4), Fixed(6)), Value("cum_sum_reversed", 1, Sym("batch"), Fixed(4), Fixed(6)),
        },
    });

    /// <summary>
    /// The elementwise family over <c>x</c> [batch, 8] and the int64 <c>n</c> [batch, 8]: each unary function (one output
    /// named after it; Log, Sqrt, Asin/Acos/Atanh and Acosh of something in their domain, as a model computes it), Gelu and
    /// Mish written out as exporters write them below opsets 20 and 18 (x·½·(1 + Erf(x/√2)), x·Tanh(Softplus(x))), PRelu
    /// with a slope per channel, variadic Max, Min, Sum and Mean, Where over a comparison, Mod of int64 (the divisor's
    /// sign), LogSoftmax and Hardmax.
    /// </summary>
    private static ModelProto Elementwise()
    {
        var random = new Random(15);
        (string Op, string Input, AttributeProto[] Attributes)[] unary =
        [
            ("Abs", "x", []), ("Sqrt", "abs", []), ("Exp", "x", []), ("Log", "abs", []), ("Neg", "x", []), ("Reciprocal", "x", []),
            ("Floor", "x", []), ("Ceil", "x", []), ("Round", "x", []), ("Sign", "x", []), ("Erf", "x", []),
            ("Sin", "x", []), ("Cos", "x", []), ("Tan", "x", []), ("Atan", "x", []), ("Sinh", "x", []), ("Cosh", "x", []), ("Asinh", "x", []),
            ("Asin", "sin", []), ("Acos", "sin", []), ("Atanh", "sin", []), ("Acosh", "cosh", []),
            ("Elu", "x", [Float("alpha", 0.5f)]), ("Selu", "x", []), ("Celu", "x", [Float("alpha", 1.5f)]), ("Softplus", "x", []), ("Softsign", "x", []),
            ("ThresholdedRelu", "x", [Float("alpha", 0.7f)]), ("HardSwish", "x", []), ("HardSigmoid", "x", [Float("alpha", 0.25f), Float("beta", 0.4f)]),
        ];
        var graph = new GraphProto { Name = "elementwise", DocString = "Unary functions, PRelu, variadic ops, Where, Mod, LogSoftmax, Hardmax." };
        foreach (var (op, input, attributes) in unary)
        {
            string output = string.Concat(op.Select((c, i) => i > 0 && char.IsUpper(c) ? "_" + char.ToLowerInvariant(c) : char.ToLowerInvariant(c).ToString()));
            graph.Node.Add(Node(op, [input], [output], attributes));
            graph.Output.Add(Value(output, 1, Sym("batch"), Fixed(8)));
        }
        graph.Node.Add(Node("Clip", ["x", "clip_min", "clip_max"], ["clip"]));
        // Gelu (opset 20) as torch.onnx writes it before: x · 0.5 · (1 + erf(x / √2)).
        graph.Node.Add(Node("Div", ["x", "sqrt2"], ["gelu_scaled"]));
        graph.Node.Add(Node("Erf", ["gelu_scaled"], ["gelu_erf"]));
        graph.Node.Add(Node("Add", ["gelu_erf", "one"], ["gelu_shifted"]));
        graph.Node.Add(Node("Mul", ["x", "gelu_shifted"], ["gelu_product"]));
        graph.Node.Add(Node("Mul", ["gelu_product", "half"], ["gelu"]));
        // Mish (opset 18) as torch.onnx writes it before: x · tanh(softplus(x)).
        graph.Node.Add(Node("Tanh", ["softplus"], ["mish_tanh"]));
        graph.Node.Add(Node("Mul", ["x", "mish_tanh"], ["mish"]));
        graph.Node.Add(Node("PRelu", ["x", "prelu.weight"], ["prelu"]));
        graph.Node.Add(Node("Max", ["x", "neg", "floor_limit"], ["max"]));
        graph.Node.Add(Node("Min", ["x", "cos", "sin"], ["min"]));
        graph.Node.Add(Node("Sum", ["x", "exp", "sin"], ["sum"]));
        graph.Node.Add(Node("Mean", ["x", "cos"], ["mean"]));
        graph.Node.Add(Node("Less", ["x", "zero"], ["negative"]));
        graph.Node.Add(Node("Where", ["negative", "sin", "cos"], ["where"]));
        graph.Node.Add(Node("Mod", ["n", "divisors"], ["mod"], Int("fmod", 0)));
        graph.Node.Add(Node("LogSoftmax", ["x"], ["log_softmax"], Int("axis", -1)));
        graph.Node.Add(Node("Hardmax", ["x"], ["hardmax"], Int("axis", -1)));
        foreach (string output in new[] { "clip", "gelu", "mish", "prelu", "max", "min", "sum", "mean", "where" })
            graph.Output.Add(Value(output, 1, Sym("batch"), Fixed(8)));
        graph.Output.Add(Value("mod", 7, Sym("batch"), Fixed(8)));
        graph.Output.Add(Value("log_softmax", 1, Sym("batch"), Fixed(8)));
        graph.Output.Add(Value("hardmax", 1, Sym("batch"), Fixed(8)));
        graph.Initializer.Add(Scalar("clip_min", -1f));
        graph.Initializer.Add(Scalar("clip_max", 1.5f));
        graph.Initializer.Add(Scalar("sqrt2", 1.4142135f));
        graph.Initializer.Add(Scalar("one", 1f));
        graph.Initializer.Add(Scalar("half", 0.5f));
        graph.Initializer.Add(Scalar("zero", 0f));
        graph.Initializer.Add(UniformIn(random, "prelu.weight", 0, 0.5, 8));
        graph.Initializer.Add(Uniform(random, "floor_limit", 1, 8));
        graph.Initializer.Add(Int64s("divisors", 3, -4, 5, -6, 7, 2, -3, 9));
        graph.Input.Add(Value("x", 1, Sym("batch"), Fixed(8)));
        graph.Input.Add(Value("n", 7, Sym("batch"), Fixed(8)));
        return Model(graph);
    }

    /// <summary>
    /// The shape and indexing ops over <c>x</c> [batch, 4, 6] and int64 <c>picks</c> [batch, 4, 3]: <c>flat</c> [batch,
    /// 24] by the chain exporters write for <c>x.view(x.size(0), -1)</c> (Shape → Gather → Unsqueeze → Concat → Reshape,
    /// folded at build time to the batch symbol), Slice with steps 2 and −2, Split 2 + 4, Expand to Shape(x), Pad constant
    /// and reflect, ConstantOfShape of Shape(x)'s last two dims, Range to the last dim (cast to float), Tile, Transpose,
    /// DepthToSpace (CRD) and SpaceToDepth of x viewed as [batch, 4, 2, 3], GatherElements by picks, Gather by constant
    /// int64 indices (negative among them), Cast to int64 and back, and Equal, Less, Not, And giving bool.
    /// </summary>
    private static ModelProto Shapes() => Model(new GraphProto
    {
        Name = "shapes",
        DocString = "Shape chains folded over a symbolic batch, slicing, padding, gathering, casts and logic.",
        Node =
        {
            Node("Shape", ["x"], ["shape"]),
            Node("Gather", ["shape", "zero"], ["batch_size"], Int("axis", 0)),
            Node("Unsqueeze", ["batch_size", "axes0"], ["batch_dim"]),
            Node("Concat", ["batch_dim", "minus_one"], ["flat_shape"], Int("axis", 0)),
            Node("Reshape", ["x", "flat_shape"], ["flat"]),
            Node("Slice", ["x", "slice_starts", "slice_ends", "slice_axes", "slice_steps"], ["sliced"]),
            Node("Split", ["x", "split_sizes"], ["split_a", "split_b"], Int("axis", 2)),
            Node("Slice", ["x", "first_start", "first_end", "last_axis"], ["first_column"]),
            Node("Expand", ["first_column", "shape"], ["expanded"]),
            Node("Pad", ["x", "pads_constant", "pad_value"], ["padded"], Text("mode", "constant")),
            Node("Pad", ["x", "pads_reflect"], ["reflected"], Text("mode", "reflect")),
            Node("Slice", ["shape", "tail_start", "tail_end"], ["tail"]),
            Node("ConstantOfShape", ["tail"], ["filled"], TensorAttribute("value", Floats("value", [1], 1.5f))),
            Node("Add", ["x", "filled"], ["offset"]),
            Node("Gather", ["shape", "two"], ["width"], Int("axis", 0)),
            Node("Range", ["zero", "width", "one"], ["positions"]),
            Node("Cast", ["positions"], ["positions_float"], Int("to", 1)),
            Node("Mul", ["x", "positions_float"], ["ramp"]),
            Node("Tile", ["x", "tile_repeats"], ["tiled"]),
            Node("Transpose", ["x"], ["transposed"], Ints("perm", 0, 2, 1)),
            Node("Reshape", ["x", "image_shape"], ["image"]),
            Node("DepthToSpace", ["image"], ["depth_to_space"], Int("blocksize", 2), Text("mode", "CRD")),
            Node("SpaceToDepth", ["depth_to_space"], ["space_to_depth"], Int("blocksize", 2)),
            Node("GatherElements", ["x", "picks"], ["gathered_elements"], Int("axis", 2)),
            Node("Gather", ["x", "columns"], ["gathered_columns"], Int("axis", 2)),
            Node("Gather", ["x", "rows"], ["gathered_rows"], Int("axis", 1)),
            Node("Cast", ["x"], ["truncated"], Int("to", 7)),
            Node("Cast", ["truncated"], ["truncated_float"], Int("to", 1)),
            Node("Less", ["x", "zero_float"], ["negative"]),
            Node("Not", ["negative"], ["non_negative"]),
            Node("Less", ["x", "one_float"], ["below_one"]),
            Node("And", ["non_negative", "below_one"], ["unit"]),
            Node("Equal", ["picks", "two"], ["picked_two"]),
        },
        Initializer =
        {
            LongScalar("zero", 0), LongScalar("one", 1), LongScalar("two", 2), Int64s("axes0", 0), Int64s("minus_one", -1),
            Int64s("slice_starts", 0, 5), Int64s("slice_ends", 4, -100), Int64s("slice_axes", 1, 2), Int64s("slice_steps", 2, -2),
            Int64s("split_sizes", 2, 4), Int64s("first_start", 0), Int64s("first_end", 1), Int64s("last_axis", 2),
            Int64s("pads_constant", 0, 1, 2, 0, 1, 0), Scalar("pad_value", 0.5f), Int64s("pads_reflect", 0, 0, 2, 0, 0, 1),
            Int64s("tail_start", 1), Int64s("tail_end", 3), Int64s("tile_repeats", 1, 2, 1), Int64s("image_shape", 0, 4, 2, 3),
            Int64s("columns", 3, -1, 0), Int64s([2, 2], "rows", 0, 2, 3, -1), Scalar("zero_float", 0f), Scalar("one_float", 1f),
        },
        Input = { Value("x", 1, Sym("batch"), Fixed(4), Fixed(6)), Value("picks", 7, Sym("batch"), Fixed(4), Fixed(3)) },
        Output =
        {
            Value("flat", 1, Sym("batch"), Fixed(24)), Value("sliced", 1, Sym("batch"), Fixed(2), Fixed(3)),
            Value("split_a", 1, Sym("batch"), Fixed(4), Fixed(2)), Value("split_b", 1, Sym("batch"), Fixed(4), Fixed(4)),
            Value("expanded", 1, Sym("batch"), Fixed(4), Fixed(6)), Value("padded", 1, Sym("batch"), Fixed(6), Fixed(8)),
            Value("reflected", 1, Sym("batch"), Fixed(4), Fixed(9)), Value("offset", 1, Sym("batch"), Fixed(4), Fixed(6)),
            Value("ramp", 1, Sym("batch"), Fixed(4), Fixed(6)), Value("tiled", 1, Sym("batch"), Fixed(8), Fixed(6)),
            Value("transposed", 1, Sym("batch"), Fixed(6), Fixed(4)), Value("depth_to_space", 1, Sym("batch"), Fixed(1), Fixed(4), Fixed(6)),
            Value("space_to_depth", 1, Sym("batch"), Fixed(4), Fixed(2), Fixed(3)), Value("gathered_elements", 1, Sym("batch"), Fixed(4), Fixed(3)),
            Value("gathered_columns", 1, Sym("batch"), Fixed(4), Fixed(3)), Value("gathered_rows", 1, Sym("batch"), Fixed(2), Fixed(2), Fixed(6)),
            Value("truncated", 7, Sym("batch"), Fixed(4), Fixed(6)), Value("truncated_float", 1, Sym("batch"), Fixed(4), Fixed(6)),
            Value("unit", 9, Sym("batch"), Fixed(4), Fixed(6)), Value("picked_two", 9, Sym("batch"), Fixed(4), Fixed(3)),
        },
    });

    /// <summary>
    /// The recurrent ops as torch.onnx writes them, over <c>x</c> [seq, batch, 3] (both symbols) with the LSTM's initial
    /// states <c>h0</c> and <c>c0</c> [2, batch, 5]: a bidirectional LSTM (hidden 5; <c>lstm_y</c> [seq, 2, batch, 5],
    /// <c>lstm_h</c>, <c>lstm_c</c>), a GRU with linear_before_reset 1 and no initial state (hidden 4; <c>gru_y</c>
    /// squeezed to [seq, batch, 4], <c>gru_h</c>), and a reverse RNN (hidden 4; <c>rnn_y</c>, <c>rnn_h</c>).
    /// </summary>
    private static ModelProto Recurrent()
    {
        var random = new Random(17);
        return Model(new GraphProto
        {
            Name = "recurrent",
            DocString = "Bidirectional LSTM with initial states, GRU (linear_before_reset), reverse RNN.",
            Node =
            {
                Node("LSTM", ["x", "lstm.W", "lstm.R", "lstm.B", "", "h0", "c0"], ["lstm_y", "lstm_h", "lstm_c"], Text("direction", "bidirectional"), Int("hidden_size", 5)),
                Node("GRU", ["x", "gru.W", "gru.R", "gru.B"], ["gru_y4", "gru_h"], Int("hidden_size", 4), Int("linear_before_reset", 1)),
                Node("Squeeze", ["gru_y4", "axes1"], ["gru_y"]),
                Node("RNN", ["x", "rnn.W", "rnn.R", "rnn.B"], ["rnn_y", "rnn_h"], Text("direction", "reverse"), Int("hidden_size", 4)),
            },
            Initializer =
            {
                Uniform(random, "lstm.W", 1 / Math.Sqrt(5), 2, 20, 3), Uniform(random, "lstm.R", 1 / Math.Sqrt(5), 2, 20, 5), Uniform(random, "lstm.B", 1 / Math.Sqrt(5), 2, 40),
                Uniform(random, "gru.W", 0.5, 1, 12, 3), Uniform(random, "gru.R", 0.5, 1, 12, 4), Uniform(random, "gru.B", 0.5, 1, 24),
                Uniform(random, "rnn.W", 0.5, 1, 4, 3), Uniform(random, "rnn.R", 0.5, 1, 4, 4), Uniform(random, "rnn.B", 0.5, 1, 8),
                Int64s("axes1", 1),
            },
            Input =
            {
                Value("x", 1, Sym("seq"), Sym("batch"), Fixed(3)), Value("h0", 1, Fixed(2), Sym("batch"), Fixed(5)), Value("c0", 1, Fixed(2), Sym("batch"), Fixed(5)),
            },
            Output =
            {
                Value("lstm_y", 1, Sym("seq"), Fixed(2), Sym("batch"), Fixed(5)), Value("lstm_h", 1, Fixed(2), Sym("batch"), Fixed(5)),
                Value("lstm_c", 1, Fixed(2), Sym("batch"), Fixed(5)),
                Value("gru_y", 1, Sym("seq"), Sym("batch"), Fixed(4)), Value("gru_h", 1, Fixed(1), Sym("batch"), Fixed(4)),
                Value("rnn_y", 1, Sym("seq"), Fixed(1), Sym("batch"), Fixed(4)), Value("rnn_h", 1, Fixed(1), Sym("batch"), Fixed(4)),
            },
        });
    }

    /// <summary>
    /// A run-time If over <c>x</c> [batch, 4]: the condition is ReduceSum(x) &gt; 0, so the input picks the branch and both
    /// are compiled. then: Relu(x · w) + x; else: Sigmoid(−x) · w; each reads x and w from the outer graph. <c>y</c>
    /// [batch, 4] is the branch's result, <c>z</c> = y + x a node after the If.
    /// </summary>
    private static ModelProto Branch()
    {
        var random = new Random(18);
        var thenBranch = new GraphProto
        {
            Name = "positive",
            Node = { Node("Mul", ["x", "w"], ["then_scaled"]), Node("Relu", ["then_scaled"], ["then_rectified"]), Node("Add", ["then_rectified", "x"], ["then_y"]) },
            Output = { Value("then_y", 1, Sym("batch"), Fixed(4)) },
        };
        var elseBranch = new GraphProto
        {
            Name = "negative",
            Node = { Node("Neg", ["x"], ["else_negated"]), Node("Sigmoid", ["else_negated"], ["else_squashed"]), Node("Mul", ["else_squashed", "w"], ["else_y"]) },
            Output = { Value("else_y", 1, Sym("batch"), Fixed(4)) },
        };
        return Model(new GraphProto
        {
            Name = "branch",
            DocString = "If on a condition computed from the input; both branches read outer values.",
            Node =
            {
                Node("ReduceSum", ["x"], ["total"], Int("keepdims", 0)),
                Node("Greater", ["total", "zero"], ["positive"]),
                Node("If", ["positive"], ["y"], GraphAttribute("then_branch", thenBranch), GraphAttribute("else_branch", elseBranch)),
                Node("Add", ["y", "x"], ["z"]),
            },
            Initializer = { Uniform(random, "w", 1, 4), Scalar("zero", 0f) },
            Input = { Value("x", 1, Sym("batch"), Fixed(4)) },
            Output = { Value("y", 1, Sym("batch"), Fixed(4)), Value("z", 1, Sym("batch"), Fixed(4)) },
        });
    }

    /// <summary>
    /// Resize over <c>x</c> [batch, 2, 4, 5] as exporters write it: <c>nearest</c> [batch, 2, 8, 10] (scales 2, asymmetric,
    /// floor: torch's nn.Upsample), <c>bilinear</c> [batch, 2, 6, 7] to sizes whose batch and channels come from Shape(x)
    /// (pytorch_half_pixel), <c>aligned</c> [batch, 2, 6, 4] (linear, scales 1.5 and 0.8, align_corners) and
    /// <c>bicubic</c> [batch, 2, 8, 10] (cubic, a = −0.75, half_pixel).
    /// </summary>
    private static ModelProto Resize() => Model(new GraphProto
    {
        Name = "resize",
        DocString = "Resize nearest, linear and cubic, by scales and by sizes.",
        Node =
        {
            Node("Resize", ["x", "", "double"], ["nearest"], Text("mode", "nearest"), Text("coordinate_transformation_mode", "asymmetric"), Text("nearest_mode", "floor")),
            Node("Shape", ["x"], ["shape"]),
            Node("Slice", ["shape", "start", "end"], ["leading"]),
            Node("Concat", ["leading", "size"], ["sizes"], Int("axis", 0)),
            Node("Resize", ["x", "", "", "sizes"], ["bilinear"], Text("mode", "linear"), Text("coordinate_transformation_mode", "pytorch_half_pixel")),
            Node("Resize", ["x", "", "uneven"], ["aligned"], Text("mode", "linear"), Text("coordinate_transformation_mode", "align_corners")),
            Node("Resize", ["x", "", "double"], ["bicubic"], Text("mode", "cubic"), Float("cubic_coeff_a", -0.75f), Text("coordinate_transformation_mode", "half_pixel")),
        },
        Initializer =
        {
            Floats("double", [4], 1, 1, 2, 2), Floats("uneven", [4], 1, 1, 1.5f, 0.8f),
            Int64s("start", 0), Int64s("end", 2), Int64s("size", 6, 7),
        },
        Input = { Value("x", 1, Sym("batch"), Fixed(2), Fixed(4), Fixed(5)) },
        Output =
        {
            Value("nearest", 1, Sym("batch"), Fixed(2), Fixed(8), Fixed(10)), Value("bilinear", 1, Sym("batch"), Fixed(2), Fixed(6), Fixed(7)),
            Value("aligned", 1, Sym("batch"), Fixed(2), Fixed(6), Fixed(4)), Value("bicubic", 1, Sym("batch"), Fixed(2), Fixed(8), Fixed(10)),
        },
    });

    /// <summary>
    /// A keyword-spotting head as openWakeWord's are exported from PyTorch, for the benchmarks of issue 19: <c>x</c>
    /// [batch, frames, features] of embeddings → Flatten → Gemm (→ hidden, transB as nn.Linear) → Relu → Gemm (→ hidden)
    /// → Relu → Gemm (→ outputs) → Sigmoid for one output, Softmax for several; <c>y</c> [batch, outputs]. kws_small:
    /// 16 × 96 → 16 → 16 → 1 (24,881 weights); kws: 16 × 96 → 128 → 128 → 1 (213,377); kws7: 34 × 96 → 128 → 128 → 7 (435,335).
    /// </summary>
    private static ModelProto KeywordHead(string name, int frames, int features, int hidden, int outputs)
    {
        var random = new Random(frames * features + hidden + outputs);
        int inputs = frames * features;
        return Model(new GraphProto
        {
            Name = name,
            DocString = $"Flatten → Gemm {inputs} → {hidden} → Relu → Gemm {hidden} → {hidden} → Relu → Gemm {hidden} → {outputs} → {(outputs == 1 ? "Sigmoid" : "Softmax")}.",
            Node =
            {
                Node("Flatten", ["x"], ["flat"], Int("axis", 1)),
                Node("Gemm", ["flat", "fc1.weight", "fc1.bias"], ["fc1"], Float("alpha", 1f), Float("beta", 1f), Int("transB", 1)),
                Node("Relu", ["fc1"], ["relu1"]),
                Node("Gemm", ["relu1", "fc2.weight", "fc2.bias"], ["fc2"], Float("alpha", 1f), Float("beta", 1f), Int("transB", 1)),
                Node("Relu", ["fc2"], ["relu2"]),
                Node("Gemm", ["relu2", "fc3.weight", "fc3.bias"], ["logits"], Float("alpha", 1f), Float("beta", 1f), Int("transB", 1)),
                outputs == 1 ? Node("Sigmoid", ["logits"], ["y"]) : Node("Softmax", ["logits"], ["y"], Int("axis", 1)),
            },
            Initializer =
            {
                Uniform(random, "fc1.weight", 1 / Math.Sqrt(inputs), hidden, inputs), Uniform(random, "fc1.bias", 1 / Math.Sqrt(inputs), hidden),
                Uniform(random, "fc2.weight", 1 / Math.Sqrt(hidden), hidden, hidden), Uniform(random, "fc2.bias", 1 / Math.Sqrt(hidden), hidden),
                Uniform(random, "fc3.weight", 1 / Math.Sqrt(hidden), outputs, hidden), Uniform(random, "fc3.bias", 1 / Math.Sqrt(hidden), outputs),
            },
            Input = { Value("x", 1, Sym("batch"), Fixed(frames), Fixed(features)) },
            Output = { Value("y", 1, Sym("batch"), Fixed(outputs)) },
        });
    }

    /// <summary>
    /// An audio front-end over 80 ms of 16 kHz samples, <c>x</c> [batch, 1, 1280], for the benchmarks of issue 19: Conv1D
    /// (1 → 16 filters of 64 taps, stride 16; 77 frames) → Relu → Conv1D (16 → 32, 3 taps; 75 frames) → Relu →
    /// GlobalAveragePool → Flatten; <c>features</c> [batch, 32]. 2,608 weights, 194,048 multiply-adds per row.
    /// </summary>
    private static ModelProto FrontEnd()
    {
        var random = new Random(19);
        return Model(new GraphProto
        {
            Name = "frontend",
            DocString = "Conv1D 1 → 16 (k 64, stride 16) → Relu → Conv1D 16 → 32 (k 3) → Relu → GlobalAveragePool → Flatten.",
            Node =
            {
                Node("Conv", ["x", "conv1.weight", "conv1.bias"], ["conv1"], Ints("dilations", 1), Int("group", 1), Ints("kernel_shape", 64), Ints("pads", 0, 0), Ints("strides", 16)),
                Node("Relu", ["conv1"], ["relu1"]),
                Node("Conv", ["relu1", "conv2.weight", "conv2.bias"], ["conv2"], Ints("dilations", 1), Int("group", 1), Ints("kernel_shape", 3), Ints("pads", 0, 0), Ints("strides", 1)),
                Node("Relu", ["conv2"], ["relu2"]),
                Node("GlobalAveragePool", ["relu2"], ["pooled"]),
                Node("Flatten", ["pooled"], ["features"], Int("axis", 1)),
            },
            Initializer =
            {
                Uniform(random, "conv1.weight", 1 / 8.0, 16, 1, 64), Uniform(random, "conv1.bias", 1 / 8.0, 16),
                Uniform(random, "conv2.weight", 1 / Math.Sqrt(48), 32, 16, 3), Uniform(random, "conv2.bias", 1 / Math.Sqrt(48), 32),
            },
            Input = { Value("x", 1, Sym("batch"), Fixed(1), Fixed(1280)) },
            Output = { Value("features", 1, Sym("batch"), Fixed(32)) },
        });
    }

    /// <summary>
    /// A small MobileNet-style classifier over <c>x</c> [batch, 3, 48, 192], for the benchmarks of issue 19: Conv 3 → 8
    /// (3×3, stride 2, pads 1) → BatchNormalization → HardSwish; three depthwise-separable blocks, each a depthwise 3×3
    /// Conv (pads 1; strides 1, 2, 2) → HardSwish → pointwise 1×1 Conv (8 → 16, 16 → 32, 32 → 64) → Relu; then
    /// GlobalAveragePool → Flatten → Gemm (64 → 10, transB) → Softmax; <c>probs</c> [batch, 10]. 4,266 weights, about
    /// 1.67 million multiply-adds per image.
    /// </summary>
    private static ModelProto Mobile()
    {
        var random = new Random(20);
        var nodes = new List<NodeProto>
        {
            Node("Conv", ["x", "stem.weight", "stem.bias"], ["stem"], Ints("dilations", 1, 1), Int("group", 1), Ints("kernel_shape", 3, 3), Ints("pads", 1, 1, 1, 1), Ints("strides", 2, 2)),
            Node("BatchNormalization", ["stem", "bn.weight", "bn.bias", "bn.running_mean", "bn.running_var"], ["bn"], Float("epsilon", 1e-5f), Float("momentum", 0.9f)),
            Node("HardSwish", ["bn"], ["act0"]),
        };
        var initializers = new List<TensorProto>
        {
            Uniform(random, "stem.weight", 1 / Math.Sqrt(27), 8, 3, 3, 3), Uniform(random, "stem.bias", 0.1, 8),
            UniformIn(random, "bn.weight", 0.5, 1.5, 8), Uniform(random, "bn.bias", 0.2, 8), Uniform(random, "bn.running_mean", 0.3, 8),
            UniformIn(random, "bn.running_var", 0.5, 1.5, 8),
        };
        (int In, int Out, int Stride)[] blocks = [(8, 16, 1), (16, 32, 2), (32, 64, 2)];
        string input = "act0";
        for (int b = 0; b < blocks.Length; b++)
        {
            var (cin, cout, stride) = blocks[b];
            string dw = $"block{b + 1}.dw", pw = $"block{b + 1}.pw";
            nodes.Add(Node("Conv", [input, dw + ".weight", dw + ".bias"], [dw], Ints("dilations", 1, 1), Int("group", cin), Ints("kernel_shape", 3, 3), Ints("pads", 1, 1, 1, 1), Ints("strides", stride, stride)));
            nodes.Add(Node("HardSwish", [dw], [dw + ".act"]));
            nodes.Add(Node("Conv", [dw + ".act", pw + ".weight", pw + ".bias"], [pw], Ints("dilations", 1, 1), Int("group", 1), Ints("kernel_shape", 1, 1), Ints("pads", 0, 0, 0, 0), Ints("strides", 1, 1)));
            nodes.Add(Node("Relu", [pw], [pw + ".act"]));
            initializers.Add(Uniform(random, dw + ".weight", 1 / 3.0, cin, 1, 3, 3));
            initializers.Add(Uniform(random, dw + ".bias", 0.1, cin));
            initializers.Add(Uniform(random, pw + ".weight", 1 / Math.Sqrt(cin), cout, cin, 1, 1));
            initializers.Add(Uniform(random, pw + ".bias", 0.1, cout));
            input = pw + ".act";
        }
        nodes.Add(Node("GlobalAveragePool", [input], ["pooled"]));
        nodes.Add(Node("Flatten", ["pooled"], ["flat"], Int("axis", 1)));
        nodes.Add(Node("Gemm", ["flat", "fc.weight", "fc.bias"], ["logits"], Float("alpha", 1f), Float("beta", 1f), Int("transB", 1)));
        nodes.Add(Node("Softmax", ["logits"], ["probs"], Int("axis", 1)));
        initializers.Add(Uniform(random, "fc.weight", 1 / 8.0, 10, 64));
        initializers.Add(Uniform(random, "fc.bias", 0.1, 10));
        return Model(new GraphProto
        {
            Name = "mobile",
            DocString = "Conv + BatchNormalization + HardSwish, three depthwise-separable blocks, GlobalAveragePool, Gemm, Softmax.",
            Node = { nodes },
            Initializer = { initializers },
            Input = { Value("x", 1, Sym("batch"), Fixed(3), Fixed(48), Fixed(192)) },
            Output = { Value("probs", 1, Sym("batch"), Fixed(10)) },
        });
    }

    /// <summary>
    /// A recurrent classifier as torch.onnx writes one, over <c>x</c> [64, batch, 40] (64 steps of 40 features), for the
    /// benchmarks of issue 19: LSTM (hidden 64) → Squeeze the direction axis → Gather the last step → Gemm (64 → 10,
    /// transB) → Softmax; <c>probs</c> [batch, 10]. 27,786 weights, 1,703,936 multiply-adds per sequence in the LSTM.
    /// </summary>
    private static ModelProto Lstm64()
    {
        var random = new Random(21);
        return Model(new GraphProto
        {
            Name = "lstm64",
            DocString = "LSTM over 64 steps (40 → 64), last step, Gemm, Softmax.",
            Node =
            {
                Node("LSTM", ["x", "lstm.W", "lstm.R", "lstm.B"], ["sequence", "last_h", "last_c"], Int("hidden_size", 64)),
                Node("Squeeze", ["sequence", "axes1"], ["steps"]),
                Node("Gather", ["steps", "last"], ["final"], Int("axis", 0)),
                Node("Gemm", ["final", "fc.weight", "fc.bias"], ["logits"], Float("alpha", 1f), Float("beta", 1f), Int("transB", 1)),
                Node("Softmax", ["logits"], ["probs"], Int("axis", 1)),
            },
            Initializer =
            {
                Uniform(random, "lstm.W", 1 / 8.0, 1, 256, 40), Uniform(random, "lstm.R", 1 / 8.0, 1, 256, 64), Uniform(random, "lstm.B", 1 / 8.0, 1, 512),
                Int64s("axes1", 1), LongScalar("last", -1),
                Uniform(random, "fc.weight", 1 / 8.0, 10, 64), Uniform(random, "fc.bias", 1 / 8.0, 10),
            },
            Input = { Value("x", 1, Fixed(64), Sym("batch"), Fixed(40)) },
            Output = { Value("probs", 1, Sym("batch"), Fixed(10)) },
        });
    }

    /// <summary>Pseudo-random floats in [−<paramref name="scale"/>, <paramref name="scale"/>].</summary>
    private static TensorProto Uniform(Random random, string name, double scale, params long[] dims) => UniformIn(random, name, -scale, scale, dims);

    /// <summary>Pseudo-random floats in [<paramref name="low"/>, <paramref name="high"/>].</summary>
    private static TensorProto UniformIn(Random random, string name, double low, double high, params long[] dims)
    {
        var tensor = new TensorProto { Name = name, DataType = 1, Dims = { dims } };
        long count = dims.Aggregate(1L, (p, d) => p * d);
        for (long i = 0; i < count; i++)
            tensor.FloatData.Add((float)(low + random.NextDouble() * (high - low)));
        return tensor;
    }

    private static TensorProto Floats(string name, long[] dims, params float[] values) => new() { Name = name, DataType = 1, Dims = { dims }, FloatData = { values } };

    private static TensorProto Scalar(string name, float value) => new() { Name = name, DataType = 1, FloatData = { value } };

    private static TensorProto LongScalar(string name, long value) => new() { Name = name, DataType = 7, Int64Data = { value } };

    private static TensorProto Int64s(string name, params long[] values) => Int64s([values.Length], name, values);

    private static TensorProto Int64s(long[] dims, string name, params long[] values) => new() { Name = name, DataType = 7, Dims = { dims }, Int64Data = { values } };

    private static AttributeProto Int(string name, long value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    private static AttributeProto Float(string name, float value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = value };

    private static AttributeProto Ints(string name, params long[] values) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Ints, Ints = { values } };

    private static AttributeProto Text(string name, string value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.String, S = ByteString.CopyFromUtf8(value) };

    private static AttributeProto TensorAttribute(string name, TensorProto value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Tensor, T = value };

    private static AttributeProto GraphAttribute(string name, GraphProto value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Graph, G = value };

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
    private static NodeProto Node(string op, string[] inputs, string[] outputs, params AttributeProto[] attributes) =>
        new() { Name = op + " → " + outputs[0], OpType = op, Input = { inputs }, Output = { outputs }, Attribute = { attributes } };

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
