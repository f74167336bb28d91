using System.Linq;
using TypedModels.SeedModel.Onnx;
using static TypedModels.Generator.Tests.TestHelpers;

namespace TypedModels.Generator.Tests;

/// <summary>
/// Models that import ai.onnx opsets 1–6, as Caffe2 and early PyTorch exported them: ONNX Runtime has no kernel for
/// many of those versions, the compiled backend reads each node as opset 7 does. Each model is checked against its
/// twin written at opset 13, which ONNX Runtime runs.
/// </summary>
public class LegacyOpsetTests
{
    private static AttributeProto Int(string name, long value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    private static AttributeProto Float(string name, float value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = value };

    private static NodeProto Node(string op, string[] inputs, string output, params AttributeProto[] attributes) =>
        new() { Name = output, OpType = op, Input = { inputs }, Output = { output }, Attribute = { attributes } };

    private static ValueInfoProto Batch(string name, int type, params long[] dims) => new()
    {
        Name = name,
        Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = type, Shape = new TensorShapeProto { Dim =
        {
            new TensorShapeProto.Types.Dimension { DimParam = "batch" },
            dims.Select(d => new TensorShapeProto.Types.Dimension { DimValue = d }),
        } } } },
    };

    /// <summary>
    /// x [batch, 3, 4, 4] → Conv → + bias [4] at axis 1 → · scale [1] → − shift [4] (A's last dim) → Relu → Dropout →
    /// GlobalLpPool (p 2) → Reshape to [batch, 4] → Gemm (+ c [3]) → Concat with the pooled features → y = joined ·
    /// Cast(joined &gt; threshold [7]) and squares = joined ^ two [1]. <paramref name="legacy"/> writes it at opset 1
    /// (broadcast attributes, Reshape's shape attribute, Cast's type name, Concat's default axis, is_test, a float p),
    /// otherwise at opset 13 with numpy broadcasting and bias reshaped to [4, 1, 1].
    /// </summary>
    private static ModelProto Model(bool legacy)
    {
        var random = new System.Random(11);
        TensorProto Floats(string name, params long[] dims) => new()
        {
            Name = name, DataType = 1, Dims = { dims },
            FloatData = { Enumerable.Range(0, (int)dims.Aggregate(1L, (p, d) => p * d)).Select(_ => random.NextSingle() - 0.5f) },
        };
        var broadcast = legacy ? new[] { Int("broadcast", 1) } : [];
        var bias = Floats("bias", 4);
        if (!legacy)
            bias.Dims.Add(new long[] { 1, 1 });
        var graph = new GraphProto
        {
            Name = "legacy",
            Node =
            {
                Node("Conv", ["x", "w"], "c", new AttributeProto { Name = "pads", Type = AttributeProto.Types.AttributeType.Ints, Ints = { 1, 1, 1, 1 } }),
                Node("Add", ["c", "bias"], "biased", legacy ? [Int("broadcast", 1), Int("axis", 1)] : []),
                Node("Mul", ["biased", "scale"], "scaled", broadcast),
                Node("Sub", ["scaled", "shift"], "shifted", broadcast),
                Node("Relu", ["shifted"], "r"),
                Node("Dropout", ["r"], "kept", legacy ? [Int("is_test", 1)] : []),
                Node("GlobalLpPool", ["kept"], "pooled", legacy ? Float("p", 2f) : Int("p", 2)),
                legacy ? Node("Reshape", ["pooled"], "features", new AttributeProto { Name = "shape", Type = AttributeProto.Types.AttributeType.Ints, Ints = { 0, 4 } })
                    : Node("Reshape", ["pooled", "shape"], "features"),
                Node("Gemm", ["features", "wg", "cg"], "logits", broadcast),
                Node("Concat", ["logits", "features"], "joined", legacy ? [] : [Int("axis", 1)]),
                Node("Greater", ["joined", "threshold"], "above", broadcast),
                Node("Cast", ["above"], "mask", legacy ? new AttributeProto { Name = "to", Type = AttributeProto.Types.AttributeType.String, S = Google.Protobuf.ByteString.CopyFromUtf8("FLOAT") } : Int("to", 1)),
                Node("Mul", ["joined", "mask"], "y"),
                Node("Pow", ["joined", "two"], "squares", broadcast),
            },
            Initializer =
            {
                Floats("w", 4, 3, 3, 3), bias, Floats("scale", 1), Floats("shift", 4), Floats("wg", 4, 3), Floats("cg", 3),
                // The first logit is always kept and the second always masked, whatever the weights.
                new TensorProto { Name = "threshold", DataType = 1, Dims = { 7 }, FloatData = { -10f, 10f, 0f, 1.5f, 1.5f, 1.5f, 1.5f } },
                new TensorProto { Name = "two", DataType = 1, Dims = { 1 }, FloatData = { 2f } },
            },
            Input = { Batch("x", 1, 3, 4, 4) },
            Output = { Batch("y", 1, 7), Batch("squares", 1, 7) },
        };
        if (!legacy)
            graph.Initializer.Add(new TensorProto { Name = "shape", DataType = 7, Dims = { 2 }, Int64Data = { 0, 4 } });
        return new ModelProto { IrVersion = legacy ? 3 : 8, OpsetImport = { new OperatorSetIdProto { Domain = "", Version = legacy ? 1 : 13 } }, Graph = graph };
    }

    [Fact]
    public void A_legacy_model_that_onnx_runtime_cannot_load_compiles_and_computes_what_its_modern_twin_does()
    {
        var legacy = Model(legacy: true);
        var error = Assert.ThrowsAny<Microsoft.ML.OnnxRuntime.OnnxRuntimeException>(() => new Microsoft.ML.OnnxRuntime.InferenceSession(Google.Protobuf.MessageExtensions.ToByteArray(legacy)));
        const string harness = """
            namespace App;
            public static class Harness
            {
                public static float[][] Run(float[] x)
                {
                    using var model = new LegacyModel();
                    var (y, squares) = model.Predict(x);
                    return [y.Span.ToArray(), squares.Span.ToArray()];
                }
            }
            """;

        var (run, output) = Generate(Compilation(harness), Item(SignatureOf(legacy, 1 << 20), modelPath: "legacy.onnx", className: "LegacyModel", backend: "Compiled"));
        Assert.Empty(run.Diagnostics);
        AssertCompiles(output);
        using var image = new System.IO.MemoryStream();
        var emitted = output.WithAssemblyName("Harness.Legacy").Emit(image);
        Assert.True(emitted.Success, string.Join("\n", emitted.Diagnostics));
        var assembly = System.Runtime.Loader.AssemblyLoadContext.Default.LoadFromStream(new System.IO.MemoryStream(image.ToArray()));
        var random = new System.Random(3);
        float[] input = [.. Enumerable.Range(0, 2 * 3 * 16).Select(_ => random.NextSingle() * 4 - 2)];
        var compiled = (float[][])assembly.GetType("App.Harness")!.GetMethod("Run")!.Invoke(null, [input])!;

        using var session = new Microsoft.ML.OnnxRuntime.InferenceSession(Google.Protobuf.MessageExtensions.ToByteArray(Model(legacy: false)));
        using var runOptions = new Microsoft.ML.OnnxRuntime.RunOptions();
        using var x = Microsoft.ML.OnnxRuntime.OrtValue.CreateTensorValueFromMemory(input, [2, 3, 4, 4]);
        using var raw = session.Run(runOptions, ["x"], [x], ["y", "squares"]);
        for (int o = 0; o < 2; o++)
        {
            float[] expected = raw[o].GetTensorDataAsSpan<float>().ToArray();
            Assert.Equal(14, expected.Length);
            Assert.Contains(expected, v => v != 0);
            if (o == 0)
                Assert.Contains(expected, v => v == 0);
            float largest = expected.Max(System.MathF.Abs);
            for (int j = 0; j < expected.Length; j++)
                Assert.True(System.MathF.Abs(expected[j] - compiled[o][j]) <= 4 * (System.MathF.BitIncrement(largest) - largest), $"output {o}[{j}]: {compiled[o][j]} against {expected[j]}");
        }
    }

    [Fact]
    public void TM0011_for_legacy_broadcasting_that_does_not_line_up_and_for_versions_not_followed()
    {
        var model = Model(legacy: true);
        // shift [3] is not A's last dim (4), nor A's dims from axis 1 (3 is the channels, not Conv's 4 maps).
        model.Graph.Initializer.Single(i => i.Name == "shift").Dims[0] = 3;
        var shift = model.Graph.Initializer.Single(i => i.Name == "shift");
        shift.FloatData.RemoveAt(0);
        // Without broadcast, shapes must match.
        model.Graph.Node.Single(n => n.Name == "scaled").Attribute.Clear();
        model.Graph.Node.Add(Node("Tile", ["x", "scale", "scale"], "tiled"));
        model.Graph.Output.Add(Batch("tiled", 1, 3, 4, 4));

        var (run, _) = Generate(Compilation(), Item(SignatureOf(model, 1 << 20), modelPath: "m.onnx", backend: "Compiled"));

        Assert.Equal(
        [
            "Model 'm.onnx' cannot run on the compiled backend: node 'scaled' (Mul): its inputs are [batch, 4, 4, 4] and [1] and its broadcast is 0, so they must have one shape (opset 1)",
            "Model 'm.onnx' cannot run on the compiled backend: node 'tiled' (Tile): Tile before opset 6 takes tiles and axis inputs, which the compiled backend does not follow (the model imports opset 1)",
        ], run.Diagnostics.Select(d => d.GetMessage()));
        model.Graph.Node.Single(n => n.Name == "scaled").Attribute.Add(Int("broadcast", 1));
        model.Graph.Node.Remove(model.Graph.Node.Single(n => n.Name == "tiled"));
        model.Graph.Output.RemoveAt(2);

        (run, _) = Generate(Compilation(), Item(SignatureOf(model, 1 << 20), modelPath: "m.onnx", backend: "Compiled"));

        Assert.Equal(
        [
            "Model 'm.onnx' cannot run on the compiled backend: node 'shifted' (Sub): its B [3] is not A [batch, 4, 4, 4]'s dims from axis 3, which broadcasting before opset 7 requires",
        ], run.Diagnostics.Select(d => d.GetMessage()));
    }
}
