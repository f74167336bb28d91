extern alias buildstep;

using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Text;

namespace TypedModels.Generator.Tests;

/// <summary>Builds compilations, fake signature files and options, and runs the generator over them.</summary>
internal static class TestHelpers
{

    public static readonly string SeedModelPath = Path.Combine(AppContext.BaseDirectory, "models", "number.onnx");

    /// <summary>The seed model's signature text, as the build step writes it.</summary>
    public static string SeedSignature => buildstep::TypedModels.Build.ReadModelSignatures.SignatureFor(SeedModelPath);

    /// <summary>The seed model's signature text with its graph, as the build step writes it for <c>Backend="Compiled"</c>.</summary>
    public static string SeedGraphSignature => buildstep::TypedModels.Build.ReadModelSignatures.SignatureFor(SeedModelPath, 1 << 20);

    /// <summary>The signature text of <paramref name="model"/>, read by the build step from a temporary file.</summary>
    public static string SignatureOf(TypedModels.SeedModel.Onnx.ModelProto model, long? graphLimit = null)
    {
        string path = Path.Combine(Path.GetTempPath(), $"typedmodels-{Guid.NewGuid():N}.onnx");
        File.WriteAllBytes(path, Google.Protobuf.MessageExtensions.ToByteArray(model));
        try
        {
            return buildstep::TypedModels.Build.ReadModelSignatures.SignatureFor(path, graphLimit);
        }
        finally
        {
            File.Delete(path);
        }
    }

    public static CSharpCompilation Compilation(params string[] sources) => CSharpCompilation.Create(
        "App",
        sources.Select((s, i) => CSharpSyntaxTree.ParseText(s, CSharpParseOptions.Default.WithLanguageVersion(LanguageVersion.Latest), path: $"/src/App/Source{i}.cs")),
        References,
        new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));

    /// <summary>Runs the generator once; returns the run and the compilation with its output.</summary>
    public static (GeneratorDriverRunResult Run, Compilation Output) Generate(CSharpCompilation compilation, params ModelItem[] items)
    {
        var driver = Driver(items).RunGeneratorsAndUpdateCompilation(compilation, out var output, out _);
        return (driver.GetRunResult(), output);
    }

    /// <summary>The diagnostics TypedModels' analyzer reports on <paramref name="compilation"/> (TM0007).</summary>
    public static ImmutableArray<Diagnostic> Analyze(Compilation compilation) => compilation
        .WithAnalyzers(ImmutableArray.Create<DiagnosticAnalyzer>(new TypedModelClassAnalyzer()))
        .GetAnalyzerDiagnosticsAsync().GetAwaiter().GetResult();

    /// <summary>Fails with every compiler error and warning of <paramref name="compilation"/>, if it has any.</summary>
    public static void AssertCompiles(Compilation compilation)
    {
        var problems = compilation.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning).ToList();
        if (problems.Count > 0)
            Assert.Fail(string.Join("\n", problems));
    }

    /// <summary>Runs <c>dotnet</c> with <paramref name="arguments"/> in <paramref name="directory"/>; returns its exit code and output.</summary>
    public static (int ExitCode, string Output) Dotnet(string directory, params string[] arguments)
    {
        var start = new System.Diagnostics.ProcessStartInfo("dotnet", arguments)
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = System.Diagnostics.Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output + stderr.Result);
    }

    /// <summary>The repository's root: the folder that holds TypedModels.sln.</summary>
    public static string RepoRoot => TypedModels.Testing.Repository.Root;

    /// <summary>The configuration these tests were built in, so that nested builds and packs find the same outputs.</summary>
    public static string Configuration =>
        AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}") ? "Release" : "Debug";
}
