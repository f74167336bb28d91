extern alias buildstep;

using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using TypedModels.SeedModel;

namespace TypedModels.Generator.Tests;

/// <summary>The build step inside a real <c>dotnet build</c> of a project outside this repository's tree.</summary>
public sealed class BuildStepTests : IDisposable
{
    private const string Skipped = "Skipping target \"_TypedModelsReadSignatures\" because all output files are up-to-date";
    private readonly string _root = Path.Combine(Path.GetTempPath(), "typedmodels-build-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { }
    }

    [Fact]
    public void Signature_is_read_once_kept_identical_across_weight_changes_and_bad_outputs_fail_the_build_on_the_item_line()
    {
        Directory.CreateDirectory(Path.Combine(_root, "models"));
        string model = Path.Combine(_root, "models", "number.onnx");
        File.Copy(TestHelpers.SeedModelPath, model);
        File.WriteAllText(Path.Combine(_root, "Usage.cs"), """
            namespace App;
            public static class Usage
            {
                public static float Double(NumberModel model, float n) => model.Predict([n]).Predictions[0];
            }
            """);
        WriteProject(outputs: "");

        var first = Build();
        Assert.True(first.ExitCode == 0, first.Output);
        Assert.DoesNotContain(Skipped, first.Output);
        string signatureFile = Directory.GetFiles(Path.Combine(_root, "obj"), "*.signature.txt", SearchOption.AllDirectories).Single();
        string signature = File.ReadAllText(signatureFile);
        Assert.Equal(buildstep::TypedModels.Build.ReadModelSignatures.SignatureFor(model), signature);

        var second = Build();
        Assert.True(second.ExitCode == 0, second.Output);
        Assert.Contains(Skipped, second.Output);

        File.WriteAllBytes(model, SeedModelWriter.Write(SeedModelTrainer.Train(seed: 7, steps: 5)));
        File.SetLastWriteTimeUtc(model, DateTime.UtcNow.AddSeconds(2));
        var retrained = Build();
        Assert.True(retrained.ExitCode == 0, retrained.Output);
        Assert.DoesNotContain(Skipped, retrained.Output);
        Assert.Equal(signature, File.ReadAllText(signatureFile));

        WriteProject(outputs: "predictionz");
        var misspelled = Build();
        Assert.NotEqual(0, misspelled.ExitCode);
        // The item is on line 7 of App.csproj; its Include value starts at column 26 (both 1-based, as MSBuild prints them).
        Assert.Contains("App.csproj(7,26): error TM0001: Model 'models/number.onnx' has no output named 'predictionz'; its outputs are: hidden, predictions", misspelled.Output);
    }

    private void WriteProject(string outputs) => File.WriteAllText(Path.Combine(_root, "App.csproj"), $"""
        <Project Sdk="Microsoft.NET.Sdk">
          <PropertyGroup>
            <TargetFramework>net10.0</TargetFramework>
            <RootNamespace>App</RootNamespace>
          </PropertyGroup>
          <ItemGroup>
            <TypedModel Include="models/number.onnx" Outputs="{outputs}" />
          </ItemGroup>
          <Import Project="{Path.Combine(RepoRoot, "generator", "build", "TypedModels.InRepo.targets")}" />
        </Project>
        """);

    private (int ExitCode, string Output) Build()
    {
        var start = new ProcessStartInfo("dotnet", ["build", "-c", Configuration, "-v:d", "-nodeReuse:false", "-p:UseSharedCompilation=false"])
        {
            WorkingDirectory = _root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output + stderr.Result);
    }

    private static string RepoRoot
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (!File.Exists(Path.Combine(dir.FullName, "TypedModels.sln")))
                dir = dir.Parent ?? throw new InvalidOperationException("TypedModels.sln not found above " + AppContext.BaseDirectory);
            return dir.FullName;
        }
    }

    // Build the referenced projects in the configuration the tests were built in, so nothing is rebuilt.
    private static string Configuration => AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}") ? "Release" : "Debug";
}
