using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using Xunit.Abstractions;

namespace TypedModels.Conformance;

/// <summary>
/// ONNX's backend suite through generated clients: every model compiles to a client or gets a documented diagnostic,
/// every client that runs equals ONNX Runtime's raw API bit for bit, and passes every test the raw API passes.
/// </summary>
public sealed class ConformanceTests(ITestOutputHelper output)
{
    // The raw API's pass count measured here before this harness existed (issue 8); a floor against a harness that quietly runs nothing.
    private const int ReferencePasses = 1_476;

    // Compiled clients that pass: the floor of the compiled backend's coverage, raised as operators land.
    private const int CompiledPasses = 807;

    /// <summary>
    /// How far a compiled client's float outputs may be from the raw API's, in ulps of the largest magnitude in the output
    /// tensor (see <see cref="UlpComparison"/>); measured at most 4 (Gemm: FMA and summation order; Tanh: another
    /// approximation), except where a long sum with cancellation leaves both runtimes about as far from ONNX's expected
    /// output, the compiled one no farther (the test allows those, the report lists them).
    /// </summary>
    public const double CompiledUlpBound = 4;

    [Fact]
    public void Backend_suite_through_generated_clients()
    {
        var clock = Stopwatch.StartNew();
        var tests = BackendTest.Discover();
        var builds = GeneratedClients.Build(tests);
        var compiledBuilds = GeneratedClients.Build(tests, compiled: true);
        var generated = clock.Elapsed;
        var outcomes = ConformanceRun.Run(tests, builds, compiledBuilds);
        var ran = clock.Elapsed - generated;
        string report = Report.Write(outcomes, generated, ran);
        output.WriteLine($"{tests.Count} tests: generated and compiled in {generated.TotalSeconds:F1} s, ran in {ran.TotalSeconds:F1} s");
        if (Environment.GetEnvironmentVariable("TYPEDMODELS_CONFORMANCE_REPORT") == "1")
            File.WriteAllText(Path.Combine(Testing.Repository.Root, "tests", "TypedModels.Conformance", "RESULTS.md"), report);

        // The generated code compiles, with no warning, for every model the generator accepts.
        Assert.Empty(outcomes.Where(o => o.Build.CompilerProblems.Count > 0).Select(o => $"{o.Test.Name}: {o.Build.CompilerProblems[0]}"));

        // Every model gets a client or a documented diagnostic; a model whose inputs and outputs are all tensors gets no
        // diagnostic but TM0005 (an element type the runtime cannot carry). Information (TM0015: a tensor named `result`
        // makes a property of a generated member's name, and is suffixed) is not counted.
        Assert.Empty(outcomes.Where(o => o.Build.Harness is null && !o.Build.DiagnosticIds.Any()).Select(o => o.Test.Name));
        Assert.Empty(outcomes.Where(o => o.Test.AllTensors && o.Build.DiagnosticIds.Any(id => id != "TM0005")).Select(o => o.Test.Name));
        Assert.Empty(outcomes.SelectMany(o => o.Build.GeneratorDiagnostics).Where(d => !d.Id.StartsWith("TM", StringComparison.Ordinal)).Select(d => d.ToString()));

        // Typing adds no error: bit for bit the raw API's outputs, wherever both ran (random operators excepted, by their definition).
        Assert.Empty(outcomes.Where(o => o.TypedEqualsRaw == false && !o.Nondeterministic).Select(o => $"{o.Test.Name}: {o.TypedRawDifference}"));

        // The client passes every test the raw API passes.
        Assert.Empty(outcomes.Where(o => o.Raw.Stage == Stage.Passed && o.Typed.Stage != Stage.Passed).Select(o => $"{o.Test.Name}: {o.Typed.Stage} {o.Typed.Reason}"));
        Assert.InRange(outcomes.Count(o => o.Typed.Stage == Stage.Passed), ReferencePasses, int.MaxValue);

        // The compiled backend: its generated code compiles clean too; a model it cannot compile gets TM0011 (or the
        // diagnostic the ONNX Runtime client got); a compiled client passes wherever the raw API passes, and stays
        // within a few ulps of the raw API's outputs (summation order and exp/tanh approximations differ, nothing else).
        Assert.Empty(outcomes.Where(o => o.Compiled.Stage == Stage.NotRun && o.Compiled.Reason.Contains("does not compile")).Select(o => o.Test.Name));
        Assert.Empty(outcomes.Where(o => o.Compiled.Stage == Stage.NotRun && !o.Compiled.Reason.Contains("TM0011") && o.Build.Harness is not null && o.Test.Signature!.Inputs.All(i => i.IsTensor))
            .Select(o => $"{o.Test.Name}: {o.Compiled.Reason}"));
        Assert.Empty(outcomes.Where(o => o.Compiled.Stage is not (Stage.NotRun or Stage.Passed) && o.Raw.Stage == Stage.Passed).Select(o => $"{o.Test.Name}: {o.Compiled.Stage} {o.Compiled.Reason}"));
        // Past the bound only where the compiled value is at least as close to ONNX's expected output as ONNX Runtime's.
        Assert.Empty(outcomes.Where(o => o.CompiledVsRaw is { ScaledUlps: > CompiledUlpBound, CloserToExpected: false }).Select(o => $"{o.Test.Name}: {o.CompiledVsRaw}"));
        Assert.InRange(outcomes.Count(o => o.Compiled.Stage == Stage.Passed), CompiledPasses, int.MaxValue);
    }
}
