extern alias buildstep;

using System;
using System.Collections;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
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

    private static void AssertAllReused(GeneratorDriverRunResult run)
    {
        foreach (var step in s_steps)
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
