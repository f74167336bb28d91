using System;
using System.IO;
using System.Linq;
using TypedModels.Benchmarks;

// dotnet run -c Release --project benchmarks/TypedModels.Benchmarks            full run: writes benchmarks/RESULTS.md
// dotnet run -c Release --project benchmarks/TypedModels.Benchmarks -- --smoke every benchmark a few times, no file
// dotnet run -c Release --project benchmarks/TypedModels.Benchmarks -- --fixtures issue 19's fixture table alone (a few minutes), printed
//                                                                   -- --fixtures lstm64,mobile  those fixtures only
bool smoke = args.Contains("--smoke");
if (args.Contains("--fixtures"))
{
    var table = new System.Text.StringBuilder();
    int at = Array.IndexOf(args, "--fixtures");
    string[] only = at + 1 < args.Length && !args[at + 1].StartsWith("--", StringComparison.Ordinal) ? args[at + 1].Split(',') : [];
    Fixtures.Write(table, Fixtures.Measure([1, 16, 256], TimeSpan.FromSeconds(3), Console.Error, only: only));
    Console.WriteLine(table);
    return;
}
if (args.Contains("--compiled"))
{
    // The compiled backend's comparison alone (a minute), printed: for iterating on its kernels.
    foreach (var row in CompiledBackend.Measure([1, 64, 1024], TimeSpan.FromSeconds(5)))
        Console.WriteLine($"batch {row.Batch}: compiled {row.CompiledNs:F1} ns, hand-written {row.HandWrittenNs:F1} ns, floor {row.FloorNs:F1} ns, ONNX Runtime client {row.OnnxClientNs:F1} ns; " +
            $"compiled ÷ hand-written {row.CompiledNs / row.HandWrittenNs:F2} (MatMul + Add form {row.CompiledMatMulNs / row.HandWrittenNs:F2}), floor ÷ compiled {row.FloorNs / row.CompiledNs:F2}");
    foreach (var row in CompiledBackend.Sweep([1, 16, 64, 256, 1024, 4096, 16384], TimeSpan.FromSeconds(2)))
        Console.WriteLine($"{row.Model} batch {row.Batch}: compiled {row.CompiledNs:F1} ns, ONNX Runtime {row.OnnxNs:F1} ns, ONNX Runtime ÷ compiled {row.OnnxNs / row.CompiledNs:F2}");
    return;
}
if (smoke)
{
    Smoke.Run(Console.Out);
    return;
}
string results = Path.Combine(Results.RepoRoot, "benchmarks", "RESULTS.md");
File.WriteAllText(results, Results.Measure(Console.Out));
Console.WriteLine($"wrote {results}");
