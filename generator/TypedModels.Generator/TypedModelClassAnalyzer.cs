using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using TypedModels.Generator.Diagnostics;

namespace TypedModels.Generator;

/// <summary>
/// Reports TM0007 on a class marked <c>[TypedModel]</c> that cannot carry a client. An analyzer, not the generator, as
/// Roslyn's cookbook advises for checks of user code: it runs on the user's symbols, in the IDE as in the build, and the
/// generator (which skips such a class) stays free of diagnostics that depend on syntax it does not emit.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class TypedModelClassAnalyzer : DiagnosticAnalyzer
{
    private const string AttributeName = "TypedModels.TypedModelAttribute";

    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(DiagnosticDescriptors.InvalidTargetClassError);

    /// <inheritdoc/>
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(static start =>
        {
            if (start.Compilation.GetTypeByMetadataName(AttributeName) is not { } attribute)
                return;
            start.RegisterSymbolAction(symbolContext => Analyze(symbolContext, attribute), SymbolKind.NamedType);
        });
    }

    private static void Analyze(SymbolAnalysisContext context, INamedTypeSymbol attribute)
    {
        var type = (INamedTypeSymbol)context.Symbol;
        foreach (var data in type.GetAttributes())
        {
            if (!SymbolEqualityComparer.Default.Equals(data.AttributeClass, attribute))
                continue;
            // The declaration that carries the attribute, as the generator reads it.
            if (data.ApplicationSyntaxReference?.GetSyntax(context.CancellationToken).Parent?.Parent is not TypeDeclarationSyntax declaration)
                return;
            if (TypedModelGenerator.Parser.InvalidTarget(type, declaration) is { } reason)
                context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.InvalidTargetClassError, declaration.Identifier.GetLocation(), type.Name, reason));
            return;
        }
    }
}
