using System;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using Xunit.Abstractions;
using static TypedModels.Generator.Tests.TestHelpers;

namespace TypedModels.Generator.Tests;

/// <summary>
/// The TypedModels package as a user meets it: packed into a local feed, referenced by a fresh console project
/// outside this repository with one PackageReference and one TypedModel item, built, run, published with Native AOT.
/// </summary>
public sealed class PackageTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "typedmodels-consumer-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { }
    }

    [Fact]
    public void Fresh_project_builds_and_runs_and_a_misspelled_output_fails_on_its_line()
    {
        string project = CreateConsumer(outputs: "");
        output.WriteLine(File.ReadAllText(project));

        var run = Dotnet(_root, "run", "-nodeReuse:false");
        Assert.True(run.ExitCode == 0, run.Output);
        AssertPredictions(run.Output);

        CreateConsumer(outputs: "predictionz");
        var build = Dotnet(_root, "build", "-nodeReuse:false");
        output.WriteLine(build.Output);
        Assert.NotEqual(0, build.ExitCode);
        // Line 8 of the project, at the Include value (1-based, as MSBuild prints them).
        Assert.Contains($"{project}(8,24): error TM0001: Model 'models/number.onnx' has no output named 'predictionz'; its outputs are: 'hidden', 'predictions'", build.Output);
    }

    [Fact]
    public void Native_aot_publish_runs_and_warns_about_nothing_of_ours()
    {
        // With the same model compiled to C# beside it: the compiled backend and its kernels publish with Native AOT too.
        CreateConsumer(outputs: "", compiled: true);
        string publish = Path.Combine(_root, "aot");
        // The AOT linker needs a C toolchain and zlib: the project's script installs what is missing.
        var prerequisites = System.Diagnostics.Process.Start("bash", [Path.Combine(RepoRoot, "scripts", "install-aot-prerequisites.sh")])!;
        prerequisites.WaitForExit();
        Assert.True(prerequisites.ExitCode == 0, "scripts/install-aot-prerequisites.sh failed");

        var result = Dotnet(_root, "publish", "-r", "linux-x64", "-p:PublishAot=true", "-o", publish, "-nodeReuse:false");
        Assert.True(result.ExitCode == 0, result.Output);
        var ours = result.Output.Split('\n').Where(l => l.Contains("warning") && (l.Contains("TypedModels") || l.Contains("NumberModel") || l.Contains(".g.cs"))).ToList();
        Assert.True(ours.Count == 0, string.Join("\n", ours));

        var binary = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo(Path.Combine(publish, "Consumer")) { RedirectStandardOutput = true, WorkingDirectory = _root })!;
        string printed = binary.StandardOutput.ReadToEnd();
        binary.WaitForExit();
        Assert.Equal(0, binary.ExitCode);
        AssertPredictions(printed);
        var compiled = Regex.Matches(printed, @"^compiled (\d+) -> ([\d.]+)$", RegexOptions.Multiline);
        Assert.Equal(10, compiled.Count);
        var onnx = Regex.Matches(printed, @"^(\d+) -> ([\d.]+)$", RegexOptions.Multiline);
        for (int i = 0; i < 10; i++)
        {
            float expected = float.Parse(onnx[i].Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture);
            Assert.Equal(expected, float.Parse(compiled[i].Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture), tolerance: expected * 1e-5);
        }
    }

    private static void AssertPredictions(string printed)
    {
        var predictions = Regex.Matches(printed, @"^(\d+) -> ([\d.]+)$", RegexOptions.Multiline);
        Assert.Equal(10, predictions.Count);
        foreach (Match m in predictions)
        {
            float n = float.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
            Assert.InRange(float.Parse(m.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture), 2 * n * 0.999f, 2 * n * 1.001f);
        }
    }

    /// <summary>
    /// Follows the README's Install section as written: its <c>dotnet pack</c> command (into this test's feed, under a
    /// version of its own so that NuGet's cache holds no older copy, and without rebuilding what the solution built),
    /// its <c>nuget.config</c>, and its item group, in a console project that uses the client.
    /// </summary>
    private string CreateConsumer(string outputs, bool compiled = false)
    {
        string readme = File.ReadAllText(Path.Combine(RepoRoot, "README.md"));
        string install = readme[readme.IndexOf("## Install", StringComparison.Ordinal)..readme.IndexOf("## Use", StringComparison.Ordinal)];
        const string Feed = "/path/to/typedmodels-feed";
        string feed = Path.Combine(_root, "feed");
        string version = "0.0.0-test." + Path.GetFileName(_root)[^12..];
        if (!Directory.Exists(feed))
        {
            string command = Regex.Match(install, @"^dotnet pack .*$", RegexOptions.Multiline).Value;
            Assert.Equal($"dotnet pack src/TypedModels.Package -c Release -o {Feed}", command);
            var pack = Dotnet(RepoRoot, "pack", Path.Combine("src", "TypedModels.Package"), "-c", Configuration, "-o", feed,
                "--no-build", "-p:PackageVersion=" + version, "-nodeReuse:false");
            Assert.True(pack.ExitCode == 0, pack.Output);
            Directory.CreateDirectory(Path.Combine(_root, "models"));
            File.Copy(SeedModelPath, Path.Combine(_root, "models", "number.onnx"));
        }
        string XmlBlock(string containing) => Regex.Matches(install, "```xml\n(.*?)```", RegexOptions.Singleline)
            .Select(m => m.Groups[1].Value).Single(b => b.Contains(containing, StringComparison.Ordinal));
        File.WriteAllText(Path.Combine(_root, "nuget.config"), XmlBlock("<packageSources>").Replace(Feed, feed));

        string items = XmlBlock("<PackageReference Include=\"TypedModels\"").Replace("Version=\"0.1.0\"", $"Version=\"{version}\"");
        Assert.Contains("<TypedModel Include=\"models/number.onnx\" />", items);
        items = items.Replace("<TypedModel Include=\"models/number.onnx\" />", $"<TypedModel Include=\"models/number.onnx\" Outputs=\"{outputs}\" />" +
            (compiled ? "\n  <TypedModel Include=\"models/number.onnx\" ClassName=\"CompiledNumberModel\" Backend=\"Compiled\" CopyToOutputDirectory=\"Never\" />" : ""));
        string project = Path.Combine(_root, "Consumer.csproj");
        File.WriteAllText(project, $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
              </PropertyGroup>
            {items}</Project>
            """);
        File.WriteAllText(Path.Combine(_root, "Program.cs"), """
            using var model = new Consumer.NumberModel();
            for (int n = 100; n < 110; n++)
                System.Console.WriteLine($"{n} -> {model.Predict([n]).Predictions[0].ToString(System.Globalization.CultureInfo.InvariantCulture)}");
            """ + (compiled ? """

            using var compiled = new Consumer.CompiledNumberModel();
            for (int n = 100; n < 110; n++)
                System.Console.WriteLine($"compiled {n} -> {compiled.Predict([n]).Predictions[0].ToString(System.Globalization.CultureInfo.InvariantCulture)}");
            """ : ""));
        return project;
    }
}
