using System;
using System.Linq;
using System.Threading;
using TypedModels.Generator.Helpers;
using TypedModels.Generator.Models;
using TypedModels.SeedModel;
using static TypedModels.Generator.Tests.TestHelpers;

namespace TypedModels.Generator.Tests;

/// <summary>
/// The pipeline's models are values: a <see cref="ClientSpec"/> or <see cref="ComputePlan"/> built twice from one
/// signature is equal (so the second run's step is Unchanged and nothing is re-emitted), and one built from other
/// weights is not (so a compiled client is re-emitted). Also the planner's and the compiled emitter's cancellation.
/// </summary>
public class SpecEqualityTests
{
    private const long GraphLimit = 1 << 20;

    [Fact]
    public void A_client_built_twice_from_one_signature_is_equal_but_not_the_same_object()
    {
        var first = Client(SeedGraphSignature);
        var second = Client(SeedGraphSignature);

        Assert.NotSame(first, second);
        Assert.Equal(first, second);
        Assert.Equal(first.GetHashCode(), second.GetHashCode());
        Assert.NotNull(first.Plan);
        Assert.NotSame(first.Plan, second.Plan);
    }

    [Fact]
    public void A_plan_built_twice_is_equal_and_is_the_clients_plan()
    {
        var client = Client(SeedGraphSignature);
        var signature = Signature(SeedGraphSignature);

        var (first, reasons) = TypedModels.Generator.Compiled.Planner.Plan(signature, client.Symbols, client.Inputs, client.Outputs);
        var (second, _) = TypedModels.Generator.Compiled.Planner.Plan(signature, client.Symbols, client.Inputs, client.Outputs);

        Assert.Empty(reasons);
        Assert.NotNull(first);
        Assert.NotSame(first, second);
        Assert.Equal(first, second);
        Assert.Equal(first!.GetHashCode(), second!.GetHashCode());
        Assert.Equal(client.Plan, first);
    }

    [Fact]
    public void Other_weights_give_another_plan_under_the_same_api()
    {
        var one = Client(SignatureOf(SeedModelWriter.Build(SeedModelTrainer.Train(seed: 1, steps: 10)), GraphLimit));
        var other = Client(SignatureOf(SeedModelWriter.Build(SeedModelTrainer.Train(seed: 2, steps: 20)), GraphLimit));

        Assert.NotEqual(one, other);
        Assert.NotEqual(one.Plan, other.Plan);
        // Only the constants differ: the same kernel calls over the same values, and the same class around them.
        Assert.NotEqual(one.Plan!.Constants, other.Plan!.Constants);
        Assert.Equal(one.Plan.Steps, other.Plan.Steps);
        Assert.Equal(one.Plan.Values, other.Plan.Values);
        Assert.Equal(one with { Plan = null }, other with { Plan = null });
    }

    [Fact]
    public void An_onnx_runtime_client_does_not_depend_on_the_weights()
    {
        var one = Client(SignatureOf(SeedModelWriter.Build(SeedModelTrainer.Train(seed: 1, steps: 10))), backend: "");
        var other = Client(SignatureOf(SeedModelWriter.Build(SeedModelTrainer.Train(seed: 2, steps: 20))), backend: "");

        Assert.Null(one.Plan);
        Assert.Equal(one, other);
        Assert.Equal(one.GetHashCode(), other.GetHashCode());
    }

    [Fact]
    public void The_planner_stops_on_a_cancelled_token()
    {
        var client = Client(SeedGraphSignature);
        var signature = Signature(SeedGraphSignature);

        Assert.Throws<OperationCanceledException>(() =>
            TypedModels.Generator.Compiled.Planner.Plan(signature, client.Symbols, client.Inputs, client.Outputs, new CancellationToken(canceled: true)));
    }

    [Fact]
    public void The_emitter_and_its_compiled_part_stop_on_a_cancelled_token()
    {
        var client = Client(SeedGraphSignature);
        var cancelled = new CancellationToken(canceled: true);

        Assert.Throws<OperationCanceledException>(() => TypedModelGenerator.Emitter.Emit(client, cancelled));
        // The compiled part on its own: Emit checks before it too, so this is what proves the kernel calls check.
        Assert.Throws<OperationCanceledException>(() => TypedModelGenerator.Emitter.WriteCompiled(new SourceWriter(), client, client.Plan!, cancelled));
        // Uncancelled, the same calls run.
        TypedModelGenerator.Emitter.WriteCompiled(new SourceWriter(), client, client.Plan!, CancellationToken.None);
    }

    /// <summary>The client the generator builds for one item with <paramref name="signature"/>: the Emit step's one output.</summary>
    private static ClientSpec Client(string signature, string backend = "Compiled")
    {
        var run = Driver(Item(signature, backend: backend)).RunGenerators(Compilation()).GetRunResult();
        Assert.Empty(run.Diagnostics);
        var output = Assert.Single(run.Results.Single().TrackedSteps[TrackingNames.Emit].SelectMany(s => s.Outputs));
        return Assert.IsType<ClientSpec>(output.Value);
    }

    /// <summary>The generator's own reading of a signature file's text.</summary>
    private static ModelSignature Signature(string text)
    {
        Assert.True(SignatureText.TryRead(text, out var signature, out var error), error?.ToString());
        return signature!;
    }
}
