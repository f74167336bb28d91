using System;
using System.IO;
using System.Text;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

namespace TypedModels.Build;

/// <summary>
/// Writes the signature file of each model (<c>TypedModels_SignatureFile</c> metadata). A model that is missing,
/// unreadable or not ONNX does not fail this step: its signature file records the error, and the compiler reports
/// it as a diagnostic located on the item, which is where the user has to act.
/// </summary>
public sealed class ReadModelSignatures : Task
{
    [Required]
    public ITaskItem[] Models { get; set; } = Array.Empty<ITaskItem>();

    public override bool Execute()
    {
        foreach (var model in Models)
        {
            string path = model.GetMetadata("FullPath");
            string signatureFile = model.GetMetadata("TypedModels_SignatureFile");
            string text = SignatureFor(path, GraphLimit(model));
            Directory.CreateDirectory(Path.GetDirectoryName(signatureFile)!);
            WriteIfChanged(signatureFile, text);
            Log.LogMessage(MessageImportance.Low, "TypedModels: read the signature of {0} into {1}", path, signatureFile);
        }
        return true;
    }

    /// <summary>The default of <c>CompiledWeightLimit</c>: 1 MiB of graph and weights.</summary>
    public const long DefaultGraphLimit = 1L << 20;

    /// <summary>
    /// How many bytes of graph and weights to read for <paramref name="model"/>: none (null) unless its backend may be
    /// compiled. A malformed setting reads with the default; the compiler reports the setting itself (TM0013).
    /// </summary>
    internal static long? GraphLimit(ITaskItem model)
    {
        string backend = model.GetMetadata("Backend").Trim();
        if (!string.Equals(backend, "Compiled", StringComparison.OrdinalIgnoreCase) && !string.Equals(backend, "Auto", StringComparison.OrdinalIgnoreCase))
            return null;
        return long.TryParse(model.GetMetadata("CompiledWeightLimit").Trim(), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out long limit)
            ? limit
            : DefaultGraphLimit;
    }

    /// <summary>
    /// The signature file's text for the model at <paramref name="path"/>, with its graph when <paramref name="graphLimit"/>
    /// is set; never throws.
    /// </summary>
    internal static string SignatureFor(string path, long? graphLimit = null)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: graphLimit is null ? 512 : 4096);
            return SignatureText.Write(OnnxSignatureReader.Read(stream, graphLimit));
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return SignatureText.WriteError(new SignatureError(SignatureErrorKind.Missing, "the file does not exist"));
        }
        catch (InvalidDataException e)
        {
            return SignatureText.WriteError(new SignatureError(SignatureErrorKind.NotOnnx, e.Message));
        }
        catch (Exception e)
        {
            return SignatureText.WriteError(new SignatureError(SignatureErrorKind.Unreadable, e.Message));
        }
    }

    // Rewriting identical text would still touch the file; keeping its content means a weights-only change
    // produces a byte-identical signature, and the generator's cached output is reused.
    private static void WriteIfChanged(string file, string text)
    {
        if (File.Exists(file) && File.ReadAllText(file, Encoding.UTF8) == text)
        {
            // Touch it so MSBuild sees the output newer than the model and skips this step next time.
            File.SetLastWriteTimeUtc(file, DateTime.UtcNow);
            return;
        }
        File.WriteAllText(file, text, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
    }
}
