using System;
using System.IO;
using System.Text;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

namespace TypedModels.Build;

/// <summary>
/// Gives each <c>&lt;TypedModel&gt;</c> item the metadata the rest of the build needs: where its signature file
/// goes, its path in the output directory, and where the item is written in the project file (so the compiler
/// can point its diagnostics at that line). Cheap: it reads no model, only the small project file.
/// </summary>
public sealed class ResolveTypedModels : Task
{
    [Required]
    public ITaskItem[] Models { get; set; } = Array.Empty<ITaskItem>();

    [Required]
    public string ProjectDirectory { get; set; } = "";

    /// <summary>The folder, under the intermediate output path, that receives the signature files.</summary>
    [Required]
    public string SignatureDirectory { get; set; } = "";

    [Output]
    public ITaskItem[] Resolved { get; private set; } = Array.Empty<ITaskItem>();

    public override bool Execute()
    {
        Resolved = new ITaskItem[Models.Length];
        for (int i = 0; i < Models.Length; i++)
        {
            var model = Models[i];
            var item = new TaskItem(model);
            string fullPath = model.GetMetadata("FullPath");
            string targetPath = TargetPath(ProjectDirectory, fullPath);
            item.SetMetadata("TypedModels_Link", targetPath);
            // Items of one file with and without a graph (two backends) need two signature files.
            string graph = ReadModelSignatures.GraphLimit(model) is { } limit ? "|graph " + limit.ToString(System.Globalization.CultureInfo.InvariantCulture) : "";
            item.SetMetadata("TypedModels_SignatureFile", Path.Combine(SignatureDirectory,
                Path.GetFileNameWithoutExtension(fullPath) + "." + StableHash(fullPath + graph) + ".signature.txt"));

            // Values reach the compiler through a generated .editorconfig, where '#' and ';' start comments:
            // everything that may hold them is percent-encoded, and the generator decodes it.
            item.SetMetadata("TypedModels_ModelPath", Encode(model.ItemSpec.Replace('\\', '/')));
            item.SetMetadata("TypedModels_TargetPath", Encode(targetPath));
            item.SetMetadata("TypedModels_ClassName", Encode(model.GetMetadata("ClassName").Trim()));
            item.SetMetadata("TypedModels_Namespace", Encode(model.GetMetadata("Namespace").Trim()));
            item.SetMetadata("TypedModels_Embed", string.Equals(model.GetMetadata("EmbedModel").Trim(), "true", StringComparison.OrdinalIgnoreCase) ? "true" : "false");
            item.SetMetadata("TypedModels_Backend", Encode(model.GetMetadata("Backend").Trim()));
            item.SetMetadata("TypedModels_CompiledWeightLimit", Encode(model.GetMetadata("CompiledWeightLimit").Trim()));
            var outputs = model.GetMetadata("Outputs").Split(new[] { ';', ',' }, StringSplitOptions.RemoveEmptyEntries);
            item.SetMetadata("TypedModels_Outputs", string.Join(",", Array.ConvertAll(outputs, o => Encode(o.Trim()))));
            // Only ';' separates Names entries: an ONNX name may hold commas, quotes and '=' (the last '=' splits an entry).
            var names = model.GetMetadata("Names").Split(new[] { ';' }, StringSplitOptions.RemoveEmptyEntries);
            item.SetMetadata("TypedModels_Names", string.Join(",", Array.ConvertAll(names, n => Encode(n.Trim()))));

            string project = model.GetMetadata("DefiningProjectFullPath");
            var (line, column, length) = ItemLocator.Find(project, model.ItemSpec);
            item.SetMetadata("TypedModels_ItemFile", Encode(project));
            item.SetMetadata("TypedModels_ItemLine", line.ToString(System.Globalization.CultureInfo.InvariantCulture));
            item.SetMetadata("TypedModels_ItemColumn", column.ToString(System.Globalization.CultureInfo.InvariantCulture));
            item.SetMetadata("TypedModels_ItemLength", length.ToString(System.Globalization.CultureInfo.InvariantCulture));
            Resolved[i] = item;
        }
        return true;
    }

    /// <summary>The model's path under the output directory: its path in the project, or its file name when it lives outside.</summary>
    internal static string TargetPath(string projectDirectory, string fullPath)
    {
        string root = Path.GetFullPath(projectDirectory).TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar) + Path.DirectorySeparatorChar;
        return fullPath.StartsWith(root, StringComparison.Ordinal)
            ? fullPath.Substring(root.Length).Replace('\\', '/')
            : Path.GetFileName(fullPath);
    }

    // MSBuild reads '%xx' in metadata as its own escapes, so the '%' of the encoding is escaped once more.
    private static string Encode(string value) => Uri.EscapeDataString(value).Replace("%", "%25");

    /// <summary>FNV-1a of the path: keeps signature files of same-named models apart, identical from build to build.</summary>
    internal static string StableHash(string text)
    {
        uint hash = 2166136261;
        foreach (byte b in Encoding.UTF8.GetBytes(text))
            hash = (hash ^ b) * 16777619;
        return hash.ToString("x8", System.Globalization.CultureInfo.InvariantCulture);
    }
}
