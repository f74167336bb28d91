using System.Collections.Generic;
using System.Globalization;
using System.Text;
using Microsoft.CodeAnalysis.CSharp;

namespace TypedModels.Generator.Helpers;

/// <summary>
/// Turns ONNX names (<c>onnx::Flatten_0</c>, <c>x.1</c>, <c>53</c>, <c>input:0</c>, JSON) into readable C# identifiers:
/// the letters and digits of the name, as words, in Pascal or camel case.
/// </summary>
internal static class Identifiers
{
    // Longer names (whole JSON strings, say) are cut and keep a hash of the full name, so they stay distinct.
    private const int MaxLength = 48;

    /// <summary><c>dense_1/bias</c> → <c>Dense1Bias</c>; a name with no letter in front gets <paramref name="prefix"/> (<c>53</c> → <c>Output53</c>).</summary>
    public static string Pascal(string name, string prefix)
    {
        var text = new StringBuilder();
        foreach (var word in Words(name))
            text.Append(char.ToUpperInvariant(word[0])).Append(word, 1, word.Length - 1);
        if (text.Length == 0 || !char.IsLetter(text[0]))
            text.Insert(0, prefix);
        if (text.Length <= MaxLength)
            return text.ToString();
        text.Length = MaxLength - 9;
        return text + "_" + Hash(name);
    }

    /// <summary><c>dense_1/bias</c> → <c>dense1Bias</c>; C# keywords are escaped (<c>@class</c>).</summary>
    public static string Camel(string name, string prefix)
    {
        var pascal = Pascal(name, prefix);
        return Escape(char.ToLowerInvariant(pascal[0]) + pascal.Substring(1));
    }

    /// <summary><paramref name="identifier"/> with a <c>@</c> when it is a C# keyword.</summary>
    public static string Escape(string identifier) =>
        SyntaxFacts.GetKeywordKind(identifier) != SyntaxKind.None ? "@" + identifier : identifier;

    /// <summary>Makes <paramref name="identifier"/> unique against <paramref name="taken"/> by a numeric suffix, and takes it.</summary>
    public static string Unique(string identifier, HashSet<string> taken)
    {
        string bare = identifier.TrimStart('@');
        string candidate = bare;
        for (int i = 2; !taken.Add(candidate); i++)
            candidate = bare + i.ToString(CultureInfo.InvariantCulture);
        return candidate == bare ? identifier : candidate;
    }

    private static IEnumerable<string> Words(string name)
    {
        var word = new StringBuilder();
        foreach (char c in name)
        {
            if (char.IsLetterOrDigit(c))
            {
                word.Append(c);
            }
            else if (word.Length > 0)
            {
                yield return word.ToString();
                word.Clear();
            }
        }
        if (word.Length > 0)
            yield return word.ToString();
    }

    private static string Hash(string text)
    {
        uint hash = 2166136261;
        foreach (char c in text)
            hash = (hash ^ c) * 16777619;
        return hash.ToString("x8", CultureInfo.InvariantCulture);
    }
}
