using System.IO;
using static TypedModels.Generator.Tests.TestHelpers;

namespace TypedModels.Generator.Tests;

/// <summary>CI's benchmark smoke run: every benchmark set up, called and cleaned up, in the benchmarks' own process.</summary>
public class BenchmarkSmokeTests
{
    [Fact]
    public void Every_benchmark_runs()
    {
        string program = Path.Combine(RepoRoot, "benchmarks", "TypedModels.Benchmarks", "bin", Configuration, "net10.0", "TypedModels.Benchmarks.dll");
        var (exitCode, output) = Dotnet(RepoRoot, program, "--smoke");

        Assert.True(exitCode == 0, output);
        Assert.Contains("ok SeedProtocols.Typed (Batch=1024)", output);
        Assert.Contains("ok SeedProtocols.MlNetPredictionEngine (Batch=1)", output);
        Assert.Contains("ok SileroProtocols.Typed", output);
        Assert.Contains("ok fixtures: 6 fixtures", output);
        Assert.Contains("smoke: all benchmarks ran", output);
    }
}
