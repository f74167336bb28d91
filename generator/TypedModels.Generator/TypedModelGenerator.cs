using System.Linq;
using Microsoft.CodeAnalysis;
using TypedModels.Generator.Models;

namespace TypedModels.Generator;

/// <summary>
/// Generates a typed client for each <c>&lt;TypedModel&gt;</c> item, or for each partial class marked
/// <c>[TypedModel]</c>. Its input is the signature text the build step writes (the generator opens no file):
/// read signature (build step) → <see cref="Parser"/> → <see cref="ClientSpec"/> → <see cref="Emitter"/>.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed partial class TypedModelGenerator : IIncrementalGenerator
{
    private const string AttributeName = "TypedModels.TypedModelAttribute";

    /// <summary>The ONNX ops <c>Backend="Compiled"</c> runs (for reports and docs, which derive their lists from it).</summary>
    public static System.Collections.Generic.IReadOnlyList<string> CompiledOps => Compiled.OpRegistry.Supported;

    /// <inheritdoc/>
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        var rootNamespace = context.AnalyzerConfigOptionsProvider
            .Select(static (options, _) => options.GlobalOptions.TryGetValue("build_property.RootNamespace", out var ns) ? ns : null)
            .WithTrackingName(TrackingNames.RootNamespace);

        var items = context.AdditionalTextsProvider
            .Combine(context.AnalyzerConfigOptionsProvider)
            .Select(static (pair, cancellationToken) => Parser.ReadItem(pair.Left, pair.Right.GetOptions(pair.Left), cancellationToken))
            .Where(static item => item is not null)
            .Select(static (item, _) => item!)
            .WithTrackingName(TrackingNames.Items);

        var attributes = context.SyntaxProvider
            .ForAttributeWithMetadataName(AttributeName,
                static (node, _) => node is Microsoft.CodeAnalysis.CSharp.Syntax.ClassDeclarationSyntax or Microsoft.CodeAnalysis.CSharp.Syntax.RecordDeclarationSyntax,
                static (syntaxContext, cancellationToken) => Parser.ReadAttribute(syntaxContext, cancellationToken))
            .WithTrackingName(TrackingNames.Attributes);

        // An item keeps its class beside a [TypedModel] class on the same model, unless the two have one name.
        var declaredClasses = attributes
            .Select(static (attribute, _) => attribute.Class.HintName)
            .Collect()
            .Select(static (paths, _) => paths.ToEquatableArray())
            .WithTrackingName(TrackingNames.DeclaredClasses);

        var itemClients = items
            .Combine(declaredClasses)
            .Combine(rootNamespace)
            .Select(static (x, cancellationToken) => Parser.ClientFromItem(x.Left.Left, x.Left.Right, x.Right, cancellationToken))
            .WithTrackingName(TrackingNames.ItemClients);

        var attributeClients = attributes
            .Combine(items.Collect().Select(static (all, _) => all.ToEquatableArray()).WithTrackingName(TrackingNames.AllItems))
            .Select(static (x, cancellationToken) => Parser.ClientFromAttribute(x.Left, x.Right, cancellationToken))
            .WithTrackingName(TrackingNames.AttributeClients);

        // Two models that would generate one class (two files named model.onnx, say) are refused by a diagnostic.
        var duplicates = itemClients.Collect()
            .Combine(attributeClients.Collect())
            .Select(static (all, _) => Parser.DuplicateClasses(all.Left.Concat(all.Right)))
            .WithTrackingName(TrackingNames.Duplicates);

        Register(context, itemClients.Combine(duplicates).Select(static (x, _) => Parser.RefuseDuplicate(x.Left, x.Right)).WithTrackingName(TrackingNames.Results));
        Register(context, attributeClients.Combine(duplicates).Select(static (x, _) => Parser.RefuseDuplicate(x.Left, x.Right)).WithTrackingName(TrackingNames.Results));
    }

    // Source and diagnostics go down separate outputs: a diagnostic that moves (a line added above an attribute)
    // must not re-emit the client, and a client that stays equal is not re-emitted at all.
    private static void Register(IncrementalGeneratorInitializationContext context, IncrementalValuesProvider<Result<ClientSpec>> results)
    {
        var clients = results
            .Select(static (result, _) => result.Value)
            .Where(static client => client is not null)
            .Select(static (client, _) => client!)
            .WithTrackingName(TrackingNames.Emit);
        context.RegisterSourceOutput(clients, static (spc, client) =>
            spc.AddSource(client.Class.HintName, Emitter.Emit(client, spc.CancellationToken)));

        var diagnostics = results
            .Select(static (result, _) => result.Diagnostics)
            .Where(static diagnostics => diagnostics.Count > 0)
            .WithTrackingName(TrackingNames.Diagnostics);
        context.RegisterSourceOutput(diagnostics, static (spc, diagnostics) =>
        {
            foreach (var diagnostic in diagnostics)
                spc.ReportDiagnostic(diagnostic.ToDiagnostic());
        });
    }
}
