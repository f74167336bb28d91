using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using Microsoft.CodeAnalysis.CSharp;
using TypedModels.SeedModel;
using TypedModels.Testing;

namespace TypedModels.Benchmarks;

/// <summary>
/// What the build pays per model: the build step's signature read, and the generator's run on the signature it wrote,
/// for models of growing size (generated on the fly as sparse files, never committed), and the generator's run for a
/// project with many models. Medians of repeated cold runs.
/// </summary>
/// <remarks>
/// The time claims live here, not in unit tests: a wall-clock bound asserted on a shared machine fails when the machine
/// is busy. The unit tests (SignatureCostTests) assert what load cannot change instead: the bytes a read takes from the
/// file and the bytes it allocates.
/// </remarks>
internal static class BuildCost
{
    /// <param name="ReadMs">The signature alone (an <c>OnnxRuntime</c> item): the weights are seeked past.</param>
    /// <param name="CompiledReadMs">
    /// The signature with the graph under the default <c>CompiledWeightLimit</c> (a <c>Compiled</c> or <c>Auto</c> item):
    /// the seed's graph is read whole; a larger model's is refused at the limit and the rest of its weights seeked past.
    /// </param>
    public sealed record Row(string Model, long Bytes, double ReadMs, double GenerateMs, double CompiledReadMs);

    public sealed record Result(List<Row> Rows, List<string> ManyModels, double ManyModelsMs);

    /// <param name="sizes">Extra weight bytes per model; 0 is the 1 KB seed model itself.</param>
    public static Result Measure(long[] sizes, int repeats, int manyModels)
    {
        string folder = Path.Combine(Path.GetTempPath(), "typedmodels-buildcost-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        try
        {
            var rows = new List<Row>();
            string seed = Path.Combine(AppContext.BaseDirectory, NumberModel.ModelPath);
            foreach (long size in sizes)
            {
                string path = seed;
                if (size > 0)
                {
                    path = Path.Combine(folder, $"model-{size}.onnx");
                    LargeModelWriter.Write(path, size);
                }
                string text = TypedModels.Build.ReadModelSignatures.SignatureFor(path);
                double read = Median(repeats, () => TypedModels.Build.ReadModelSignatures.SignatureFor(path));
                double generate = Median(repeats, () => Generate(GeneratorHost.Item(text)));
                long limit = TypedModels.Build.ReadModelSignatures.DefaultGraphLimit;
                double compiledRead = Median(repeats, () => TypedModels.Build.ReadModelSignatures.SignatureFor(path, limit));
                rows.Add(new Row(size == 0 ? "seed (number.onnx)" : $"{size >> 20} MB of weights", new FileInfo(path).Length, read, generate, compiledRead));
            }

            string signature = TypedModels.Build.ReadModelSignatures.SignatureFor(seed);
            var items = Enumerable.Range(0, manyModels).Select(i => GeneratorHost.Item(signature, modelPath: $"models/model{i}.onnx")).ToArray();
            var names = new List<string>();
            double many = Median(Math.Max(3, repeats / 4), () => names = Generate(items));
            return new Result(rows, names, many);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <param name="WeightBytes">The model's weights, as the build step reads them for <c>Backend="Compiled"</c>.</param>
    public sealed record Rebuild(long WeightBytes, double OnnxRuntimeSeconds, double CompiledSeconds);

    /// <summary>
    /// What a compiled model costs every later build: two console projects that differ only in the item's backend, each
    /// with a keyword-spotting-sized head (1536 → 320 → 128 → 4, about 2 MB of weights), built once, then rebuilt with
    /// <c>dotnet build</c> after an edit of an unrelated file, <paramref name="repeats"/> times each, the two interleaved
    /// (which goes first alternating) so that both see the machine in the same state; medians. The generator's output is
    /// cached across such an edit, but the compiler parses, binds and emits it again each time.
    /// </summary>
    public static Rebuild MeasureRebuild(int repeats)
    {
        string folder = Path.Combine(Path.GetTempPath(), "typedmodels-rebuild-" + Guid.NewGuid().ToString("N"));
        try
        {
            var model = FixtureModels.Dense("kws", 1536, 320, 128, 4);
            long weights = model.Graph.Initializer.Sum(t => t.FloatData.Count * 4L);
            string Project(string backend)
            {
                string project = Path.Combine(folder, backend);
                Directory.CreateDirectory(project);
                File.WriteAllBytes(Path.Combine(project, "kws.onnx"), Google.Protobuf.MessageExtensions.ToByteArray(model));
                File.WriteAllText(Path.Combine(project, "App.csproj"), $"""
                    <Project Sdk="Microsoft.NET.Sdk">
                      <PropertyGroup><OutputType>Exe</OutputType><TargetFramework>net10.0</TargetFramework><RootNamespace>App</RootNamespace></PropertyGroup>
                      <ItemGroup><TypedModel Include="kws.onnx" Backend="{backend}" CompiledWeightLimit="4000000" /></ItemGroup>
                      <Import Project="{Path.Combine(Repository.Root, "generator", "build", "TypedModels.InRepo.targets")}" />
                    </Project>
                    """);
                File.WriteAllText(Path.Combine(project, "Program.cs"), "using var model = new App.KwsModel();\nSystem.Console.WriteLine(model.Predict(new float[1536]).Y[0]);\n");
                Build(project, "-nodeReuse:false");
                return project;
            }
            string[] projects = [Project("OnnxRuntime"), Project("Compiled")];
            var times = new double[2][] { new double[repeats], new double[repeats] };
            for (int i = 0; i < repeats; i++)
            {
                foreach (int p in i % 2 == 0 ? new[] { 0, 1 } : [1, 0])
                {
                    File.WriteAllText(Path.Combine(projects[p], "Other.cs"), $"class Other {{ public int X => {i}; }}");
                    var watch = Stopwatch.StartNew();
                    Build(projects[p], "--no-restore");
                    times[p][i] = watch.Elapsed.TotalSeconds;
                }
            }
            double Median(double[] values)
            {
                Array.Sort(values);
                return values[values.Length / 2];
            }
            return new Rebuild(weights, Median(times[0]), Median(times[1]));
        }
        finally
        {
            if (Directory.Exists(folder))
                Directory.Delete(folder, recursive: true);
        }
    }

    private static void Build(string project, string option)
    {
        var start = new ProcessStartInfo("dotnet", ["build", project, "-nologo", "-v:q", option]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(start)!;
        var errors = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"dotnet build {project} failed:\n{output}{errors.Result}");
    }

    private static List<string> Generate(params GeneratorHost.ModelItem[] items)
    {
        var compilation = CSharpCompilation.Create("App");
        var run = GeneratorHost.Driver(items).RunGenerators(compilation).GetRunResult();
        if (run.Diagnostics.Length > 0 || run.GeneratedTrees.Length != items.Length)
            throw new InvalidOperationException("the generator did not produce one client per model: " + string.Join("; ", run.Diagnostics));
        return run.GeneratedTrees.Select(t => Path.GetFileName(t.FilePath)).ToList();
    }

    private static double Median(int repeats, Action action)
    {
        action(); // warm: JIT, file cache
        var times = new double[repeats];
        for (int i = 0; i < repeats; i++)
        {
            var watch = Stopwatch.StartNew();
            action();
            times[i] = watch.Elapsed.TotalMilliseconds;
        }
        Array.Sort(times);
        return times[repeats / 2];
    }
}
