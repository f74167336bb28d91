using System;
using System.IO;
using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;

namespace TypedModels.Generator.Tests;

/// <summary>
/// Verify-style snapshots: the expected text lives in <c>Snapshots/{name}.verified.cs</c>, committed. A mismatch, or a
/// missing file, writes <c>{name}.received.cs</c> beside it and fails; nothing is ever accepted or created silently.
/// To accept a change, review the received file and rename it to <c>.verified.cs</c>.
/// </summary>
internal static class Snapshot
{
    public static void Verify(string actual, string name, [CallerFilePath] string callerPath = "")
    {
        actual = Scrub(actual);
        string folder = Path.Combine(Path.GetDirectoryName(callerPath)!, "Snapshots");
        string verified = Path.Combine(folder, name + ".verified.cs");
        string received = Path.Combine(folder, name + ".received.cs");
        string? expected = File.Exists(verified) ? File.ReadAllText(verified).Replace("\r\n", "\n") : null;
        if (expected == actual)
        {
            File.Delete(received);
            return;
        }
        Directory.CreateDirectory(folder);
        File.WriteAllText(received, actual);
        Assert.Fail(expected is null
            ? $"No snapshot {verified}. Review {received} and rename it to .verified.cs to accept it."
            : $"The generated source differs from {verified}. Compare with {received}; rename it to accept the change.\n{FirstDifference(expected, actual)}");
    }

    // The generator's version changes with every release; the snapshot should not.
    private static string Scrub(string text) =>
        Regex.Replace(text.Replace("\r\n", "\n"), "GeneratedCode\\(\"TypedModels.Generator\", \"[^\"]+\"\\)", "GeneratedCode(\"TypedModels.Generator\", \"{version}\")");

    private static string FirstDifference(string expected, string actual)
    {
        var e = expected.Split('\n');
        var a = actual.Split('\n');
        for (int i = 0; i < Math.Max(e.Length, a.Length); i++)
        {
            string el = i < e.Length ? e[i] : "<end>", al = i < a.Length ? a[i] : "<end>";
            if (el != al)
                return $"line {i + 1}:\n  expected: {el}\n  actual:   {al}";
        }
        return "";
    }
}
