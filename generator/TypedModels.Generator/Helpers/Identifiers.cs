using System.Collections.Generic;
using System.Text;
using Microsoft.CodeAnalysis.CSharp;

namespace TypedModels.Generator.Helpers;

/// <summary>Turns ONNX names (<c>dense_1/kernel</c>, <c>input:0</c>, <c>53</c>) into C# identifiers.</summary>
internal static class Identifiers
{
    /// <summary><c>dense_1/bias</c> → <c>Dense1Bias</c>; a leading digit gets a <c>T</c> prefix.</summary>
    public static string Pascal(string name)
    {
        var text = new StringBuilder();
        foreach (var word in Words(name))
            text.Append(char.ToUpperInvariant(word[0])).Append(word, 1, word.Length - 1);
        if (text.Length == 0 || char.IsDigit(text[0]))
            text.Insert(0, 'T');
        return text.ToString();
    }

    /// <summary><c>dense_1/bias</c> → <c>dense1Bias</c>; C# keywords are escaped (<c>@class</c>).</summary>
    public static string Camel(string name)
    {
        var pascal = Pascal(name);
        var camel = char.ToLowerInvariant(pascal[0]) + pascal.Substring(1);
        return SyntaxFacts.GetKeywordKind(camel) != SyntaxKind.None || SyntaxFacts.GetContextualKeywordKind(camel) == SyntaxKind.VarKeyword
            ? "@" + camel
            : camel;
    }

    /// <summary>Makes <paramref name="identifier"/> unique against <paramref name="taken"/> by a numeric suffix, and takes it.</summary>
    public static string Unique(string identifier, HashSet<string> taken)
    {
        string candidate = identifier;
        for (int i = 2; !taken.Add(candidate.TrimStart('@')); i++)
            candidate = identifier + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return candidate;
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
}
