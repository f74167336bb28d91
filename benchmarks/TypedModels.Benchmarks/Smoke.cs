using System;
using System.IO;
using System.Linq;
using System.Reflection;
using BenchmarkDotNet.Attributes;

namespace TypedModels.Benchmarks;

/// <summary>
/// CI's quick mode: every benchmark of every class, for every parameter value, set up, called a few times, checked
/// for a finite result and cleaned up; then the latency and build-cost measurements at a small size.
/// </summary>
internal static class Smoke
{
    public static void Run(TextWriter output)
    {
        foreach (var type in new[] { typeof(SeedProtocols), typeof(SileroProtocols) })
        {
            var parameters = type.GetProperties().Where(p => p.GetCustomAttribute<ParamsAttribute>() is not null).ToList();
            var values = parameters.Count == 0 ? [null] : parameters[0].GetCustomAttribute<ParamsAttribute>()!.Values;
            foreach (var value in values)
            {
                var instance = Activator.CreateInstance(type)!;
                if (value is not null)
                    parameters[0].SetValue(instance, value);
                Call<GlobalSetupAttribute>(instance);
                foreach (var method in type.GetMethods().Where(m => m.GetCustomAttribute<BenchmarkAttribute>() is not null))
                {
                    for (int i = 0; i < 3; i++)
                    {
                        float result = (float)method.Invoke(instance, null)!;
                        if (!float.IsFinite(result))
                            throw new InvalidOperationException($"{type.Name}.{method.Name}({value}) returned {result}");
                    }
                    output.WriteLine($"ok {type.Name}.{method.Name}{(value is null ? "" : $" ({parameters[0].Name}={value})")}");
                }
                Call<GlobalCleanupAttribute>(instance);
            }
        }
        foreach (var row in CompiledBackend.Measure([1, 64], TimeSpan.FromMilliseconds(200)))
            output.WriteLine($"ok compiled backend (batch {row.Batch}): {row.CompiledNs:F1} ns, hand-written {row.HandWrittenNs:F1} ns");
        output.WriteLine($"ok crossover: {CompiledBackend.Sweep([1, 64], TimeSpan.FromMilliseconds(100)).Count} cells");
        var fixtures = Fixtures.Measure([1, 2], TimeSpan.FromMilliseconds(5), quick: true);
        Fixtures.Write(new System.Text.StringBuilder(), fixtures);
        foreach (var f in fixtures.Fixtures.Where(f => !(f.MaxDifference < 1e-4)))
            throw new InvalidOperationException($"fixture {f.Spec.Name}: compiled and ONNX Runtime differ by {f.MaxDifference}");
        output.WriteLine($"ok fixtures: {fixtures.Fixtures.Count} fixtures at batch 1 and 2, FMA peak {fixtures.PeakGflops:F1} GFLOP/s ({fixtures.VectorWidth}), {fixtures.Chip}");
        var latency = Latency.Measure(calls: 20_000, block: 1_000);
        output.WriteLine($"ok latency: typed p50 {latency.Typed.P50:F2} µs, raw p50 {latency.Raw.P50:F2} µs");
        var cost = BuildCost.Measure(sizes: [0, 10L << 20], repeats: 3, manyModels: 10);
        output.WriteLine($"ok build cost: {cost.Rows.Count} sizes, {cost.ManyModels.Count} models in {cost.ManyModelsMs:F1} ms");
        var rebuild = BuildCost.MeasureRebuild(repeats: 1);
        output.WriteLine($"ok rebuild: compiled {rebuild.CompiledSeconds:F1} s, ONNX Runtime {rebuild.OnnxRuntimeSeconds:F1} s");
        output.WriteLine("smoke: all benchmarks ran");
    }

    private static void Call<T>(object instance) where T : Attribute
    {
        foreach (var method in instance.GetType().GetMethods().Where(m => m.GetCustomAttribute<T>() is not null))
            method.Invoke(instance, null);
    }
}
