using Microsoft.CodeAnalysis;

namespace TypedModels.Generator.Diagnostics;

/// <summary>Every diagnostic TypedModels reports. IDs are never reused; docs/diagnostics.md is the registry.</summary>
internal static class DiagnosticDescriptors
{
    private const string Category = "TypedModels";

    /// <summary>The diagnostics registry; each descriptor links to its row (<c>#tm0001</c>, an anchor in the table).</summary>
    internal const string HelpLinkBase = "https://github.com/typedmodels/typedmodels/blob/main/docs/diagnostics.md";

    /// <summary>TM0001: "Model '{0}' has no output named '{1}'; its outputs are: {2}".</summary>
    public static readonly DiagnosticDescriptor UnknownOutputError = new(
        "TM0001", "Unknown output name", "Model '{0}' has no output named '{1}'; its outputs are: {2}", Category,
        DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: HelpLinkBase + "#tm0001",
        description: "An output selected in the Outputs metadata or attribute argument is not an output of the model.");

    /// <summary>TM0002: "The model file '{0}' does not exist".</summary>
    public static readonly DiagnosticDescriptor ModelFileNotFoundError = new(
        "TM0002", "Model file not found", "The model file '{0}' does not exist", Category,
        DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: HelpLinkBase + "#tm0002",
        description: "A TypedModel item names a file that does not exist.");

    /// <summary>TM0003: "The model file '{0}' could not be read as an ONNX model: {1}".</summary>
    public static readonly DiagnosticDescriptor ModelFileInvalidError = new(
        "TM0003", "Model file is not a readable ONNX model", "The model file '{0}' could not be read as an ONNX model: {1}", Category,
        DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: HelpLinkBase + "#tm0003",
        description: "A TypedModel item names a file that could not be read or is not an ONNX model.");

    /// <summary>TM0004: "No TypedModel item includes '{0}'; add &lt;TypedModel Include="{0}" /&gt; to the project file".</summary>
    public static readonly DiagnosticDescriptor UnknownModelItemError = new(
        "TM0004", "Model is not a TypedModel item", "No TypedModel item includes '{0}'; add <TypedModel Include=\"{0}\" /> to the project file", Category,
        DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: HelpLinkBase + "#tm0004",
        description: "[TypedModel] names a path that no TypedModel item of the project includes.");

    /// <summary>TM0005: "{0} '{1}' of model '{2}' is {3}, which TypedModels does not support".</summary>
    public static readonly DiagnosticDescriptor UnsupportedTensorError = new(
        "TM0005", "Unsupported input or output type", "{0} '{1}' of model '{2}' is {3}, which TypedModels does not support", Category,
        DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: HelpLinkBase + "#tm0005",
        description: "An input, or an output that was asked for, has a type the client cannot carry.");

    /// <summary>TM0006: "Output '{0}' of model '{1}' is {2}, which TypedModels does not support; the client leaves it out".</summary>
    public static readonly DiagnosticDescriptor UnsupportedOutputSkippedWarning = new(
        "TM0006", "Unsupported output left out", "Output '{0}' of model '{1}' is {2}, which TypedModels does not support; the client leaves it out", Category,
        DiagnosticSeverity.Warning, isEnabledByDefault: true, helpLinkUri: HelpLinkBase + "#tm0006",
        description: "An output has a type the client cannot carry; the other outputs are still generated.");

    /// <summary>TM0007: "[TypedModel] cannot generate into '{0}': {1}".</summary>
    public static readonly DiagnosticDescriptor InvalidTargetClassError = new(
        "TM0007", "Invalid [TypedModel] class", "[TypedModel] cannot generate into '{0}': {1}", Category,
        DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: HelpLinkBase + "#tm0007",
        description: "The class marked [TypedModel] (not a record, not static), and every type containing it, must be a non-generic partial class.");

    /// <summary>TM0008: "The {0} metadata '{1}' is not a valid C# {2}".</summary>
    public static readonly DiagnosticDescriptor InvalidNameMetadataError = new(
        "TM0008", "Invalid class name or namespace", "The {0} metadata '{1}' is not a valid C# {2}", Category,
        DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: HelpLinkBase + "#tm0008",
        description: "A TypedModel item's ClassName or Namespace metadata must be a valid C# identifier or dotted name.");

    /// <summary>TM0009: "The class '{0}' would be generated for each of the models {1}; give each a distinct ClassName or Namespace".</summary>
    public static readonly DiagnosticDescriptor DuplicateClassError = new(
        "TM0009", "Two models generate the same class", "The class '{0}' would be generated for each of the models {1}; give each a distinct ClassName or Namespace", Category,
        DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: HelpLinkBase + "#tm0009",
        description: "Two TypedModel items (two files named model.onnx, say), or an item and a [TypedModel] class, would generate a class of the same full name.");

    /// <summary>TM0010: "Outputs selects no output of model '{0}'; name at least one of: {1}, or leave Outputs out to get every output".</summary>
    public static readonly DiagnosticDescriptor NoOutputSelectedError = new(
        "TM0010", "No output selected", "Outputs selects no output of model '{0}'; name at least one of: {1}, or leave Outputs out to get every output", Category,
        DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: HelpLinkBase + "#tm0010",
        description: "An empty Outputs list ([TypedModel(…, Outputs = [])]) would give a client with nothing to return, which ONNX Runtime refuses to run.");

    /// <summary>TM0011: "Model '{0}' cannot run on the compiled backend: {1}".</summary>
    public static readonly DiagnosticDescriptor NotCompilableError = new(
        "TM0011", "Model cannot be compiled", "Model '{0}' cannot run on the compiled backend: {1}", Category,
        DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: HelpLinkBase + "#tm0011",
        description: "Backend=\"Compiled\" asks for the model's graph as C#, and a node the outputs need has an op, element type, attribute or shape the compiled backend does not support, or the weights are over CompiledWeightLimit. One diagnostic per node.");

    /// <summary>TM0012: "Model '{0}' runs on ONNX Runtime (Backend=Auto): {1}".</summary>
    /// <remarks>A warning, not information: at the default verbosity the build shows no information, and a user should see which backend they got. Silence it with NoWarn.</remarks>
    public static readonly DiagnosticDescriptor CompiledFallbackWarning = new(
        "TM0012", "Auto backend falls back to ONNX Runtime", "Model '{0}' runs on ONNX Runtime (Backend=Auto): {1}", Category,
        DiagnosticSeverity.Warning, isEnabledByDefault: true, helpLinkUri: HelpLinkBase + "#tm0012",
        description: "Backend=\"Auto\" compiles a model only when every node the outputs need compiles and the weights fit CompiledWeightLimit; otherwise the client runs on ONNX Runtime, and this says why.");

    /// <summary>TM0013: "The {0} setting '{1}' of model '{2}' cannot be used: {3}".</summary>
    public static readonly DiagnosticDescriptor InvalidBackendSettingError = new(
        "TM0013", "Invalid backend setting", "The {0} setting '{1}' of model '{2}' cannot be used: {3}", Category,
        DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: HelpLinkBase + "#tm0013",
        description: "Backend must be OnnxRuntime, Compiled or Auto, CompiledWeightLimit a number of bytes, and an attribute asking for a compiled backend needs an item whose build step read the graph.");

    /// <summary>TM0014: "The Names entry '{0}' of model '{1}' cannot be used: {2}".</summary>
    public static readonly DiagnosticDescriptor InvalidNamesEntryError = new(
        "TM0014", "Invalid Names entry", "The Names entry '{0}' of model '{1}' cannot be used: {2}", Category,
        DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: HelpLinkBase + "#tm0014",
        description: "Each Names entry (item metadata, entries separated by ';', or the attribute's Names array) is onnxName=Identifier: a name the model's inputs or outputs have, then a C# identifier no other tensor of the model is given.");

    /// <summary>TM0015: "'{0}' of model '{1}' would be named {2}, but {3}; it is named {4}. Choose a name with Names=\"…\".".</summary>
    public static readonly DiagnosticDescriptor NameCollisionInfo = new(
        "TM0015", "Two tensors make one identifier", "'{0}' of model '{1}' would be named {2}, but {3}; it is named {4}. Choose a name with Names=\"…\".", Category,
        DiagnosticSeverity.Info, isEnabledByDefault: true, helpLinkUri: HelpLinkBase + "#tm0015",
        description: "Two ONNX names that differ only in characters C# identifiers cannot hold (a:0 and a_0), or a name the generated client uses itself, collapse to one identifier: the later tensor gets a numeric suffix. Names=\"…\" chooses a name instead.");
}
