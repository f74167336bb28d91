extern alias buildstep;

using System.Linq;
using Microsoft.CodeAnalysis;
using TypedModels.SeedModel;
using TypedModels.SeedModel.Onnx;
using static TypedModels.Generator.Tests.TestHelpers;
using Text = buildstep::TypedModels.SignatureText;

namespace TypedModels.Generator.Tests;

/// <summary><c>Backend="Compiled"</c> and <c>"Auto"</c>: what compiles, and the diagnostics for what does not.</summary>
public class CompiledBackendTests
{
    private const string Usage = """
        namespace App;
        public static class Usage
        {
            public static float Run(float[] number)
            {
                using var model = new NumberModel();
                var (hidden, predictions) = model.Predict(number);
                return predictions[0] + hidden.Span[0] + (model.Backend == TypedModels.ModelBackend.Compiled ? 1 : 0);
            }
        }
        """;

    [Fact]
    public void The_seed_compiles_to_kernel_calls_behind_the_same_api()
    {
        var (run, output) = Generate(Compilation(Usage), Item(SeedGraphSignature, backend: "Compiled"));

        Assert.Empty(run.Diagnostics);
        AssertCompiles(output);
        Snapshot.Verify(Assert.Single(run.GeneratedTrees).ToString(), "SeedModel.Compiled");
    }

    [Fact]
    public void The_seed_as_MatMul_and_Add_folds_its_tile_and_each_bias_into_the_written_out_products()
    {
        var (run, output) = Generate(Compilation(), Item(SignatureOf(FixtureModels.All["seed_matmul.onnx"], 1 << 20), modelPath: "models/seed_matmul.onnx", backend: "Compiled"));

        Assert.Empty(run.Diagnostics);
        AssertCompiles(output);
        string code = Assert.Single(run.GeneratedTrees).ToString();
        // The Tile is read in place by the first product, which also adds its bias: two passes over the rows, as the Gemm
        // form's, and no Tile or Add of their own.
        Assert.Contains("// tile + dense/MatMul + dense/BiasAdd (MatMul)", code);
        Assert.Contains("// dense_1/MatMul + dense_1/BiasAdd (MatMul)", code);
        Assert.Equal(2, code.Split("for (int __i = 0").Length - 1);
        Assert.DoesNotContain("Kernels.Add", code);
        Assert.DoesNotContain("Kernels.Tile", code);
    }

    [Fact]
    public void Every_supported_operator_compiles_over_a_symbolic_batch()
    {
        var (run, output) = Generate(Compilation(), Item(SignatureOf(FixtureModels.All["layers.onnx"], 1 << 20), modelPath: "models/layers.onnx", backend: "Compiled"));

        Assert.Empty(run.Diagnostics);
        AssertCompiles(output);
        Snapshot.Verify(Assert.Single(run.GeneratedTrees).ToString(), "Fixture.layers.Compiled");
    }

    [Fact]
    public void TM0011_names_each_node_that_cannot_compile_and_why()
    {
        var (run, output) = Generate(Compilation(), Item(SignatureOf(Unsupported(), 1 << 20), modelPath: "m.onnx", backend: "Compiled", line: 12));

        Assert.Equal(
        [
            "Model 'm.onnx' cannot run on the compiled backend: node 'dft1' (DFT): the compiled backend has no kernel for it (it runs " +
                string.Join(", ", TypedModels.Generator.Compiled.OpRegistry.Supported) + ")",
            "Model 'm.onnx' cannot run on the compiled backend: node 'count' (Add): input 'n' is a tensor of float16; the compiled Add takes float, double, int8, uint8, int16, uint16, int32, uint32, int64, uint64",
        ], run.Diagnostics.Select(d => d.GetMessage()));
        Assert.All(run.Diagnostics, d =>
        {
            Assert.Equal("TM0011", d.Id);
            Assert.Equal(DiagnosticSeverity.Error, d.Severity);
            Assert.Equal(12, d.Location.GetLineSpan().StartLinePosition.Line);
        });
        Assert.Empty(run.GeneratedTrees);
        Assert.Empty(output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error));
    }

    [Fact]
    public void Nodes_the_selected_outputs_do_not_need_are_not_judged()
    {
        var (run, output) = Generate(Compilation(), Item(SignatureOf(Unsupported(), 1 << 20), modelPath: "m.onnx", backend: "Compiled", outputs: "y"));

        Assert.Empty(run.Diagnostics);
        AssertCompiles(output);
        Assert.Contains("PredictCompiled", Assert.Single(run.GeneratedTrees).ToString());
    }

    [Fact]
    public void TM0011_for_weights_over_the_limit()
    {
        var (run, _) = Generate(Compilation(), Item(SignatureOf(Unsupported(), graphLimit: 64), modelPath: "m.onnx", backend: "Compiled", weightLimit: "64"));

        var diagnostic = Assert.Single(run.Diagnostics);
        Assert.Equal("TM0011", diagnostic.Id);
        Assert.Matches(@"^Model 'm\.onnx' cannot run on the compiled backend: its graph and weights take [0-9,]+ bytes, over the limit of 64 bytes \(CompiledWeightLimit\)$", diagnostic.GetMessage());
    }

    [Fact]
    public void Auto_compiles_what_it_can_and_says_why_it_falls_back_with_TM0012()
    {
        var (compiled, _) = Generate(Compilation(), Item(SeedGraphSignature, backend: "Auto"));
        Assert.Empty(compiled.Diagnostics);
        Assert.Contains("PredictCompiled", Assert.Single(compiled.GeneratedTrees).ToString());

        var (fallback, output) = Generate(Compilation(), Item(SignatureOf(Unsupported(), 1 << 20), modelPath: "m.onnx", backend: "Auto"));
        var info = Assert.Single(fallback.Diagnostics);
        Assert.Equal("TM0012", info.Id);
        // A warning: the default build verbosity shows no information, and a user should see which backend they got.
        Assert.Equal(DiagnosticSeverity.Warning, info.Severity);
        Assert.StartsWith("Model 'm.onnx' runs on ONNX Runtime (Backend=Auto): node 'dft1' (DFT): the compiled backend has no kernel for it", info.GetMessage());
        Assert.Contains("; node 'count' (Add): input 'n' is a tensor of float16", info.GetMessage());
        var source = Assert.Single(fallback.GeneratedTrees).ToString();
        Assert.DoesNotContain("PredictCompiled", source);
        AssertCompiles(output);
    }

    [Fact]
    public void Auto_leaves_models_with_much_work_per_row_to_onnx_runtime_where_large_batches_are_faster()
    {
        string wide = SignatureOf(FixtureModels.All["wide.onnx"], 1 << 20);

        var (auto, _) = Generate(Compilation(), Item(wide, modelPath: "wide.onnx", backend: "Auto"));
        var info = Assert.Single(auto.Diagnostics);
        Assert.Equal("TM0012", info.Id);
        Assert.Equal("Model 'wide.onnx' runs on ONNX Runtime (Backend=Auto): its matrix products take 21,504 multiply-adds per row, more than the 32 up to which " +
            "the compiled client stays faster than ONNX Runtime at batch 1,024 (README, \"Compiled backend\"); Backend=\"Compiled\" compiles it anyway, for small batches", info.GetMessage());
        Assert.DoesNotContain("PredictCompiled", Assert.Single(auto.GeneratedTrees).ToString());

        var (compiled, output) = Generate(Compilation(), Item(wide, modelPath: "wide.onnx", backend: "Compiled"));
        Assert.Empty(compiled.Diagnostics);
        string source = Assert.Single(compiled.GeneratedTrees).ToString();
        Assert.Contains("PredictCompiled", source);
        // Its 32 × 128 and 128 × 128 weights are data, one string each, not 4,096 and 16,384 float expressions: 16,384
        // floats are 524,288 bits, 34,953 characters of 15 bits.
        Assert.Contains("= global::TypedModels.Compiled.Kernels.Weights<float>(16384,", source);
        Assert.Matches("\n\\s+\"[\u4000-\uBFFF]{34953}\"\\);", source);
        AssertCompiles(output);
    }

    [Theory]
    [InlineData("Fast", "", "The Backend setting 'Fast' of model 'models/number.onnx' cannot be used: it must be OnnxRuntime, Compiled or Auto")]
    [InlineData("1", "", "The Backend setting '1' of model 'models/number.onnx' cannot be used: it must be OnnxRuntime, Compiled or Auto")]
    [InlineData("Compiled", "1MB", "The CompiledWeightLimit setting '1MB' of model 'models/number.onnx' cannot be used: it must be a number of bytes")]
    public void TM0013_for_a_setting_that_cannot_be_used(string backend, string limit, string message)
    {
        var (run, _) = Generate(Compilation(), Item(SeedGraphSignature, backend: backend, weightLimit: limit));

        var diagnostic = Assert.Single(run.Diagnostics);
        Assert.Equal("TM0013", diagnostic.Id);
        Assert.Equal(message, diagnostic.GetMessage());
        Assert.Empty(run.GeneratedTrees);
    }

    [Fact]
    public void The_attribute_chooses_among_what_its_item_read()
    {
        // The item keeps its own NumberModel beside the attribute's class.
        static string Scorer(GeneratorDriverRunResult run) => Assert.Single(run.GeneratedTrees, t => t.FilePath.EndsWith("App.Scorer.g.cs")).ToString();
        static string Attribute(string backend) => $$"""
            using TypedModels;
            namespace App;
            [TypedModel("models/number.onnx", Backend = ModelBackend.{{backend}})]
            public partial class Scorer;
            """;

        var (onnx, _) = Generate(Compilation(Attribute("OnnxRuntime")), Item(SeedGraphSignature, backend: "Compiled"));
        Assert.Empty(onnx.Diagnostics);
        Assert.DoesNotContain("PredictCompiled", Scorer(onnx));

        var (compiled, output) = Generate(Compilation(Attribute("Compiled")), Item(SeedGraphSignature, backend: "Auto"));
        Assert.Empty(compiled.Diagnostics);
        Assert.Contains("PredictCompiled", Scorer(compiled));
        AssertCompiles(output);

        // An item left on ONNX Runtime has no graph read: the attribute cannot compile it, and says what to change.
        var (refused, compilation) = Generate(Compilation(Attribute("Compiled")), Item(SeedSignature));
        var diagnostic = Assert.Single(refused.Diagnostics);
        Assert.Equal("TM0013", diagnostic.Id);
        Assert.Equal("The Backend setting 'ModelBackend.Compiled' of model 'models/number.onnx' cannot be used: the build step reads the graph only for items " +
            "that ask for it; add Backend=\"Compiled\" (or \"Auto\") to <TypedModel Include=\"models/number.onnx\" />", diagnostic.GetMessage());
        Assert.Equal("\"models/number.onnx\"", compilation.SyntaxTrees.First().GetText().ToString(diagnostic.Location.SourceSpan));
    }

    [Fact]
    public void The_graph_survives_the_signature_text_bit_for_bit()
    {
        var model = FixtureModels.All["layers.onnx"];
        string text = SignatureOf(model, 1 << 20);
        Assert.True(Text.TryRead(text, out var signature, out var error), error?.Message);

        var graph = signature!.Graph!;
        Assert.Null(graph.Refused);
        Assert.Equal(model.Graph.Node.Select(n => n.OpType), graph.Nodes.Select(n => n.OpType));
        Assert.Equal(model.Graph.Node.Select(n => n.Name), graph.Nodes.Select(n => n.Name));
        var w1 = graph.Initializers.Single(i => i.Name == "w1");
        Assert.Equal(model.Graph.Initializer.Single(i => i.Name == "w1").FloatData,
            System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(System.Convert.FromBase64String(w1.Data)).ToArray());
        Assert.Equal([0.5f], graph.Nodes[0].Attributes.Single(a => a.Name == "alpha").Floats);
        Assert.Equal(text, Text.Write(signature));
        // Without a graph limit the graph is not read, and the signature is what it always was.
        Assert.Null(SignatureOf(model) is var plain && Text.TryRead(plain, out var without, out _) ? without!.Graph : null);
    }

    [Fact]
    public void A_chain_of_a_hundred_nodes_holds_two_intermediates()
    {
        // x [batch, 8] → Relu → Sigmoid → … (100 nodes) → y: each intermediate dies once the next node has read it, so
        // two slots take turns (and the output keeps the last); with a slot per value the arena would be 100 × batch × 8.
        var graph = new GraphProto { Name = "chain" };
        string previous = "x";
        for (int i = 0; i < 100; i++)
        {
            string next = i == 99 ? "y" : $"t{i}";
            graph.Node.Add(new NodeProto { Name = $"n{i}", OpType = i % 2 == 0 ? "Relu" : "Sigmoid", Input = { previous }, Output = { next } });
            previous = next;
        }
        static ValueInfoProto Batch(string name) => new()
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = 1, Shape = new TensorShapeProto { Dim = { new TensorShapeProto.Types.Dimension { DimParam = "batch" }, new TensorShapeProto.Types.Dimension { DimValue = 8 } } } } },
        };
        graph.Input.Add(Batch("x"));
        graph.Output.Add(Batch("y"));
        var model = new ModelProto { IrVersion = 8, OpsetImport = { new OperatorSetIdProto { Domain = "", Version = 17 } }, Graph = graph };

        var (run, output) = Generate(Compilation(), Item(SignatureOf(model, 1 << 20), modelPath: "chain.onnx", backend: "Compiled"));

        Assert.Empty(run.Diagnostics);
        AssertCompiles(output);
        Assert.Contains("var __arena = __compiled.Arena<float>(__s0 * 8L + __s0 * 8L);", Assert.Single(run.GeneratedTrees).ToString());
    }

    /// <summary>
    /// <c>y</c> = Relu(<c>x</c>) compiles; <c>z</c> = DeformConv(<c>x</c>, <c>w</c>) and <c>c</c> = <c>n</c> + <c>n</c> (int64) do not.
    /// </summary>
    private static ModelProto Unsupported()
    {
        static ValueInfoProto Value(string name, int type, params long[] dims) => new()
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = type, Shape = new TensorShapeProto { Dim = { dims.Select(d => new TensorShapeProto.Types.Dimension { DimValue = d }) } } } },
        };
        var weights = new TensorProto { Name = "w", DataType = 1, Dims = { 1, 1, 1, 1 }, FloatData = { 2f } };
        return new ModelProto
        {
            IrVersion = 8,
            OpsetImport = { new OperatorSetIdProto { Domain = "", Version = 17 } },
            Graph = new GraphProto
            {
                Name = "unsupported",
                Node =
                {
                    new NodeProto { Name = "relu", OpType = "Relu", Input = { "x" }, Output = { "y" } },
                    new NodeProto { Name = "dft1", OpType = "DFT", Input = { "x" }, Output = { "z" } },
                    new NodeProto { Name = "count", OpType = "Add", Input = { "n", "n" }, Output = { "c" } },
                },
                Initializer = { weights },
                Input = { Value("x", 1, 1, 1, 2, 2), Value("n", 10, 2) },
                Output = { Value("y", 1, 1, 1, 2, 2), Value("z", 1, 1, 1, 2, 2), Value("c", 10, 2) },
            },
        };
    }

    [Fact]
    public void Convolutions_and_pools_run_over_a_symbolic_batch_as_onnx_runtime_runs_them()
    {
        // The backend suite's models have fixed shapes; here N is a symbol. x [batch, 2, 5, 5] → Conv (3 maps of 3×3,
        // bias, pads 1, strides 2) → [batch, 3, 3, 3] → MaxPool 2×2 / 2 with ceil_mode and its indices → [batch, 3, 2, 2]
        // → ConvTranspose (2 maps of 2×2, strides 2, output_padding 1) → [batch, 2, 5, 5] → GlobalAveragePool → y.
        var random = new System.Random(3);
        TensorProto Weights(string name, params long[] dims) => new()
        {
            Name = name, DataType = 1, Dims = { dims },
            FloatData = { Enumerable.Range(0, (int)dims.Aggregate(1L, (p, d) => p * d)).Select(_ => random.NextSingle() - 0.5f) },
        };
        static AttributeProto Ints(string name, params long[] values) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Ints, Ints = { values } };
        static ValueInfoProto Batch(string name, int type, params long[] dims) => new()
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = type, Shape = new TensorShapeProto { Dim =
            {
                new TensorShapeProto.Types.Dimension { DimParam = "batch" },
                dims.Select(d => new TensorShapeProto.Types.Dimension { DimValue = d }),
            } } } },
        };
        var model = new ModelProto
        {
            IrVersion = 8,
            OpsetImport = { new OperatorSetIdProto { Domain = "", Version = 17 } },
            Graph = new GraphProto
            {
                Name = "windows",
                Node =
                {
                    new NodeProto { Name = "conv", OpType = "Conv", Input = { "x", "w", "b" }, Output = { "c" }, Attribute = { Ints("pads", 1, 1, 1, 1), Ints("strides", 2, 2) } },
                    new NodeProto
                    {
                        Name = "pool", OpType = "MaxPool", Input = { "c" }, Output = { "pooled", "indices" },
                        Attribute = { Ints("kernel_shape", 2, 2), Ints("strides", 2, 2), new AttributeProto { Name = "ceil_mode", Type = AttributeProto.Types.AttributeType.Int, I = 1 } },
                    },
                    new NodeProto { Name = "up", OpType = "ConvTranspose", Input = { "pooled", "wt" }, Output = { "u" }, Attribute = { Ints("strides", 2, 2), Ints("output_padding", 1, 1) } },
                    new NodeProto { Name = "mean", OpType = "GlobalAveragePool", Input = { "u" }, Output = { "y" } },
                },
                Initializer = { Weights("w", 3, 2, 3, 3), Weights("b", 3), Weights("wt", 3, 2, 2, 2) },
                Input = { Batch("x", 1, 2, 5, 5) },
                Output = { Batch("pooled", 1, 3, 2, 2), Batch("indices", 7, 3, 2, 2), Batch("y", 1, 2, 1, 1) },
            },
        };
        const string harness = """
            namespace App;
            public static class Harness
            {
                // One client, called at each batch size in turn (its arena grows), every output copied out.
                public static object[] Run(float[][] inputs)
                {
                    using var model = new WindowsModel();
                    var results = new System.Collections.Generic.List<object>();
                    foreach (var x in inputs)
                    {
                        var (pooled, indices, y) = model.Predict(x);
                        results.Add(pooled.Span.ToArray());
                        results.Add(indices.Span.ToArray());
                        results.Add(y.Span.ToArray());
                    }
                    return results.ToArray();
                }
            }
            """;

        var (run, output) = Generate(Compilation(harness), Item(SignatureOf(model, 1 << 20), modelPath: "windows.onnx", className: "WindowsModel", backend: "Compiled"));
        Assert.Empty(run.Diagnostics);
        AssertCompiles(output);
        string source = Assert.Single(run.GeneratedTrees).ToString();
        // A shape of the batch and three fixed dims is stored dim by dim: a stackalloc listing them would be filled
        // through RuntimeHelpers.CreateSpan, which allocates on every call of a Debug build.
        Assert.Contains("__dims0[0] = (int)__s0; __dims0[1] = 2; __dims0[2] = 5; __dims0[3] = 5;", source);
        // The generic Conv or a fast form the planner picked from the shapes (Kernels.ConvFast.cs).
        Assert.Matches(@"Kernels\.Conv\w*\(x: x, xShape: __dims0, ", source);
        Assert.DoesNotContain("stackalloc int[] { (int)__s0, 2, 5, 5 }", source);
        Assert.Contains("Kernels.MaxPool(", source);
        using var image = new System.IO.MemoryStream();
        var emitted = output.WithAssemblyName("Harness.Windows").Emit(image);
        Assert.True(emitted.Success, string.Join("\n", emitted.Diagnostics));
        var assembly = System.Runtime.Loader.AssemblyLoadContext.Default.LoadFromStream(new System.IO.MemoryStream(image.ToArray()));
        float[][] inputs = [.. new[] { 2, 3 }.Select(batch => Enumerable.Range(0, batch * 50).Select(_ => random.NextSingle() * 4 - 2).ToArray())];
        var compiled = (object[])assembly.GetType("App.Harness")!.GetMethod("Run")!.Invoke(null, [inputs])!;

        using var session = new Microsoft.ML.OnnxRuntime.InferenceSession(Google.Protobuf.MessageExtensions.ToByteArray(model));
        using var runOptions = new Microsoft.ML.OnnxRuntime.RunOptions();
        for (int i = 0; i < inputs.Length; i++)
        {
            using var x = Microsoft.ML.OnnxRuntime.OrtValue.CreateTensorValueFromMemory(inputs[i], [inputs[i].Length / 50, 2, 5, 5]);
            using var raw = session.Run(runOptions, ["x"], [x], ["pooled", "indices", "y"]);
            // The indices are exact; the sums may round apart by the order MLAS adds in.
            Close(raw[0].GetTensorDataAsSpan<float>().ToArray(), (float[])compiled[3 * i]);
            Assert.Equal(raw[1].GetTensorDataAsSpan<long>().ToArray(), (long[])compiled[3 * i + 1]);
            Close(raw[2].GetTensorDataAsSpan<float>().ToArray(), (float[])compiled[3 * i + 2]);
        }

        static void Close(float[] expected, float[] actual)
        {
            Assert.Equal(expected.Length, actual.Length);
            for (int j = 0; j < expected.Length; j++)
                Assert.Equal(expected[j], actual[j], 1e-5f);
        }
    }
    [Theory]
    [InlineData(true, false)]
    [InlineData(false, false)]
    [InlineData(true, true)]
    public void BatchNormalization_after_a_conv_is_folded_into_its_weights(bool convBias, bool convAlsoAnOutput)
    {
        // x [batch, 3, 6, 6] → Conv (4 maps of 3×3, pads 1) → BatchNormalization → Relu → y. Folded, the normalisation
        // is new weights and no call; where the Conv's own output is also wanted, it must stay as it is, unfolded.
        var random = new System.Random(5);
        TensorProto Floats(string name, System.Func<float> value, params long[] dims) => new()
        {
            Name = name, DataType = 1, Dims = { dims },
            FloatData = { Enumerable.Range(0, (int)dims.Aggregate(1L, (p, d) => p * d)).Select(_ => value()) },
        };
        static ValueInfoProto Batch(string name, params long[] dims) => new()
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = 1, Shape = new TensorShapeProto { Dim =
            {
                new TensorShapeProto.Types.Dimension { DimParam = "batch" },
                dims.Select(d => new TensorShapeProto.Types.Dimension { DimValue = d }),
            } } } },
        };
        var graph = new GraphProto
        {
            Name = "convbn",
            Node =
            {
                new NodeProto { Name = "conv", OpType = "Conv", Input = { convBias ? new[] { "x", "w", "b" } : new[] { "x", "w" } }, Output = { "c" },
                    Attribute = { new AttributeProto { Name = "pads", Type = AttributeProto.Types.AttributeType.Ints, Ints = { 1, 1, 1, 1 } } } },
                new NodeProto { Name = "bn", OpType = "BatchNormalization", Input = { "c", "scale", "shift", "mean", "var" }, Output = { "n" },
                    Attribute = { new AttributeProto { Name = "epsilon", Type = AttributeProto.Types.AttributeType.Float, F = 1e-3f } } },
                new NodeProto { Name = "relu", OpType = "Relu", Input = { "n" }, Output = { "y" } },
            },
            Initializer =
            {
                Floats("w", () => random.NextSingle() - 0.5f, 4, 3, 3, 3), Floats("b", () => random.NextSingle(), 4), Floats("scale", () => 0.5f + random.NextSingle(), 4),
                Floats("shift", () => random.NextSingle() - 0.5f, 4), Floats("mean", () => random.NextSingle() - 0.5f, 4), Floats("var", () => 0.1f + random.NextSingle(), 4),
            },
            Input = { Batch("x", 3, 6, 6) },
            Output = { Batch("y", 4, 6, 6) },
        };
        if (convAlsoAnOutput)
            graph.Output.Add(Batch("c", 4, 6, 6));
        var model = new ModelProto { IrVersion = 8, OpsetImport = { new OperatorSetIdProto { Domain = "", Version = 15 } }, Graph = graph };
        string harness = $$"""
            namespace App;
            public static class Harness
            {
                public static float[] Run(float[] x)
                {
                    using var model = new ConvBnModel();
                    return model.Predict(x).Y.Span.ToArray();
                }
            }
            """;

        var (run, output) = Generate(Compilation(harness), Item(SignatureOf(model, 1 << 20), modelPath: "convbn.onnx", className: "ConvBnModel", backend: "Compiled"));
        Assert.Empty(run.Diagnostics);
        AssertCompiles(output);
        string source = Assert.Single(run.GeneratedTrees).ToString();
        Assert.Equal(convAlsoAnOutput, source.Contains("Kernels.BatchNormalization("));
        Assert.Matches(@"Kernels\.Conv(Im2Col|Pointwise|Depthwise)?\(", source);
        using var image = new System.IO.MemoryStream();
        var emitted = output.WithAssemblyName($"Harness.ConvBn.{convBias}.{convAlsoAnOutput}").Emit(image);
        Assert.True(emitted.Success, string.Join("\n", emitted.Diagnostics));
        var assembly = System.Runtime.Loader.AssemblyLoadContext.Default.LoadFromStream(new System.IO.MemoryStream(image.ToArray()));
        float[] input = [.. Enumerable.Range(0, 2 * 3 * 36).Select(_ => random.NextSingle() * 4 - 2)];
        var compiled = (float[])assembly.GetType("App.Harness")!.GetMethod("Run")!.Invoke(null, [input])!;

        using var session = new Microsoft.ML.OnnxRuntime.InferenceSession(Google.Protobuf.MessageExtensions.ToByteArray(model));
        using var runOptions = new Microsoft.ML.OnnxRuntime.RunOptions();
        using var x = Microsoft.ML.OnnxRuntime.OrtValue.CreateTensorValueFromMemory(input, [2, 3, 6, 6]);
        using var raw = session.Run(runOptions, ["x"], [x], ["y"]);
        float[] expected = raw[0].GetTensorDataAsSpan<float>().ToArray();
        Assert.Equal(expected.Length, compiled.Length);
        // ONNX Runtime folds the same way (its Conv-BatchNormalization fusion); what is left is the order of each sum.
        float largest = expected.Max(System.MathF.Abs);
        for (int j = 0; j < expected.Length; j++)
            Assert.True(System.MathF.Abs(expected[j] - compiled[j]) <= 4 * (System.MathF.BitIncrement(largest) - largest), $"y[{j}]: {compiled[j]} against {expected[j]}");
    }

    /// <summary>
    /// x [batch, 3] float and flag (a bool scalar) → If(flag), whose then_branch computes Neg(x) · w + x (w its own
    /// initializer, Neg(x) an outer node only it reads) and the int64 [1] constant 1, and whose else_branch holds an If
    /// of its own on Not(flag) choosing Abs(x) or x + bias (an outer initializer), and the constant 2 → r, k;
    /// y = r + x.
    /// </summary>
    private static ModelProto IfModel()
    {
        static ValueInfoProto Value(string name, int type, params long[] dims) => new()
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = type, Shape = new TensorShapeProto { Dim =
            {
                dims.Select(d => d < 0 ? new TensorShapeProto.Types.Dimension { DimParam = "batch" } : new TensorShapeProto.Types.Dimension { DimValue = d }),
            } } } },
        };
        static ValueInfoProto Typed(string name, int type) => new() { Name = name, Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = type } } };
        static NodeProto Long(string name, long value) => new()
        {
            Name = name, OpType = "Constant", Output = { name },
            Attribute = { new AttributeProto { Name = "value", Type = AttributeProto.Types.AttributeType.Tensor, T = new TensorProto { DataType = 7, Dims = { 1 }, Int64Data = { value } } } },
        };
        static NodeProto If(string name, string condition, string[] outputs, GraphProto then, GraphProto otherwise) => new()
        {
            Name = name, OpType = "If", Input = { condition }, Output = { outputs },
            Attribute =
            {
                new AttributeProto { Name = "then_branch", Type = AttributeProto.Types.AttributeType.Graph, G = then },
                new AttributeProto { Name = "else_branch", Type = AttributeProto.Types.AttributeType.Graph, G = otherwise },
            },
        };
        var then = new GraphProto
        {
            Name = "then",
            Node =
            {
                new NodeProto { Name = "scale", OpType = "Mul", Input = { "negated", "w" }, Output = { "scaled" } },
                new NodeProto { Name = "shift", OpType = "Add", Input = { "scaled", "x" }, Output = { "then_r" } },
                Long("then_k", 1),
            },
            Initializer = { new TensorProto { Name = "w", DataType = 1, Dims = { 3 }, FloatData = { 2f, 3f, -4f } } },
            Output = { Typed("then_r", 1), Typed("then_k", 7) },
        };
        var inner = If("inner", "not_flag", ["else_r"],
            new GraphProto { Name = "inner_then", Node = { new NodeProto { Name = "magnitude", OpType = "Abs", Input = { "x" }, Output = { "absolute" } } }, Output = { Typed("absolute", 1) } },
            new GraphProto { Name = "inner_else", Node = { new NodeProto { Name = "bias_add", OpType = "Add", Input = { "x", "bias" }, Output = { "biased" } } }, Output = { Typed("biased", 1) } });
        var otherwise = new GraphProto
        {
            Name = "else",
            Node = { new NodeProto { Name = "not", OpType = "Not", Input = { "flag" }, Output = { "not_flag" } }, inner, Long("else_k", 2) },
            Output = { Typed("else_r", 1), Typed("else_k", 7) },
        };
        return new ModelProto
        {
            IrVersion = 8,
            OpsetImport = { new OperatorSetIdProto { Domain = "", Version = 17 } },
            Graph = new GraphProto
            {
                Name = "branches",
                Node =
                {
                    new NodeProto { Name = "negate", OpType = "Neg", Input = { "x" }, Output = { "negated" } },
                    If("choose", "flag", ["r", "k"], then, otherwise),
                    new NodeProto { Name = "residual", OpType = "Add", Input = { "r", "x" }, Output = { "y" } },
                },
                Initializer = { new TensorProto { Name = "bias", DataType = 1, Dims = { 3 }, FloatData = { 0.5f, -1f, 1.5f } } },
                Input = { Value("x", 1, -1, 3), Value("flag", 9) },
                Output = { Value("y", 1, -1, 3), Value("k", 7, 1) },
            },
        };
    }

    [Fact]
    public void Subgraphs_survive_the_signature_text_and_count_against_the_weight_limit()
    {
        var model = IfModel();
        string text = SignatureOf(model, 1 << 20);
        Assert.True(Text.TryRead(text, out var signature, out var error), error?.Message);
        Assert.Equal(text, Text.Write(signature!));

        var choose = signature!.Graph!.Nodes.Single(n => n.OpType == "If");
        Assert.Equal(["then_branch", "else_branch"], choose.Attributes.Select(a => a.Name));
        Assert.All(choose.Attributes, a => Assert.Equal(buildstep::TypedModels.AttributeKind.Graph, a.Kind));
        var then = choose.Attributes[0].Graph!;
        Assert.Equal(["then_r", "then_k"], then.Outputs);
        Assert.Equal(["Mul", "Add", "Constant"], then.Nodes.Select(n => n.OpType));
        Assert.Equal([2f, 3f, -4f], System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(System.Convert.FromBase64String(then.Initializers.Single().Data)).ToArray());
        var inner = choose.Attributes[1].Graph!.Nodes.Single(n => n.OpType == "If");
        Assert.Equal(["absolute"], inner.Attributes[0].Graph!.Outputs);
        Assert.Equal("Add", inner.Attributes[1].Graph!.Nodes.Single().OpType);
        Assert.Equal(2, text.Split('\n').Count(l => l.StartsWith("attr\tthen_branch\tGraph\t", System.StringComparison.Ordinal)));
        Assert.Equal(4, text.Split('\n').Count(l => l == "subgraph_end"));

        // A subgraph's weights are its node's: over the limit, the graph is refused like any other.
        model.Graph.Node.Single(n => n.OpType == "If").Attribute[0].G.Initializer.Add(new TensorProto { Name = "unused", DataType = 1, Dims = { 4096 }, RawData = Google.Protobuf.ByteString.CopyFrom(new byte[4 * 4096]) });
        Assert.True(Text.TryRead(SignatureOf(model, 8192), out var refused, out _));
        Assert.Matches("^its graph and weights take [0-9,]+ bytes, over the limit of 8,192 bytes", refused!.Graph!.Refused);
        // A malformed nesting is a diagnostic, not an exception.
        Assert.False(Text.TryRead(text.Replace("subgraph_end\n", ""), out _, out var unclosed));
        Assert.Contains("not closed", unclosed!.Message);

        // Forty Ifs, each in the last one's then_branch: the graph is refused, the signature still read (for ONNX Runtime).
        static GraphProto Leaf(string output) => new() { Name = output, Node = { new NodeProto { OpType = "Identity", Input = { "x" }, Output = { output } } }, Output = { new ValueInfoProto { Name = output } } };
        var deep = Leaf("out40");
        for (int depth = 39; depth >= 0; depth--)
        {
            var node = new NodeProto { OpType = "If", Input = { "flag" }, Output = { $"out{depth}" } };
            node.Attribute.Add(new AttributeProto { Name = "then_branch", Type = AttributeProto.Types.AttributeType.Graph, G = deep });
            node.Attribute.Add(new AttributeProto { Name = "else_branch", Type = AttributeProto.Types.AttributeType.Graph, G = Leaf($"else{depth}") });
            deep = new GraphProto { Name = $"level{depth}", Node = { node }, Output = { new ValueInfoProto { Name = $"out{depth}" } } };
        }
        var nested = IfModel();
        nested.Graph.Node.Add(deep.Node);
        Assert.True(Text.TryRead(SignatureOf(nested, 1 << 20), out var tooDeep, out _));
        Assert.Equal(["x", "flag"], tooDeep!.Inputs.Select(i => i.Name));
        Assert.Equal("its subgraphs nest more than 32 deep", tooDeep.Graph!.Refused);
    }

    [Fact]
    public void An_if_on_a_condition_known_at_build_time_compiles_its_branch_alone()
    {
        // x [batch, 4]: GreaterOrEqual(Shape(x)[1], 3) → Cast to bool → If: Relu(x) when true, Sigmoid(x) otherwise.
        static AttributeProto Graph(string name, string op, string output) => new()
        {
            Name = name, Type = AttributeProto.Types.AttributeType.Graph,
            G = new GraphProto { Name = name, Node = { new NodeProto { Name = output, OpType = op, Input = { "x" }, Output = { output } } }, Output = { new ValueInfoProto { Name = output } } },
        };
        static ValueInfoProto Batch(string name) => new()
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = 1, Shape = new TensorShapeProto { Dim = { new TensorShapeProto.Types.Dimension { DimParam = "batch" }, new TensorShapeProto.Types.Dimension { DimValue = 4 } } } } },
        };
        var model = new ModelProto
        {
            IrVersion = 8,
            OpsetImport = { new OperatorSetIdProto { Domain = "", Version = 17 } },
            Graph = new GraphProto
            {
                Name = "known",
                Node =
                {
                    new NodeProto { Name = "shape", OpType = "Shape", Input = { "x" }, Output = { "s" } },
                    new NodeProto { Name = "width", OpType = "Gather", Input = { "s", "one" }, Output = { "d" } },
                    new NodeProto { Name = "wide", OpType = "GreaterOrEqual", Input = { "d", "three" }, Output = { "ge" } },
                    new NodeProto { Name = "cast", OpType = "Cast", Input = { "ge" }, Output = { "c" }, Attribute = { new AttributeProto { Name = "to", Type = AttributeProto.Types.AttributeType.Int, I = 9 } } },
                    new NodeProto { Name = "choose", OpType = "If", Input = { "c" }, Output = { "y" }, Attribute = { Graph("then_branch", "Relu", "rectified"), Graph("else_branch", "Sigmoid", "squashed") } },
                },
                Initializer = { new TensorProto { Name = "one", DataType = 7, Int64Data = { 1 } }, new TensorProto { Name = "three", DataType = 7, Int64Data = { 3 } } },
                Input = { Batch("x") },
                Output = { Batch("y") },
            },
        };

        var (run, output) = Generate(Compilation(), Item(SignatureOf(model, 1 << 20), modelPath: "known.onnx", backend: "Compiled"));

        Assert.Empty(run.Diagnostics);
        AssertCompiles(output);
        string source = Assert.Single(run.GeneratedTrees).ToString();
        Assert.Contains("// rectified (Relu)", source);
        Assert.Contains("Kernels.Relu(", source);
        Assert.DoesNotContain("squashed", source);
        Assert.DoesNotContain("Sigmoid", source);
        Assert.DoesNotContain("if (", source[source.IndexOf("PredictCompiled", System.StringComparison.Ordinal)..]);
    }

    [Fact]
    public void An_if_on_a_run_time_condition_compiles_both_branches_and_takes_the_one_onnx_runtime_takes()
    {
        var model = IfModel();
        const string harness = """
            namespace App;
            public static class Harness
            {
                // One client, called with each flag in turn (the arena reused), every output copied out.
                public static object[] Run(float[] x, bool[] flags)
                {
                    using var model = new BranchesModel();
                    var results = new System.Collections.Generic.List<object>();
                    foreach (bool flag in flags)
                    {
                        var (y, k) = model.Predict(x, flag);
                        results.Add(y.Span.ToArray());
                        results.Add(k.Span.ToArray());
                    }
                    return results.ToArray();
                }
            }
            """;

        var (run, output) = Generate(Compilation(harness), Item(SignatureOf(model, 1 << 20), modelPath: "branches.onnx", className: "BranchesModel", backend: "Compiled"));
        Assert.Empty(run.Diagnostics);
        AssertCompiles(output);
        string source = Assert.Single(run.GeneratedTrees).ToString();
        Assert.Contains("if (new global::System.ReadOnlySpan<bool>(in flag)[0])", source);
        Assert.Contains("// magnitude (Abs)", source);
        Assert.Contains("// bias_add (Add)", source);
        using var image = new System.IO.MemoryStream();
        var emitted = output.WithAssemblyName("Harness.Branches").Emit(image);
        Assert.True(emitted.Success, string.Join("\n", emitted.Diagnostics));
        var assembly = System.Runtime.Loader.AssemblyLoadContext.Default.LoadFromStream(new System.IO.MemoryStream(image.ToArray()));
        var random = new System.Random(5);
        float[] x = [.. Enumerable.Range(0, 2 * 3).Select(_ => random.NextSingle() * 4 - 2)];
        bool[] flags = [true, false, true];
        var compiled = (object[])assembly.GetType("App.Harness")!.GetMethod("Run")!.Invoke(null, [x, flags])!;

        using var session = new Microsoft.ML.OnnxRuntime.InferenceSession(Google.Protobuf.MessageExtensions.ToByteArray(model));
        using var runOptions = new Microsoft.ML.OnnxRuntime.RunOptions();
        for (int i = 0; i < flags.Length; i++)
        {
            using var xValue = Microsoft.ML.OnnxRuntime.OrtValue.CreateTensorValueFromMemory(x, [2, 3]);
            using var flagValue = Microsoft.ML.OnnxRuntime.OrtValue.CreateTensorValueFromMemory(new[] { flags[i] }, System.Array.Empty<long>());
            using var raw = session.Run(runOptions, ["x", "flag"], [xValue, flagValue], ["y", "k"]);
            // Elementwise kernels: bit for bit ONNX Runtime's.
            Assert.Equal(raw[0].GetTensorDataAsSpan<float>().ToArray(), (float[])compiled[2 * i]);
            Assert.Equal(raw[1].GetTensorDataAsSpan<long>().ToArray(), (long[])compiled[2 * i + 1]);
        }
        Assert.Equal([1L], (long[])compiled[1]);
        Assert.Equal([2L], (long[])compiled[3]);
    }

    [Fact]
    public void TM0011_for_an_if_whose_branches_disagree_and_for_loops()
    {
        var model = IfModel();
        var otherwise = model.Graph.Node.Single(n => n.OpType == "If").Attribute[1].G;
        otherwise.Node.Add(new NodeProto { Name = "wide", OpType = "Concat", Input = { "else_r", "else_r" }, Output = { "doubled" }, Attribute = { new AttributeProto { Name = "axis", Type = AttributeProto.Types.AttributeType.Int, I = 1 } } });
        otherwise.Output[0].Name = "doubled";
        var loop = new NodeProto { Name = "loop", OpType = "Loop", Input = { "", "flag" }, Output = { "looped" }, Attribute = { new AttributeProto { Name = "body", Type = AttributeProto.Types.AttributeType.Graph, G = new GraphProto { Name = "body" } } } };
        model.Graph.Node.Add(loop);
        model.Graph.Output.Add(new ValueInfoProto { Name = "looped", Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = 1, Shape = new TensorShapeProto() } } });

        var (run, _) = Generate(Compilation(), Item(SignatureOf(model, 1 << 20), modelPath: "m.onnx", backend: "Compiled"));

        Assert.Equal(
        [
            "Model 'm.onnx' cannot run on the compiled backend: node 'choose' (If): its output 0 is float [batch, 3] from its then_branch but float [batch, 6] from its else_branch; " +
                "the compiled backend needs both the same at build time",
            "Model 'm.onnx' cannot run on the compiled backend: node 'loop' (Loop): the compiled backend has no kernel for it (it runs " +
                string.Join(", ", TypedModels.Generator.Compiled.OpRegistry.Supported) + ")",
        ], run.Diagnostics.Select(d => d.GetMessage()));
    }
    [Fact]
    public void TM0011_for_an_if_names_what_fails_in_either_branch_and_in_a_nested_one()
    {
        // The then_branch takes a DFT; the else_branch's own If adds float16 in its else_branch (its then_branch compiles).
        var model = IfModel();
        var choose = model.Graph.Node.Single(n => n.OpType == "If");
        var then = choose.Attribute[0].G;
        then.Node.Insert(0, new NodeProto { Name = "dft", OpType = "DFT", Input = { "negated" }, Output = { "spectrum" } });
        then.Node.Single(n => n.Name == "scale").Input[0] = "spectrum";
        var innerElse = choose.Attribute[1].G.Node.Single(n => n.OpType == "If").Attribute[1].G;
        innerElse.Node.Insert(0, new NodeProto { Name = "half", OpType = "Cast", Input = { "x" }, Output = { "x16" }, Attribute = { new AttributeProto { Name = "to", Type = AttributeProto.Types.AttributeType.Int, I = 10 } } });
        innerElse.Node.Single(n => n.Name == "bias_add").Input[0] = "x16";

        var (run, _) = Generate(Compilation(), Item(SignatureOf(model, 1 << 20), modelPath: "m.onnx", backend: "Compiled"));

        var diagnostic = Assert.Single(run.Diagnostics);
        Assert.Equal("Model 'm.onnx' cannot run on the compiled backend: node 'choose' (If): its then_branch's node 'dft' (DFT): the compiled backend has no kernel for it (it runs " +
            string.Join(", ", TypedModels.Generator.Compiled.OpRegistry.Supported) + "); its else_branch's node 'inner' (If): its else_branch's node 'half' (Cast): " +
            "it casts to float16; the compiled backend computes " + string.Join(", ", TypedModels.Generator.Compiled.Op.Any), diagnostic.GetMessage());
    }

    [Theory]
    [InlineData("wrap", -2, 2, true)]
    [InlineData("reflect", -2, 3, true)]
    [InlineData("reflect", -2, 2, false)]
    [InlineData("edge", -2, 4, false)]
    [InlineData("wrap", 2, 2, false)]
    public void TM0011_for_a_pad_that_crops_one_end_and_pads_the_other_where_their_order_matters(string mode, long begin, long end, bool refused)
    {
        // x [2, 5]: crop-then-pad and pad-then-crop differ for a wrap, and for a reflection reaching past the 5 + begin elements left.
        var model = new ModelProto
        {
            IrVersion = 8,
            OpsetImport = { new OperatorSetIdProto { Domain = "", Version = 19 } },
            Graph = new GraphProto
            {
                Name = "pad",
                Node =
                {
                    new NodeProto { Name = "pad", OpType = "Pad", Input = { "x", "pads" }, Output = { "y" },
                        Attribute = { new AttributeProto { Name = "mode", Type = AttributeProto.Types.AttributeType.String, S = Google.Protobuf.ByteString.CopyFromUtf8(mode) } } },
                },
                Initializer = { new TensorProto { Name = "pads", DataType = 7, Dims = { 4 }, Int64Data = { 0, begin, 0, end } } },
                Input = { new ValueInfoProto { Name = "x", Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = 1, Shape = new TensorShapeProto { Dim = { new TensorShapeProto.Types.Dimension { DimValue = 2 }, new TensorShapeProto.Types.Dimension { DimValue = 5 } } } } } } },
                Output = { new ValueInfoProto { Name = "y", Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = 1, Shape = new TensorShapeProto { Dim = { new TensorShapeProto.Types.Dimension { DimValue = 2 }, new TensorShapeProto.Types.Dimension { DimValue = 5 + begin + end } } } } } } },
            },
        };

        var (run, _) = Generate(Compilation(), Item(SignatureOf(model, 1 << 20), modelPath: "m.onnx", backend: "Compiled"));

        if (refused)
            Assert.Equal($"Model 'm.onnx' cannot run on the compiled backend: node 'pad' (Pad): it crops one end of axis 1 and pads the other in {mode} mode, an order ONNX leaves open", Assert.Single(run.Diagnostics).GetMessage());
        else
            Assert.Empty(run.Diagnostics);
    }
}
