using System;
using System.IO;
using System.Linq;
using TypedModels.Benchmarks;

// dotnet run -c Release --project benchmarks/TypedModels.Benchmarks            full run: writes benchmarks/RESULTS.md
// dotnet run -c Release --project benchmarks/TypedModels.Benchmarks -- --smoke every benchmark a few times, no file
bool smoke = args.Contains("--smoke");
if (smoke)
{
    Smoke.Run(Console.Out);
    return;
}
string results = Path.Combine(Results.RepoRoot, "benchmarks", "RESULTS.md");
File.WriteAllText(results, Results.Measure(Console.Out));
Console.WriteLine($"wrote {results}");
