using System.IO;
using System.Linq;
using System.Reflection;
using Microsoft.CodeAnalysis;
using TypedModels.Generator.Diagnostics;
using static TypedModels.Generator.Tests.TestHelpers;

namespace TypedModels.Generator.Tests;

/// <summary>
/// The docs say what the code says: every descriptor links to its row in docs/diagnostics.md, the registry, the README
/// and the release file list the same IDs, and the README lists the compiled backend's ops as the planner has them.
/// </summary>
public class DiagnosticsRegistryTests
{
    private static readonly DiagnosticDescriptor[] Descriptors = typeof(DiagnosticDescriptors)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Where(f => f.FieldType == typeof(DiagnosticDescriptor))
        .Select(f => (DiagnosticDescriptor)f.GetValue(null)!)
        .OrderBy(d => d.Id)
        .ToArray();

    [Fact]
    public void Each_descriptor_links_to_its_anchor_in_the_registry()
    {
        string registry = File.ReadAllText(Path.Combine(RepoRoot, "docs", "diagnostics.md"));
        Assert.NotEmpty(Descriptors);
        foreach (var descriptor in Descriptors)
        {
            string anchor = descriptor.Id.ToLowerInvariant();
            Assert.Equal(DiagnosticDescriptors.HelpLinkBase + "#" + anchor, descriptor.HelpLinkUri);
            Assert.Contains($"| <a id=\"{anchor}\"></a>{descriptor.Id} | {descriptor.DefaultSeverity} |", registry);
        }
    }

    [Fact]
    public void The_readme_and_the_release_file_list_each_id_with_its_severity()
    {
        string readme = File.ReadAllText(Path.Combine(RepoRoot, "README.md"));
        string releases = File.ReadAllText(Path.Combine(RepoRoot, "generator", "TypedModels.Generator", "AnalyzerReleases.Unshipped.md"));
        foreach (var descriptor in Descriptors)
        {
            Assert.Contains($"| {descriptor.Id} | {descriptor.DefaultSeverity} |", readme);
            Assert.Contains($"{descriptor.Id} | TypedModels | {descriptor.DefaultSeverity} |", releases);
        }
    }

    [Fact]
    public void The_readme_lists_the_compiled_ops_the_planner_runs()
    {
        string readme = File.ReadAllText(Path.Combine(RepoRoot, "README.md"));
        int start = readme.IndexOf("* What compiles:", System.StringComparison.Ordinal);
        string bullet = readme[start..readme.IndexOf("shapes must be known", start, System.StringComparison.Ordinal)];
        var listed = System.Text.RegularExpressions.Regex.Matches(bullet, "`([A-Z][A-Za-z0-9]+)`").Select(m => m.Groups[1].Value).Order();
        Assert.Equal(TypedModels.Generator.Compiled.OpRegistry.Supported.Order(), listed);
    }
}
