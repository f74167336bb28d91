using System;
using System.Collections.Generic;
using System.Linq;

namespace TypedModels.Conformance;

/// <summary>How far one path (the generated client, or ONNX Runtime's raw API) got with a test.</summary>
internal enum Stage
{
    /// <summary>Not attempted: the generator gave a diagnostic instead of a client, or the raw harness cannot carry the values.</summary>
    NotRun,

    /// <summary>ONNX Runtime refused to create the session.</summary>
    LoadFailed,

    /// <summary>The session was created but a run failed.</summary>
    RunFailed,

    /// <summary>It ran; the outputs differ from the expected ones beyond ONNX's tolerance.</summary>
    Mismatch,

    /// <summary>It ran and every output matches the expected one.</summary>
    Passed,
}

/// <summary>One path's result: its stage and, short of passing, why.</summary>
internal sealed record PathResult(Stage Stage, string Reason)
{
    public static PathResult NotRun(string reason) => new(Stage.NotRun, reason);

    public bool Ran => Stage is Stage.Mismatch or Stage.Passed;
}

/// <summary>A tensor as a run left it: element bytes (or strings) and shape; or a sequence, its <paramref name="Elements"/>.</summary>
internal sealed record RunOutput(string Name, int DataType, long[] Shape, byte[] Bytes, string[]? Strings, RunOutput[]? Elements = null);

/// <summary>Everything the report says about one test.</summary>
/// <param name="TypedEqualsRaw">Null when both paths did not run; otherwise whether every output the client fetches is bit for bit ONNX Runtime's.</param>
/// <param name="Compiled">The client built with <c>Backend="Compiled"</c>: not run where the graph does not compile (TM0011).</param>
/// <param name="CompiledVsRaw">How far the compiled client's outputs are from the raw API's, where both ran every data set.</param>
/// <param name="Nondeterministic">ONNX Runtime's raw API itself gave different outputs on two runs of the same inputs (random operators without a seed).</param>
internal sealed record TestOutcome(
    BackendTest Test,
    ClientBuild Build,
    PathResult Typed,
    PathResult Raw,
    bool? TypedEqualsRaw,
    string TypedRawDifference,
    bool Nondeterministic,
    IReadOnlyList<string> LeftOut,
    ClientBuild CompiledBuild,
    PathResult Compiled,
    UlpComparison? CompiledVsRaw);

/// <summary>
/// The largest distance between two runs' float outputs, in units in the last place (ulps) of the largest magnitude in
/// the output tensor: a sum's rounding error scales with its terms, not with its result, so a difference of a few
/// ulps of the tensor's largest value is reordered summation, while a wrong kernel is millions of them.
/// <see cref="ElementUlps"/> is the plain elementwise distance, for the record (it is unbounded where terms cancel).
/// </summary>
internal sealed record UlpComparison(double ScaledUlps, long ElementUlps, string Where, bool CloserToExpected = false)
{
    public static readonly UlpComparison Equal = new(0, 0, "");

    public UlpComparison Worse(UlpComparison other) => other.ScaledUlps > ScaledUlps || (other.ScaledUlps == ScaledUlps && other.ElementUlps > ElementUlps) ? other : this;

    /// <summary>
    /// Float and double outputs in ulps of the largest magnitude of the raw API's tensor; every other type (integers,
    /// bool) must be equal, byte for byte.
    /// </summary>
    /// <remarks>
    /// <see cref="CloserToExpected"/> says whether, at the worst element, the compiled value is at least as close to ONNX's
    /// expected output as the raw API's is: then a larger distance is the two runtimes' rounding (a long sum with
    /// cancellation, say), not a wrong kernel.
    /// </remarks>
    public static UlpComparison Of(RunOutput[] outputs, RunOutput[] raw, System.Collections.Generic.IReadOnlyDictionary<string, object>? expected = null)
    {
        var worst = Equal;
        foreach (var output in outputs)
        {
            var other = raw.FirstOrDefault(r => r.Name == output.Name);
            if (other is null || output.DataType != other.DataType || !output.Shape.SequenceEqual(other.Shape))
            {
                worst = worst.Worse(new UlpComparison(double.PositiveInfinity, long.MaxValue, $"output '{output.Name}' is missing or has another type or shape"));
                continue;
            }
            worst = output.DataType switch
            {
                1 => worst.Worse(Compare(output.Name, Floats(output), Floats(other), x => MathF.BitIncrement((float)x) - x, Want(expected, output.Name, 1))),
                11 => worst.Worse(Compare(output.Name, Doubles(output), Doubles(other), x => Math.BitIncrement(x) - x, Want(expected, output.Name, 11))),
                _ => output.Bytes.AsSpan().SequenceEqual(other.Bytes) ? worst
                    : worst.Worse(new UlpComparison(double.PositiveInfinity, long.MaxValue, $"output '{output.Name}' differs from the raw API's (type {output.DataType}, compared exactly)")),
            };
        }
        return worst;
    }

    private static double[]? Want(System.Collections.Generic.IReadOnlyDictionary<string, object>? expected, string name, int dataType) =>
        expected is not null && expected.TryGetValue(name, out var value) && value is TestTensor { } tensor && tensor.DataType == dataType
            ? dataType == 1 ? System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(tensor.Bytes).ToArray().Select(f => (double)f).ToArray()
                : System.Runtime.InteropServices.MemoryMarshal.Cast<byte, double>(tensor.Bytes).ToArray()
            : null;

    private static double[] Floats(RunOutput output) => System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(output.Bytes).ToArray().Select(f => (double)f).ToArray();

    private static double[] Doubles(RunOutput output) => System.Runtime.InteropServices.MemoryMarshal.Cast<byte, double>(output.Bytes).ToArray();

    // Element distances in ulps of the type (ulp: the gap above a magnitude), scaled by the largest magnitude's ulp.
    private static UlpComparison Compare(string name, double[] a, double[] b, Func<double, double> ulpAbove, double[]? want)
    {
        var worst = Equal;
        double largest = 0;
        foreach (double x in b)
            largest = double.IsFinite(x) ? Math.Max(largest, Math.Abs(x)) : largest;
        double ulp = Math.Max(ulpAbove(largest), double.Epsilon);
        for (int i = 0; i < a.Length; i++)
        {
            if (a[i].Equals(b[i]) || (double.IsNaN(a[i]) && double.IsNaN(b[i])))
                continue;
            double scaled = double.IsFinite(a[i]) && double.IsFinite(b[i]) ? Math.Abs(a[i] - b[i]) / ulp : double.PositiveInfinity;
            long steps = (long)Math.Min(long.MaxValue, Math.Abs(a[i] - b[i]) / Math.Max(ulpAbove(Math.Min(Math.Abs(a[i]), Math.Abs(b[i]))), double.Epsilon));
            bool closer = want is not null && i < want.Length && Math.Abs(a[i] - want[i]) <= Math.Abs(b[i] - want[i]);
            worst = worst.Worse(new UlpComparison(scaled, steps, $"output '{name}'[{i}]: {a[i]:R} against {b[i]:R}" +
                (want is not null && i < want.Length ? $" (expected {want[i]:R})" : ""), closer));
        }
        return worst;
    }
}
