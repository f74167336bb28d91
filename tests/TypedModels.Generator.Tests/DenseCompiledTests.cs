using System;
using System.Linq;
using TypedModels.SeedModel.Onnx;
using static TypedModels.Generator.Tests.TestHelpers;

namespace TypedModels.Generator.Tests;

/// <summary>
/// Dense layers with known weights compile to one <c>Kernels.Dense</c> call each, their bias and activation folded in:
/// Gemm (B transposed or not, C a row) + Relu, Gemm + Sigmoid, MatMul + Add of a bias + Relu (TensorFlow's and PyTorch's
/// export), MatMul + Add (bias first) as the client's output, MatMul + LeakyRelu with no bias; each agrees with ONNX Runtime within 4 ulps of its largest output.
/// </summary>
public sealed class DenseCompiledTests
{
    public static TheoryData<string> Forms => new() { "gemm", "gemmT", "matmulAdd", "matmulAddOut", "matmulLeaky", "gemmSigmoid" };

    [Theory]
    [MemberData(nameof(Forms))]
    public void A_dense_layer_with_its_bias_and_activation_is_one_kernel_call(string form)
    {
        const int k = 300, n = 45, batch = 5;
        var random = new Random(form.Length);
        TensorProto Floats(string name, params long[] dims) => new()
        {
            Name = name, DataType = 1, Dims = { dims },
            FloatData = { Enumerable.Range(0, (int)dims.Aggregate(1L, (p, d) => p * d)).Select(_ => random.NextSingle() - 0.5f) },
        };
        static ValueInfoProto Batch(string name, long dim) => new()
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = 1, Shape = new TensorShapeProto { Dim =
            {
                new TensorShapeProto.Types.Dimension { DimParam = "batch" }, new TensorShapeProto.Types.Dimension { DimValue = dim },
            } } } },
        };
        static AttributeProto Int(string name, long value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };
        var graph = new GraphProto { Name = "dense", Input = { Batch("x", k) }, Output = { Batch("y", n) } };
        switch (form)
        {
            case "gemm":
                graph.Node.Add(new NodeProto { Name = "gemm", OpType = "Gemm", Input = { "x", "w", "b" }, Output = { "h" } });
                graph.Node.Add(new NodeProto { Name = "relu", OpType = "Relu", Input = { "h" }, Output = { "y" } });
                graph.Initializer.Add(Floats("w", k, n));
                graph.Initializer.Add(Floats("b", n));
                break;
            case "gemmT":
                graph.Node.Add(new NodeProto { Name = "gemm", OpType = "Gemm", Input = { "x", "w", "b" }, Output = { "h" }, Attribute = { Int("transB", 1) } });
                graph.Node.Add(new NodeProto { Name = "relu", OpType = "Relu", Input = { "h" }, Output = { "y" } });
                graph.Initializer.Add(Floats("w", n, k));
                graph.Initializer.Add(Floats("b", 1, n));
                break;
            case "gemmSigmoid":
                graph.Node.Add(new NodeProto { Name = "gemm", OpType = "Gemm", Input = { "x", "w" }, Output = { "h" }, Attribute = { Int("transB", 1) } });
                graph.Node.Add(new NodeProto { Name = "sigmoid", OpType = "Sigmoid", Input = { "h" }, Output = { "y" } });
                graph.Initializer.Add(Floats("w", n, k));
                break;
            case "matmulAdd":
                graph.Node.Add(new NodeProto { Name = "matmul", OpType = "MatMul", Input = { "x", "w" }, Output = { "p" } });
                graph.Node.Add(new NodeProto { Name = "add", OpType = "Add", Input = { "p", "b" }, Output = { "h" } });
                graph.Node.Add(new NodeProto { Name = "relu", OpType = "Relu", Input = { "h" }, Output = { "y" } });
                graph.Initializer.Add(Floats("w", k, n));
                graph.Initializer.Add(Floats("b", n));
                break;
            case "matmulAddOut":
                // The Add's output is the client's: the bias still folds, the output is the kernel's.
                graph.Node.Add(new NodeProto { Name = "matmul", OpType = "MatMul", Input = { "x", "w" }, Output = { "p" } });
                graph.Node.Add(new NodeProto { Name = "add", OpType = "Add", Input = { "b", "p" }, Output = { "y" } });
                graph.Initializer.Add(Floats("w", k, n));
                graph.Initializer.Add(Floats("b", 1, n));
                break;
            case "matmulLeaky":
                graph.Node.Add(new NodeProto { Name = "matmul", OpType = "MatMul", Input = { "x", "w" }, Output = { "h" } });
                graph.Node.Add(new NodeProto
                {
                    Name = "leaky", OpType = "LeakyRelu", Input = { "h" }, Output = { "y" },
                    Attribute = { new AttributeProto { Name = "alpha", Type = AttributeProto.Types.AttributeType.Float, F = 0.2f } },
                });
                graph.Initializer.Add(Floats("w", k, n));
                break;
        }
        var model = new ModelProto { IrVersion = 8, OpsetImport = { new OperatorSetIdProto { Domain = "", Version = 15 } }, Graph = graph };
        string harness = """
            namespace App;
            public static class Harness
            {
                public static float[] Run(float[] x)
                {
                    using var model = new DenseModel();
                    return model.Predict(x).Y.Span.ToArray();
                }
            }
            """;

        var (run, output) = Generate(Compilation(harness), Item(SignatureOf(model, 1 << 22), modelPath: "dense.onnx", className: "DenseModel", backend: "Compiled"));
        Assert.Empty(run.Diagnostics);
        AssertCompiles(output);
        string source = Assert.Single(run.GeneratedTrees).ToString();
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(source, @"Kernels\.\w+\("));
        Assert.Contains("Kernels.Dense(", source);

        using var image = new System.IO.MemoryStream();
        var emitted = output.WithAssemblyName($"Harness.Dense.{form}").Emit(image);
        Assert.True(emitted.Success, string.Join("\n", emitted.Diagnostics));
        var assembly = System.Runtime.Loader.AssemblyLoadContext.Default.LoadFromStream(new System.IO.MemoryStream(image.ToArray()));
        float[] input = [.. Enumerable.Range(0, batch * k).Select(_ => random.NextSingle() * 4 - 2)];
        var compiled = (float[])assembly.GetType("App.Harness")!.GetMethod("Run")!.Invoke(null, [input])!;

        using var session = new Microsoft.ML.OnnxRuntime.InferenceSession(Google.Protobuf.MessageExtensions.ToByteArray(model));
        using var runOptions = new Microsoft.ML.OnnxRuntime.RunOptions();
        using var x = Microsoft.ML.OnnxRuntime.OrtValue.CreateTensorValueFromMemory(input, [batch, k]);
        using var raw = session.Run(runOptions, ["x"], [x], ["y"]);
        float[] expected = raw[0].GetTensorDataAsSpan<float>().ToArray();
        Assert.Equal(expected.Length, compiled.Length);
        float largest = expected.Max(MathF.Abs);
        for (int j = 0; j < expected.Length; j++)
            Assert.True(MathF.Abs(expected[j] - compiled[j]) <= 4 * (MathF.BitIncrement(largest) - largest), $"y[{j}]: {compiled[j]} against {expected[j]}");
    }
}
