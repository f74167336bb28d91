using System;
using System.Text;

namespace TypedModels.Generator.Helpers;

/// <summary>An indenting text writer with <see cref="Block"/> for braces (after dotnet/runtime's SourceWriter, MIT).</summary>
internal sealed class SourceWriter
{
    private readonly StringBuilder _text = new();
    private int _indent;

    /// <summary>Writes each line of <paramref name="text"/> at the current indentation.</summary>
    public void WriteLine(string text = "")
    {
        foreach (var line in text.Replace("\r\n", "\n").Split('\n'))
        {
            if (line.Length > 0)
                _text.Append(' ', _indent * 4).Append(line);
            _text.Append('\n');
        }
    }

    /// <summary>Writes <paramref name="header"/> and an opening brace; disposing the result closes it.</summary>
    public IDisposable Block(string header, string closing = "}")
    {
        WriteLine(header);
        WriteLine("{");
        _indent++;
        return new Closer(this, closing);
    }

    /// <summary>Writes <paramref name="text"/> as <c>///</c> doc comment lines.</summary>
    public void WriteDoc(string text)
    {
        foreach (var line in text.Replace("\r\n", "\n").Split('\n'))
            WriteLine("/// " + line);
    }

    public override string ToString() => _text.ToString();

    private sealed class Closer(SourceWriter writer, string closing) : IDisposable
    {
        public void Dispose()
        {
            writer._indent--;
            writer.WriteLine(closing);
        }
    }
}
