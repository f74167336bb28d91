using System.Linq;
using TypedModels.SeedModel.Onnx;
using static TypedModels.Generator.Tests.TestHelpers;

namespace TypedModels.Generator.Tests;

/// <summary>
/// Symbolic dims past a shape's arithmetic: a pad of a symbolic length (a derived dim), a dim read as data at run time
/// (compared, multiplied), and a squeezed symbol that must be 1 when the call comes. Each compiled client is run beside
/// ONNX Runtime on the same model.
/// </summary>
public class SymbolicDimTests
{
    private static ValueInfoProto Value(string name, int type, params string[] dims) => new()
    {
        Name = name,
        Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = type, Shape = new TensorShapeProto { Dim =
        {
            dims.Select(d => long.TryParse(d, out long v) ? new TensorShapeProto.Types.Dimension { DimValue = v } : new TensorShapeProto.Types.Dimension { DimParam = d }),
        } } } },
    };

    private static TensorProto Longs(string name, params long[] values) => new() { Name = name, DataType = 7, Dims = { values.Length }, Int64Data = { values } };

    /// <summary>
    /// x [batch, n] → padded = Pad(x, reflect, 2 before and 3 after n) [batch, n + 5]; single = (n == 4) and twice = 2n,
    /// from Shape(x)[1]; w [batch, m] → squeezed = Squeeze(w, 1) [batch], valid only where m is 1.
    /// </summary>
    private static ModelProto Model() => new()
    {
        IrVersion = 8,
        OpsetImport = { new OperatorSetIdProto { Domain = "", Version = 17 } },
        Graph = new GraphProto
        {
            Name = "dims",
            Node =
            {
                new NodeProto { Name = "pad", OpType = "Pad", Input = { "x", "pads" }, Output = { "padded" },
                    Attribute = { new AttributeProto { Name = "mode", Type = AttributeProto.Types.AttributeType.String, S = Google.Protobuf.ByteString.CopyFromUtf8("reflect") } } },
                new NodeProto { Name = "shape", OpType = "Shape", Input = { "x" }, Output = { "shape" } },
                new NodeProto { Name = "n", OpType = "Gather", Input = { "shape", "one" }, Output = { "n" } },
                new NodeProto { Name = "single", OpType = "Equal", Input = { "n", "four" }, Output = { "single" } },
                new NodeProto { Name = "twice", OpType = "Mul", Input = { "n", "two" }, Output = { "twice" } },
                new NodeProto { Name = "squeeze", OpType = "Squeeze", Input = { "w", "axis" }, Output = { "squeezed" } },
            },
            Initializer = { Longs("pads", 0, 2, 0, 3), new TensorProto { Name = "one", DataType = 7, Int64Data = { 1 } }, new TensorProto { Name = "four", DataType = 7, Int64Data = { 4 } },
                new TensorProto { Name = "two", DataType = 7, Int64Data = { 2 } }, Longs("axis", 1) },
            Input = { Value("x", 1, "batch", "n"), Value("w", 1, "batch", "m") },
            Output = { Value("padded", 1, "batch", "n + 5"), Value("single", 9), Value("twice", 7), Value("squeezed", 1, "batch") },
        },
    };

    [Fact]
    public void A_padded_symbol_a_dim_read_at_run_time_and_a_squeezed_symbol_compute_what_onnx_runtime_computes()
    {
        var model = Model();
        const string harness = """
            namespace App;
            public static class Harness
            {
                public static object[] Run(float[] x, long[] xShape, float[] w)
                {
                    using var model = new DimsModel();
                    var r = model.Predict(x, w, xShape[0]);
                    return [r.Padded.Span.ToArray(), r.Padded.Shape.ToArray(), r.Single.Span.ToArray(), r.Twice.Span.ToArray(), r.Squeezed.Span.ToArray()];
                }
            }
            """;

        var (run, output) = Generate(Compilation(harness), Item(SignatureOf(model, 1 << 20), modelPath: "dims.onnx", className: "DimsModel", backend: "Compiled"));
        Assert.Empty(run.Diagnostics);
        AssertCompiles(output);
        string source = Assert.Single(run.GeneratedTrees).ToString();
        Assert.Contains("Kernels.Dims<long>(", source);
        Assert.Contains("Kernels.ExpectDim(", source);
        using var image = new System.IO.MemoryStream();
        var emitted = output.WithAssemblyName("Harness.SymbolicDims").Emit(image);
        Assert.True(emitted.Success, string.Join("\n", emitted.Diagnostics));
        var assembly = System.Runtime.Loader.AssemblyLoadContext.Default.LoadFromStream(new System.IO.MemoryStream(image.ToArray()));
        var method = assembly.GetType("App.Harness")!.GetMethod("Run")!;
        using var session = new Microsoft.ML.OnnxRuntime.InferenceSession(Google.Protobuf.MessageExtensions.ToByteArray(model));
        using var runOptions = new Microsoft.ML.OnnxRuntime.RunOptions();
        var random = new System.Random(7);
        foreach (int n in new[] { 4, 5, 9 })
        {
            float[] x = [.. Enumerable.Range(0, 2 * n).Select(_ => random.NextSingle())], w = [random.NextSingle(), random.NextSingle()];
            var compiled = (object[])method.Invoke(null, [x, new long[] { 2, n }, w])!;

            using var xValue = Microsoft.ML.OnnxRuntime.OrtValue.CreateTensorValueFromMemory(x, [2, n]);
            using var wValue = Microsoft.ML.OnnxRuntime.OrtValue.CreateTensorValueFromMemory(w, [2, 1]);
            using var raw = session.Run(runOptions, ["x", "w"], [xValue, wValue], ["padded", "single", "twice", "squeezed"]);
            Assert.Equal(raw[0].GetTensorDataAsSpan<float>().ToArray(), (float[])compiled[0]);
            Assert.Equal([2L, n + 5L], (long[])compiled[1]);
            Assert.Equal(raw[1].GetTensorDataAsSpan<bool>().ToArray(), (bool[])compiled[2]);
            Assert.Equal(n == 4, ((bool[])compiled[2])[0]);
            Assert.Equal(raw[2].GetTensorDataAsSpan<long>().ToArray(), (long[])compiled[3]);
            Assert.Equal(raw[3].GetTensorDataAsSpan<float>().ToArray(), (float[])compiled[4]);
        }

        // m = 2: ONNX Runtime refuses the squeeze; n = 3: it refuses to reflect 3 of 3. So does the compiled call, naming the node and the dim it got.
        var error = Assert.Throws<System.Reflection.TargetInvocationException>(() => method.Invoke(null, [new float[8], new long[] { 2, 4 }, new float[4]]));
        Assert.Equal("The compiled node 'squeeze' (Squeeze) squeezes dim 1 of [batch, m], m, which is 2 for this input; ONNX requires 1.",
            Assert.IsType<System.ArgumentException>(error.InnerException).Message);
        error = Assert.Throws<System.Reflection.TargetInvocationException>(() => method.Invoke(null, [new float[6], new long[] { 2, 3 }, new float[2]]));
        Assert.Equal("The compiled node 'pad' (Pad) reflects dim 1 of [batch, n], n, by 3, and this input makes it 3; it must be longer than its pads.",
            Assert.IsType<System.ArgumentException>(error.InnerException).Message);
    }
}
