extern alias buildstep;

using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;

namespace TypedModels.Conformance;

/// <summary>Writes RESULTS.md: counts per outcome, then every test that did not pass, grouped by reason.</summary>
internal static class Report
{
    public const string Command = "TYPEDMODELS_CONFORMANCE_REPORT=1 dotnet test tests/TypedModels.Conformance";

    public static string Write(IReadOnlyList<TestOutcome> outcomes, TimeSpan generate, TimeSpan run)
    {
        var md = new StringBuilder();
        void Line(string text = "") => md.Append(text).Append('\n');
        string N(int n) => n.ToString("N0", CultureInfo.InvariantCulture);

        var compiled = outcomes.Where(o => o.Build.Harness is not null).ToList();
        var bothRan = outcomes.Where(o => o.TypedEqualsRaw is not null).ToList();
        var typedPassed = outcomes.Count(o => o.Typed.Stage == Stage.Passed);
        var rawPassed = outcomes.Count(o => o.Raw.Stage == Stage.Passed);

        Line("# Conformance: ONNX's backend tests through generated clients");
        Line();
        Line($"Regenerate with `{Command}` (it also runs in CI, without writing this file).");
        Line();
        Line($"- ONNX Runtime {Microsoft.ML.OnnxRuntime.OrtEnv.Instance().GetVersionString()}, CPU, one intra-op thread per session, graph optimisation level {ConformanceRun.Options.GraphOptimizationLevel}; " +
             $"{Environment.ProcessorCount} cores, {System.Runtime.InteropServices.RuntimeInformation.OSDescription.Trim()}, .NET {Environment.Version}.");
        Line($"- The suite: `../shared/onnx-backend-tests/` (`node/` and `simple/`, ONNX at commit 6be0677), {N(outcomes.Count)} tests.");
        Line($"- The generator ran once over every model's signature (one `<TypedModel>` item each) and the {N(compiled.Count)} clients compiled as one compilation with a harness written from their symbols: {generate.TotalSeconds:F0} s. " +
             $"Running every test both ways took {run.TotalSeconds:F0} s.");
        Line("- Each client is called through its generated `Predict` with the test's inputs (`input_K.pb`), as a user's code calls it, and its outputs are compared with " +
             "the expected outputs (ONNX's tolerance: rtol 1e-3, atol 1e-7, NaN equals NaN, an infinity only itself, everything else exact, shapes equal) and, bit for bit, with ONNX Runtime's raw API " +
             "(`InferenceSession.Run` with `OrtValue`s) on the same inputs and session options.");
        Line();
        Line("## Counts");
        Line();
        Line("| outcome | tests |");
        Line("|---|---:|");
        Line($"| tests | {N(outcomes.Count)} |");
        Line($"| every input and output a tensor | {N(outcomes.Count(o => o.Test.AllTensors))} |");
        Line($"| client generated and compiled, zero errors and zero warnings | {N(compiled.Count)} |");
        Line($"| compiled with TM0006 (an unsupported output left out) | {N(compiled.Count(o => o.Build.DiagnosticIds.Contains("TM0006")))} |");
        foreach (var id in outcomes.Where(o => o.Build.Harness is null).SelectMany(o => o.Build.DiagnosticIds).Distinct().Order())
            Line($"| no client: {id} | {N(outcomes.Count(o => o.Build.Harness is null && o.Build.DiagnosticIds.Contains(id)))} |");
        Line($"| generated code that does not compile | {N(outcomes.Count(o => o.Build.CompilerProblems.Count > 0))} |");
        Line($"| client: ONNX Runtime cannot load the model | {N(outcomes.Count(o => o.Typed.Stage == Stage.LoadFailed))} |");
        Line($"| client: ONNX Runtime cannot run it | {N(outcomes.Count(o => o.Typed.Stage == Stage.RunFailed))} |");
        Line($"| client: loads but the test's values cannot be built in .NET | {N(outcomes.Count(o => o.Build.Harness is not null && o.Typed.Stage == Stage.NotRun))} |");
        Line($"| client ran | {N(outcomes.Count(o => o.Typed.Ran))} |");
        Line($"| **client equals the raw API, bit for bit** (of the tests both ran) | **{N(bothRan.Count(o => o.TypedEqualsRaw == true))} of {N(bothRan.Count)}** |");
        Line($"| client and raw API differ, the raw API differing from itself too (random operators) | {N(bothRan.Count(o => o.TypedEqualsRaw == false && o.Nondeterministic))} |");
        Line($"| **client matches the expected outputs** | **{N(typedPassed)}** |");
        Line($"| raw API matches the expected outputs | {N(rawPassed)} |");
        Line($"| raw API passes, client does not | {N(outcomes.Count(o => o.Raw.Stage == Stage.Passed && o.Typed.Stage != Stage.Passed))} |");
        Line();
        Line("The raw-API figure measured independently before this harness existed (ONNX Runtime 1.31.1, CPU, ONNX's tolerance) was 1,476 of 1,825.");
        Line();

        var sequences = outcomes.Where(o => o.Test.Signature!.Inputs.Concat(o.Test.Signature.Outputs).Any(t => t.Kind == buildstep::TypedModels.ValueKind.Sequence)).ToList();
        var optionals = outcomes.Where(o => o.Test.Signature!.Inputs.Concat(o.Test.Signature.Outputs).Any(t => t.Kind == buildstep::TypedModels.ValueKind.Optional)).ToList();
        WriteCompiled(md, outcomes);

        Line("## Beyond the raw API: sequences");
        Line();
        Line("A sequence of tensors is an input of type `ReadOnlySpan<TensorInput<T>>` (each tensor its values and its own shape) and an output of type " +
             "`TensorSequence<T>` (a count and a `TensorView<T>` per tensor), checked against the model's signature at load like tensors. Sequences cannot " +
             "be bound ahead: an input sequence is built on each call and output sequences are read from each run, so a call with sequences allocates.");
        Line();
        Line($"- {N(sequences.Count)} tests have a sequence input or output: {N(sequences.Count(o => o.Build.Harness is not null))} get a client, " +
             $"{N(sequences.Count(o => o.Typed.Stage == Stage.Passed))} pass, all of them bit for bit the raw API's outputs.");
        Line($"- Left: {N(optionals.Count)} tests with optional inputs or outputs (`optional(…)`, TM0005: no typed shape for them yet); " +
             "sequences of strings, of sequences or of maps (TM0005); an empty input sequence, which ONNX Runtime's .NET API cannot build " +
             "(`OrtValue.CreateSequence`: \"Number of values should be at least 1\"), so the client refuses it before any native call (`test_loop13_seq`).");
        Line();

        Line("## Tests that did not pass, by reason");
        Line();
        Line("A test appears once, under the first thing that stopped it. Reasons are the generator's diagnostics or ONNX Runtime's own messages, shortened.");
        Line();
        Group(md, "No client: the generator's diagnostic", outcomes.Where(o => o.Build.Harness is null),
            o => string.Join("; ", o.Build.GeneratorDiagnostics.Where(d => d.Severity == Microsoft.CodeAnalysis.DiagnosticSeverity.Error).Select(d => $"{d.Id}: {Shorten(DiagnosticReason(d.GetMessage(System.Globalization.CultureInfo.InvariantCulture)))}").Distinct()));
        Group(md, "ONNX Runtime cannot load the model (the client and the raw API alike)", outcomes.Where(o => o.Build.Harness is not null && o.Typed.Stage == Stage.LoadFailed), o => Shorten(o.Typed.Reason));
        Group(md, "ONNX Runtime cannot load the model (raw API; no client was generated, see above)", outcomes.Where(o => o.Build.Harness is null && o.Raw.Stage == Stage.LoadFailed), o => Shorten(o.Raw.Reason));
        Group(md, "ONNX Runtime cannot run the model", outcomes.Where(o => o.Typed.Stage == Stage.RunFailed), o => Shorten(o.Typed.Reason));
        Group(md, "The test's values cannot be built", outcomes.Where(o => o.Build.Harness is not null && o.Typed.Stage == Stage.NotRun), o => o.Typed.Reason);
        Group(md, "Outputs differ from the expected ones (the client and the raw API alike)", outcomes.Where(o => o.Typed.Stage == Stage.Mismatch), o => o.Typed.Reason, perTest: true);
        Group(md, "The client and the raw API differ", outcomes.Where(o => o.TypedEqualsRaw == false), o => (o.Nondeterministic ? "the raw API differs from itself: " : "") + o.TypedRawDifference, perTest: true);
        return md.ToString();
    }

    /// <summary>The compiled backend's section: what compiles, why the rest does not, and how close it stays to ONNX Runtime.</summary>
    private static void WriteCompiled(StringBuilder md, IReadOnlyList<TestOutcome> outcomes)
    {
        void Line(string text = "") => md.Append(text).Append('\n');
        string N(int n) => n.ToString("N0", CultureInfo.InvariantCulture);
        var built = outcomes.Where(o => o.CompiledBuild.Harness is not null).ToList();
        var compared = outcomes.Where(o => o.CompiledVsRaw is not null).ToList();
        var reasons = outcomes.SelectMany(o => o.CompiledBuild.GeneratorDiagnostics.Where(d => d.Id == "TM0011").Select(d => (o.Test, Message: d.GetMessage(CultureInfo.InvariantCulture)))).ToList();

        Line("## The compiled backend (`Backend=\"Compiled\"`)");
        Line();
        Line("The same models as `Backend=\"Compiled\"` items: the build step reads each graph (up to 1 MiB of weights), the generator compiles it to kernel " +
             $"calls where every node the outputs need is supported (float tensors; {string.Join(", ", TypedModels.Generator.TypedModelGenerator.CompiledOps)}; " +
             "shapes known at compile time up to the inputs' symbols) and reports TM0011 for " +
             "every node it cannot. Each compiled client is called through `Predict` like the others and compared with the expected outputs and with the raw API.");
        Line();
        Line("| outcome | tests |");
        Line("|---|---:|");
        Line($"| compiled to C# (no TM0011), generated code compiles clean | {N(built.Count)} |");
        Line($"| **compiled client matches the expected outputs** | **{N(outcomes.Count(o => o.Compiled.Stage == Stage.Passed))}** |");
        Line($"| compiled client differs from the expected outputs | {N(outcomes.Count(o => o.Compiled.Stage == Stage.Mismatch))} |");
        Line($"| compiled client failed to run | {N(outcomes.Count(o => o.Compiled.Stage is Stage.RunFailed or Stage.LoadFailed))} |");
        Line($"| compared with the raw API on every data set | {N(compared.Count)} |");
        Line($"| … bit for bit equal | {N(compared.Count(o => o.CompiledVsRaw!.ScaledUlps == 0))} |");
        Line($"| … within 1 ulp of the output's largest magnitude | {N(compared.Count(o => o.CompiledVsRaw!.ScaledUlps is > 0 and <= 1))} |");
        Line($"| … within 2 ulps | {N(compared.Count(o => o.CompiledVsRaw!.ScaledUlps is > 1 and <= 2))} |");
        Line($"| … within the test's bound of {ConformanceTests.CompiledUlpBound:0} ulps | {N(compared.Count(o => o.CompiledVsRaw!.ScaledUlps is > 2 and <= ConformanceTests.CompiledUlpBound))} |");
        var beyond = compared.Where(o => o.CompiledVsRaw!.ScaledUlps > ConformanceTests.CompiledUlpBound).ToList();
        Line($"| … more, the compiled value no farther from ONNX's expected output than ONNX Runtime's | {N(beyond.Count(o => o.CompiledVsRaw!.CloserToExpected))} |");
        Line($"| … more, and farther (a failure) | {N(beyond.Count(o => !o.CompiledVsRaw!.CloserToExpected))} |");
        Line($"| not compiled: TM0011 | {N(outcomes.Count(o => o.CompiledBuild.DiagnosticIds.Contains("TM0011")))} |");
        Line();
        Line("Ulps are counted against the largest magnitude in each output tensor: a sum's rounding error scales with its terms rather than its result, so reordered " +
             "summation (MLAS blocks and fuses multiply-adds; the compiled kernels sum each dot product in order) and another exp/tanh approximation " +
             "(TensorPrimitives against MLAS) move results by a few of those ulps; a wrong kernel would move them by millions. " +
             "Elementwise Add, Sub, Mul, Div, Relu and the copies are bit for bit ONNX Runtime's.");
        Line();
        var worst = compared.OrderByDescending(o => o.CompiledVsRaw!.ScaledUlps).Take(5).ToList();
        if (worst.Count > 0)
            Line("Largest differences: " + string.Join("; ", worst.Select(o => $"`{o.Test.Name}` {o.CompiledVsRaw!.ScaledUlps:0.###} ({Escape(o.CompiledVsRaw.Where)})")) + ".");
        Line();
        Line("Compiled and passing: " + string.Join(", ", outcomes.Where(o => o.Compiled.Stage == Stage.Passed).Select(o => "`" + o.Test.Name + "`")) + ".");
        Line();
        Line("Why the others do not compile (TM0011 reasons, grouped; a test counts once per reason):");
        Line();
        Line("| reason | tests |");
        Line("|---|---:|");
        foreach (var group in reasons.GroupBy(r => CompiledReason(r.Message)).Select(g => (g.Key, Count: g.Select(r => r.Test).Distinct().Count()))
                     .OrderByDescending(g => g.Count).ThenBy(g => g.Key, StringComparer.Ordinal).Take(40))
            Line($"| {Escape(group.Key)} | {N(group.Count)} |");
        Line();
    }

    // "Model '…' cannot run on the compiled backend: node 'n' (Conv): the compiled backend has no kernel for it (…)" → "Conv: no kernel"
    private static string CompiledReason(string message)
    {
        var node = Regex.Match(message, @"node '.*?' \((\w+)\): (.*)$");
        if (!node.Success)
            return Regex.Replace(message, "^Model '.*?' cannot run on the compiled backend: ", "");
        string why = node.Groups[2].Value;
        why = why.StartsWith("the compiled backend has no kernel", StringComparison.Ordinal) ? "no kernel"
            : Regex.Replace(why, "'.*?'", "…");
        return $"{node.Groups[1].Value}: {why}";
    }

    private static void Group(StringBuilder md, string title, IEnumerable<TestOutcome> outcomes, Func<TestOutcome, string> reason, bool perTest = false)
    {
        var list = outcomes.ToList();
        md.Append($"### {title}: {list.Count}\n\n");
        if (list.Count == 0)
        {
            md.Append("None.\n\n");
            return;
        }
        if (perTest)
        {
            foreach (var o in list)
                md.Append($"- `{o.Test.Name}`: {Escape(reason(o))}\n");
            md.Append('\n');
            return;
        }
        foreach (var group in list.GroupBy(reason).OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal))
            md.Append($"- {Escape(group.Key)} ({group.Count()}): {string.Join(", ", group.Select(o => "`" + o.Test.Name + "`"))}\n");
        md.Append('\n');
    }

    // "Input 'x' of model 'node/test_cast_FLOAT_to_FLOAT8E4M3FN/model.onnx' is a tensor of float8e4m3fn, which …" → "input is a tensor of float8e4m3fn"
    private static string DiagnosticReason(string message)
    {
        var match = Regex.Match(message, "^(Input|Output) '.*?' of model '.*?' is (.*?), which TypedModels does not support");
        return match.Success ? $"{match.Groups[1].Value.ToLowerInvariant()} is {match.Groups[2].Value}" : message;
    }

    // ONNX Runtime's messages carry the source file, line and C++ signature that raised them: the text after those is the reason.
    private static string Shorten(string message)
    {
        message = Regex.Replace(message, @"/onnxruntime_src/\S+:\d+ .*?[)>]( const)?( \[with [^\]]*\])? ", "");
        message = Regex.Replace(message, @"Opset \d+ is under development.*", m => m.Value[..m.Value.IndexOf(" and", StringComparison.Ordinal)]);
        return message.Length > 240 ? message[..240] + "…" : message;
    }

    private static string Escape(string text) => text.Replace("|", "\\|").Replace("\n", " ").Replace("<", "&lt;").Replace(">", "&gt;");
}
