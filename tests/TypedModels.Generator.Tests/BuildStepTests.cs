extern alias buildstep;

using System;
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
        string model = CreateProject();

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
        Assert.Contains("App.csproj(7,26): error TM0001: Model 'models/number.onnx' has no output named 'predictionz'; its outputs are: 'hidden', 'predictions'", misspelled.Output);
    }

    [Fact]
    public void Design_time_build_writes_the_signature_and_hands_it_to_the_compiler()
    {
        CreateProject();
        Assert.Equal(0, Run("restore").ExitCode);

        // What an IDE runs before it asks for completion: Compile without the compiler, and no project references built.
        var designTime = Run("msbuild", "-t:Compile", "-p:DesignTimeBuild=true", "-p:BuildProjectReferences=false",
            "-p:SkipCompilerExecution=true", "-p:ProvideCommandLineArgs=true");

        Assert.True(designTime.ExitCode == 0, designTime.Output);
        Assert.Single(Directory.GetFiles(Path.Combine(_root, "obj"), "*.signature.txt", SearchOption.AllDirectories));
        string editorConfig = Directory.GetFiles(Path.Combine(_root, "obj"), "*.editorconfig", SearchOption.AllDirectories).Single();
        Assert.Contains("build_metadata.AdditionalFiles.TypedModels_Kind = Signature", File.ReadAllText(editorConfig));
    }

    /// <summary>A library with the seed model as an item and code that uses the generated class; returns the model's path.</summary>
    private string CreateProject()
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
        return model;
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
          <Import Project="{Path.Combine(TestHelpers.RepoRoot, "generator", "build", "TypedModels.InRepo.targets")}" />
        </Project>
        """);

    private (int ExitCode, string Output) Build() => Run("build", "-v:d", "-p:UseSharedCompilation=false");

    private (int ExitCode, string Output) Run(string command, params string[] arguments) =>
        TestHelpers.Dotnet(_root, [command, .. arguments, "-p:Configuration=" + TestHelpers.Configuration, "-nodeReuse:false"]);
}
