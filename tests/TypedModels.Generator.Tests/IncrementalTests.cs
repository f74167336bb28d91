extern alias buildstep;

using System;
using System.Collections;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Text;
using TypedModels.SeedModel;
using static TypedModels.Generator.Tests.TestHelpers;

namespace TypedModels.Generator.Tests;

public class IncrementalTests
{
    private static readonly string[] s_steps =
        [TrackingNames.Items, TrackingNames.Attributes, TrackingNames.ItemClients, TrackingNames.AttributeClients, TrackingNames.Emit];

    private const string Scorer = """
        using TypedModels;
        namespace App;
        [TypedModel("models/other.onnx", Outputs = new[] { "predictions" })]
        public partial class Scorer;
        """;

    // Scorer, and a class whose path names no item: one client and one diagnostic (TM0004 at the path).
    private const string ScorerAndBroken = Scorer + """

        [TypedModel("models/missing.onnx")]
        public partial class Broken;
        """;

    /// <summary>Every name in <see cref="TrackingNames"/>, read from its constants.</summary>
    private static readonly string[] s_allSteps = typeof(TrackingNames)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Where(f => f.IsLiteral && f.FieldType == typeof(string))
        .Select(f => (string)f.GetRawConstantValue()!)
        .ToArray();

    [Fact]
    public void Second_run_on_a_clone_reuses_every_step()
    {
        var compilation = Compilation(Scorer);
        var items = new[] { Item(SeedSignature), Item(SeedSignature, modelPath: "models/other.onnx") };
        var driver = Driver(items).RunGenerators(compilation);
        var second = driver.RunGenerators(compilation.Clone()).GetRunResult();

        AssertAllReused(second);
    }

    [Fact]
    public void Unrelated_edit_reuses_every_model_step()
    {
        var compilation = Compilation(Scorer);
        var driver = Driver(Item(SeedSignature), Item(SeedSignature, modelPath: "models/other.onnx")).RunGenerators(compilation);
        var edited = compilation.AddSyntaxTrees(CSharpSyntaxTree.ParseText("namespace App; class Unrelated { int X => 1; }", path: "/src/App/Unrelated.cs"));
        var run = driver.RunGenerators(edited).GetRunResult();

        AssertAllReused(run);
    }

    [Fact]
    public void Weights_only_change_gives_a_byte_identical_signature_and_emits_nothing_new()
    {
        string first = WriteModel(SeedModelTrainer.Train(seed: 1, steps: 10));
        string second = WriteModel(SeedModelTrainer.Train(seed: 2, steps: 20));
        Assert.NotEqual(File.ReadAllBytes(first), File.ReadAllBytes(second));

        string before = buildstep::TypedModels.Build.ReadModelSignatures.SignatureFor(first);
        string after = buildstep::TypedModels.Build.ReadModelSignatures.SignatureFor(second);
        Assert.Equal(before, after);

        var compilation = Compilation();
        var item = Item(before);
        var driver = Driver(item).RunGenerators(compilation);
        // The build step rewrote the file: a new AdditionalText with the same content.
        var rewritten = Item(after);
        var run = driver.ReplaceAdditionalText(item.Text, rewritten.Text).RunGenerators(compilation).GetRunResult();

        var emit = Steps(run, TrackingNames.Emit);
        Assert.NotEmpty(emit);
        Assert.All(emit, reason => Assert.True(reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, reason.ToString()));
    }

    [Fact]
    public void Changing_one_dim_re_emits_exactly_that_model()
    {
        var compilation = Compilation();
        var seed = Item(SeedSignature);
        var other = Item(SeedSignature, modelPath: "models/other.onnx");
        var driver = Driver(seed, other).RunGenerators(compilation);

        var widened = Item(SeedSignature.Replace("[$batch,4]", "[$batch,5]"), modelPath: "models/other.onnx");
        var run = driver.ReplaceAdditionalText(other.Text, widened.Text).RunGenerators(compilation).GetRunResult();

        var emit = Steps(run, TrackingNames.Emit);
        Assert.Equal(1, emit.Count(r => r == IncrementalStepRunReason.Modified));
        Assert.Equal(1, emit.Count(r => r is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged));
        Assert.Contains("new long[] { -1, 5 }", run.GeneratedTrees.Single(t => t.FilePath.EndsWith("OtherModel.g.cs")).ToString());
    }

    [Fact]
    public void Every_tracking_name_is_a_step_of_a_run_and_every_step_has_one()
    {
        var run = Driver(Item(SeedSignature), Item(SeedSignature, modelPath: "models/other.onnx"))
            .RunGenerators(Compilation(ScorerAndBroken)).GetRunResult();
        var tracked = run.Results.Single().TrackedSteps.Keys.ToList();

        Assert.Equal(s_allSteps.Length, s_allSteps.Distinct(StringComparer.Ordinal).Count());
        var missing = s_allSteps.Except(tracked, StringComparer.Ordinal).ToList();
        Assert.True(missing.Count == 0, "not in the run: " + string.Join(", ", missing));
        // The other way round: no step is named by a string outside TrackingNames. Roslyn names its own inputs and
        // outputs, and the inner steps of ForAttributeWithMetadataName.
        string[] roslyn = ["AdditionalTexts", "AnalyzerConfigOptions", "Compilation", "CompilationOptions", "MetadataReferences", "ParseOptions", "SyntaxTrees", "SourceOutput", "ImplementationSourceOutput"];
        var unlisted = tracked.Except(s_allSteps.Concat(roslyn), StringComparer.Ordinal)
            .Where(name => !name.Contains("ForAttribute", StringComparison.Ordinal)).ToList();
        Assert.True(unlisted.Count == 0, "not in TrackingNames: " + string.Join(", ", unlisted));
    }

    [Fact]
    public void Second_run_reuses_every_named_step_diagnostics_and_duplicate_check_included()
    {
        var compilation = Compilation(ScorerAndBroken);
        var driver = Driver(Item(SeedSignature), Item(SeedSignature, modelPath: "models/other.onnx")).RunGenerators(compilation);
        var run = driver.RunGenerators(compilation.Clone()).GetRunResult();

        Assert.Single(run.Diagnostics);
        AssertAllReused(run, s_allSteps);
    }

    [Fact]
    public void A_compiled_items_weights_change_re_emits_its_client_with_the_new_weights()
    {
        // Backend="Compiled": the build step reads the graph, weights included, so the signature file changes with them.
        string before = SignatureOf(SeedModelWriter.Build(SeedModelTrainer.Train(seed: 1, steps: 10)), graphLimit: 1 << 20);
        string after = SignatureOf(SeedModelWriter.Build(SeedModelTrainer.Train(seed: 2, steps: 20)), graphLimit: 1 << 20);
        Assert.NotEqual(before, after);

        var compilation = Compilation();
        var item = Item(before, backend: "Compiled");
        var driver = Driver(item).RunGenerators(compilation);
        string first = Assert.Single(driver.GetRunResult().GeneratedTrees).ToString();
        var rewritten = Item(after, backend: "Compiled");
        var run = driver.ReplaceAdditionalText(item.Text, rewritten.Text).RunGenerators(compilation).GetRunResult();

        Assert.Empty(run.Diagnostics);
        Assert.Equal([IncrementalStepRunReason.Modified], Steps(run, TrackingNames.Items));
        Assert.Equal([IncrementalStepRunReason.Modified], Steps(run, TrackingNames.ItemClients));
        Assert.Equal([IncrementalStepRunReason.Modified], Steps(run, TrackingNames.Emit));
        string second = Assert.Single(run.GeneratedTrees).ToString();
        Assert.NotEqual(first, second);
        // The class around the weights is the same: only lines with weight literals differ.
        Assert.Equal(first.Split('\n').Length, second.Split('\n').Length);
        Assert.Contains("private Result PredictCompiled(", second);
    }

    [Fact]
    public void Editing_an_attributes_outputs_modifies_its_client_and_re_emits_only_it()
    {
        var compilation = Compilation(Scorer);
        var driver = Driver(Item(SeedSignature), Item(SeedSignature, modelPath: "models/other.onnx")).RunGenerators(compilation);
        var tree = compilation.SyntaxTrees.Single();
        var edited = compilation.ReplaceSyntaxTree(tree, tree.WithChangedText(SourceText.From(Scorer.Replace("\"predictions\"", "\"hidden\""))));
        var run = driver.RunGenerators(edited).GetRunResult();

        Assert.Empty(run.Diagnostics);
        Assert.Equal([IncrementalStepRunReason.Modified], Steps(run, TrackingNames.Attributes));
        Assert.Equal([IncrementalStepRunReason.Modified], Steps(run, TrackingNames.AttributeClients));
        // Scorer's client is re-emitted; every item's client (NumberModel at least) is not.
        var emit = Steps(run, TrackingNames.Emit);
        Assert.Equal(1, emit.Count(r => r == IncrementalStepRunReason.Modified));
        Assert.InRange(emit.Count(r => r is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged), 1, emit.Count - 1);
        string scorer = run.GeneratedTrees.Single(t => t.FilePath.EndsWith("App.Scorer.g.cs", StringComparison.Ordinal)).ToString();
        Assert.Contains("public global::TypedModels.TensorView<float> Hidden { get; }", scorer);
        Assert.DoesNotContain("public global::TypedModels.TensorView<float> Predictions { get; }", scorer);
    }

    [Fact]
    public void Blank_lines_above_the_attribute_classes_move_their_diagnostic_and_re_emit_nothing()
    {
        var compilation = Compilation(ScorerAndBroken);
        var driver = Driver(Item(SeedSignature), Item(SeedSignature, modelPath: "models/other.onnx")).RunGenerators(compilation);
        var first = driver.GetRunResult();
        var tree = compilation.SyntaxTrees.Single();
        var moved = compilation.ReplaceSyntaxTree(tree, tree.WithChangedText(SourceText.From("\n\n\n" + ScorerAndBroken)));
        var run = driver.RunGenerators(moved).GetRunResult();

        // The attributes moved, so their specs (which hold their locations) changed...
        Assert.All(Steps(run, TrackingNames.Attributes), reason => Assert.Equal(IncrementalStepRunReason.Modified, reason));
        // ...but no client did: nothing is re-emitted, and the same sources come out.
        var emit = Steps(run, TrackingNames.Emit);
        Assert.NotEmpty(emit);
        Assert.All(emit, reason => Assert.True(reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, reason.ToString()));
        Assert.Equal(first.GeneratedTrees.Select(t => t.ToString()), run.GeneratedTrees.Select(t => t.ToString()));
        // The diagnostic went down its own output and moved with its attribute.
        Assert.Contains(IncrementalStepRunReason.Modified, Steps(run, TrackingNames.Diagnostics));
        var (was, now) = (Assert.Single(first.Diagnostics), Assert.Single(run.Diagnostics));
        Assert.Equal(was.Id, now.Id);
        Assert.Equal(was.Location.GetLineSpan().StartLinePosition.Line + 3, now.Location.GetLineSpan().StartLinePosition.Line);
    }

    [Fact]
    public void Step_outputs_hold_no_symbols_syntax_or_compilation()
    {
        var run = Driver(Item(SeedSignature), Item(SeedSignature, modelPath: "models/other.onnx"))
            .RunGenerators(Compilation(Scorer)).GetRunResult();

        foreach (var step in s_steps)
        {
            foreach (var output in run.Results.Single().TrackedSteps[step].SelectMany(s => s.Outputs))
                AssertObjectGraph(output.Value, new HashSet<object>(ReferenceEqualityComparer.Instance), step);
        }
    }

    private static void AssertAllReused(GeneratorDriverRunResult run) => AssertAllReused(run, s_steps);

    private static void AssertAllReused(GeneratorDriverRunResult run, IEnumerable<string> steps)
    {
        foreach (var step in steps)
        {
            var reasons = Steps(run, step);
            Assert.NotEmpty(reasons);
            Assert.All(reasons, reason => Assert.True(reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"{step}: {reason}"));
        }
    }

    private static List<IncrementalStepRunReason> Steps(GeneratorDriverRunResult run, string step) =>
        run.Results.Single().TrackedSteps[step].SelectMany(s => s.Outputs).Select(o => o.Reason).ToList();

    // After NetEscapades.EnumGenerators' TestHelpers.AssertObjectGraph: walk every field of every step output.
    private static void AssertObjectGraph(object? node, HashSet<object> visited, string step)
    {
        if (node is null || !visited.Add(node))
            return;
        Assert.False(node is Microsoft.CodeAnalysis.Compilation or ISymbol or SyntaxNode or SyntaxTree or SemanticModel or Location,
            $"step {step} keeps a {node.GetType().Name}");
        var type = node.GetType();
        if (type.IsPrimitive || type.IsEnum || node is string)
            return;
        if (node is IEnumerable items)
        {
            foreach (var item in items)
                AssertObjectGraph(item, visited, step);
            return;
        }
        foreach (var field in type.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic))
            AssertObjectGraph(field.GetValue(node), visited, step);
    }

    private static string WriteModel(SeedWeights weights)
    {
        string path = Path.Combine(Path.GetTempPath(), $"typedmodels-{Guid.NewGuid():N}.onnx");
        File.WriteAllBytes(path, SeedModelWriter.Write(weights));
        return path;
    }
}
