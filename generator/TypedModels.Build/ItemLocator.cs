using System;
using System.IO;

namespace TypedModels.Build;

/// <summary>Finds where a <c>&lt;TypedModel Include="…"&gt;</c> item is written in its project file.</summary>
internal static class ItemLocator
{
    /// <summary>
    /// Returns the zero-based line and column of the <c>Include</c> value that names <paramref name="itemSpec"/>, and its
    /// length; falls back to the first <c>&lt;TypedModel</c> element, then to the top of the file (0, 0, 0).
    /// </summary>
    public static (int Line, int Column, int Length) Find(string projectFile, string itemSpec)
    {
        string[] lines;
        try
        {
            lines = File.ReadAllLines(projectFile);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            return (0, 0, 0);
        }

        (int, int, int)? element = null;
        for (int i = 0; i < lines.Length; i++)
        {
            int tag = lines[i].IndexOf("<TypedModel", StringComparison.Ordinal);
            if (tag < 0)
                continue;
            foreach (var quote in new[] { '"', '\'' })
            {
                string value = "Include=" + quote + itemSpec + quote;
                int at = lines[i].IndexOf(value, tag, StringComparison.OrdinalIgnoreCase);
                if (at >= 0)
                    return (i, at + "Include=".Length + 1, itemSpec.Length);
            }
            element ??= (i, tag + 1, "TypedModel".Length);
        }
        return element ?? (0, 0, 0);
    }
}
