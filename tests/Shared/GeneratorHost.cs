using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Text;
using TypedModels.Generator;

namespace TypedModels.Testing;

/// <summary>
/// Hosts the generator outside a build, as the compiler would run it: signature files as additional texts, each with
/// the metadata the build step gives it. Shared by the generator tests and the build-cost benchmarks.
/// </summary>
internal static class GeneratorHost
{
    public const string ProjectFile = "/src/App/App.csproj";

    /// <summary>A signature file as the build step hands it to the compiler: text plus the item's metadata.</summary>
    public static ModelItem Item(string text, string modelPath = "models/number.onnx", string? outputs = null,
        string? className = null, string? ns = null, int line = 7, string backend = "", string weightLimit = "", string? names = null) => new(
            new InMemoryText($"/src/App/obj/typedmodels/{Path.ChangeExtension(modelPath, null)}.signature.txt", text),
            new Dictionary<string, string>
            {
                ["TypedModels_Kind"] = "Signature",
                ["TypedModels_ModelPath"] = Uri.EscapeDataString(modelPath),
                ["TypedModels_TargetPath"] = Uri.EscapeDataString(modelPath),
                ["TypedModels_ClassName"] = className ?? "",
                ["TypedModels_Namespace"] = ns ?? "",
                ["TypedModels_Backend"] = backend,
                ["TypedModels_CompiledWeightLimit"] = weightLimit,
                ["TypedModels_Outputs"] = outputs is null ? "" : string.Join(",", outputs.Split(';').Select(Uri.EscapeDataString)),
                ["TypedModels_Names"] = names is null ? "" : string.Join(",", names.Split(';').Select(Uri.EscapeDataString)),
                ["TypedModels_ItemFile"] = Uri.EscapeDataString(ProjectFile),
                ["TypedModels_ItemLine"] = line.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["TypedModels_ItemColumn"] = "25",
                ["TypedModels_ItemLength"] = modelPath.Length.ToString(System.Globalization.CultureInfo.InvariantCulture),
            });

    public static GeneratorDriver Driver(params ModelItem[] items) => CSharpGeneratorDriver.Create(
        [new TypedModelGenerator().AsSourceGenerator()],
        items.Select(i => (AdditionalText)i.Text),
        CSharpParseOptions.Default.WithLanguageVersion(LanguageVersion.Latest),
        new OptionsProvider(items, new Dictionary<string, string> { ["build_property.RootNamespace"] = "App" }),
        new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));

    /// <summary>What a compilation of generated clients references: the framework, the runtime and ONNX Runtime.</summary>
    public static MetadataReference[] References => s_references.Value;

    private static readonly Lazy<MetadataReference[]> s_references = new(() =>
        ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!)
            .Split(Path.PathSeparator)
            .Concat([typeof(TypedModels.TypedModelOptions).Assembly.Location, typeof(Microsoft.ML.OnnxRuntime.OrtValue).Assembly.Location])
            .Distinct(StringComparer.Ordinal)
            .Select(path => MetadataReference.CreateFromFile(path))
            .ToArray());

    public sealed record ModelItem(InMemoryText Text, Dictionary<string, string> Metadata);

    public sealed class InMemoryText(string path, string text) : AdditionalText
    {
        public override string Path { get; } = path;

        public override SourceText GetText(CancellationToken cancellationToken = default) => SourceText.From(text);
    }

    private sealed class OptionsProvider(ModelItem[] items, Dictionary<string, string> global) : AnalyzerConfigOptionsProvider
    {
        public override AnalyzerConfigOptions GlobalOptions { get; } = new Options(global);

        public override AnalyzerConfigOptions GetOptions(SyntaxTree tree) => new Options(new());

        public override AnalyzerConfigOptions GetOptions(AdditionalText textFile) =>
            new Options(items.FirstOrDefault(i => i.Text.Path == textFile.Path)?.Metadata
                .ToDictionary(kv => "build_metadata.AdditionalFiles." + kv.Key, kv => kv.Value) ?? new());
    }

    private sealed class Options(Dictionary<string, string> values) : AnalyzerConfigOptions
    {
        public override bool TryGetValue(string key, out string value) => values.TryGetValue(key, out value!);
    }
}
