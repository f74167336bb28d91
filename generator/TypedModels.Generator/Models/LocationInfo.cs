using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace TypedModels.Generator.Models;

/// <summary>
/// A location as plain values. Pipeline models must not hold a <see cref="Location"/>: it keeps its syntax tree
/// alive and compares by reference, so every edit would invalidate the cache (adapted from ComputeSharp, MIT).
/// </summary>
internal sealed record LocationInfo(string FilePath, TextSpan Span, LinePositionSpan LineSpan)
{
    public Location ToLocation() => Location.Create(FilePath, Span, LineSpan);

    public static LocationInfo? From(Location? location) =>
        location?.SourceTree is null ? null : new LocationInfo(location.SourceTree.FilePath, location.SourceSpan, location.GetLineSpan().Span);

    public static LocationInfo? From(SyntaxNode? node) => From(node?.GetLocation());

    /// <summary>A line in a file outside the compilation, such as a project file.</summary>
    public static LocationInfo InFile(string filePath, int line, int column, int length) =>
        new(filePath, default, new LinePositionSpan(new LinePosition(line, column), new LinePosition(line, column + length)));
}
