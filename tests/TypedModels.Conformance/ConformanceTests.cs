using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using Xunit.Abstractions;

namespace TypedModels.Conformance;

public sealed class ConformanceTests(ITestOutputHelper output)
{
    [Fact]
    public void BackendSuiteThroughGeneratedClients()
    {
        var clock = Stopwatch.StartNew();
        var tests = BackendTest.Discover();
        var builds = GeneratedClients.Build(tests);
        var generated = clock.Elapsed;
        var outcomes = ConformanceRun.Run(tests, builds);
        output.WriteLine($"{tests.Count} tests; generated and compiled in {generated.TotalSeconds:F1} s, ran in {(clock.Elapsed - generated).TotalSeconds:F1} s");
        File.WriteAllText("/tmp/conformance.tsv", string.Join("\n", outcomes.Select(o =>
            $"{o.Test.Name}\t{string.Join(",", o.Build.DiagnosticIds)}\t{o.Build.CompilerProblems.Count}\t{o.Typed.Stage}\t{o.Typed.Reason}\t{o.Raw.Stage}\t{o.Raw.Reason}\t{o.TypedEqualsRaw}\t{o.TypedRawDifference}\t{o.Nondeterministic}\t{o.Test.SignatureText.Replace("\n", " ¶ ")}")));
    }
}
