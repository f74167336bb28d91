using System;
using System.Linq;

namespace TypedModels.Conformance;

/// <summary>ONNX's own comparison: <c>rtol=1e-3, atol=1e-7</c> for floating point (NaN equals NaN); everything else exactly; shapes must match.</summary>
internal static class Tolerance
{
    public const double Relative = 1e-3, Absolute = 1e-7;

    public static string? Compare(RunOutput actual, object expected)
    {
        if (expected is TestTensor[] sequence)
        {
            if (actual.Elements is null || actual.Elements.Length != sequence.Length)
                return $"{actual.Elements?.Length.ToString() ?? "no"} tensors in the sequence, expected {sequence.Length}";
            return actual.Elements.Zip(sequence).Select((pair, j) => Compare(pair.First, pair.Second) is { } reason ? $"tensor {j}: {reason}" : null).FirstOrDefault(r => r is not null);
        }
        return Compare(actual, (TestTensor)expected);
    }

    private static string? Compare(RunOutput actual, TestTensor expected)
    {
        if (!actual.Shape.SequenceEqual(expected.Shape))
            return $"shape [{string.Join(",", actual.Shape)}], expected [{string.Join(",", expected.Shape)}]";
        if (actual.DataType != expected.DataType)
            return $"element type {actual.DataType}, expected {expected.DataType}";
        if (expected.IsString)
            return actual.Strings!.SequenceEqual(expected.Strings!) ? null : "strings differ";
        if (actual.Bytes.Length != expected.Bytes.Length)
            return $"{actual.Bytes.Length} bytes, expected {expected.Bytes.Length}";
        if (!expected.IsReal)
            return actual.Bytes.AsSpan().SequenceEqual(expected.Bytes) ? null : "values differ";

        var got = new TestTensor(actual.Name, actual.DataType, actual.Shape, actual.Bytes, null);
        int count = (int)expected.Count, bad = 0, first = -1;
        for (int i = 0; i < count; i++)
        {
            double a = got.Real(i), e = expected.Real(i);
            // As numpy.isclose: NaN equals NaN (equal_nan), an infinity only itself (inf ≤ atol + rtol·inf would pass anything).
            bool close = (double.IsNaN(a) && double.IsNaN(e)) || a == e
                || (double.IsFinite(a) && double.IsFinite(e) && Math.Abs(a - e) <= Absolute + Relative * Math.Abs(e));
            if (!close && bad++ == 0)
                first = i;
        }
        return bad == 0 ? null : $"{bad} of {count} values beyond tolerance (first at {first}: {got.Real(first)} vs {expected.Real(first)})";
    }
}
