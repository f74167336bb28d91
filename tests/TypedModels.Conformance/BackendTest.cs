extern alias buildstep;

using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using ModelSignature = buildstep::TypedModels.ModelSignature;

namespace TypedModels.Conformance;

/// <summary>One test of ONNX's backend suite: a model, its signature as the build step reads it, and its data sets.</summary>
internal sealed record BackendTest(string Name, string Model, string SignatureText, ModelSignature? Signature, IReadOnlyList<DataSet> DataSets)
{
    /// <summary>The suite, read-only beside the repository (see its README).</summary>
    public static string SuiteRoot => Path.GetFullPath(Path.Combine(Testing.Repository.Root, "..", "shared", "onnx-backend-tests"));

    /// <summary>The signature file of a <c>Backend="Compiled"</c> item: the signature with the graph, up to the default weight limit.</summary>
    public string GraphSignatureText => buildstep::TypedModels.Build.ReadModelSignatures.SignatureFor(Model, buildstep::TypedModels.Build.ReadModelSignatures.DefaultGraphLimit);

    /// <summary>True when every input and output is a tensor (of any element type): the tests the targets speak of.</summary>
    public bool AllTensors => Signature is { } s && s.Inputs.Concat(s.Outputs).All(t => t.IsTensor);

    /// <summary>Every test under <c>node/</c> and <c>simple/</c>, in name order, with its signature read as a build reads it.</summary>
    public static IReadOnlyList<BackendTest> Discover() => Discover(SuiteRoot);

    /// <summary>As <see cref="Discover()"/>, from <paramref name="root"/>; a missing suite says where it comes from.</summary>
    public static IReadOnlyList<BackendTest> Discover(string root)
    {
        if (!Directory.Exists(root))
            throw new DirectoryNotFoundException(
                $"ONNX's backend tests are expected at {root} (../shared/onnx-backend-tests from the repository): copy " +
                "onnx/backend/test/data/node and onnx/backend/test/data/simple from ONNX's repository (github.com/onnx/onnx, commit 6be0677) " +
                "into node/ and simple/ there, or run the other test projects alone.");
        var tests = new List<BackendTest>();
        foreach (string group in new[] { "node", "simple" })
        {
            foreach (string folder in Directory.GetDirectories(Path.Combine(root, group)).OrderBy(f => f, StringComparer.Ordinal))
            {
                string model = Path.Combine(folder, "model.onnx");
                if (!File.Exists(model))
                    continue;
                string text = buildstep::TypedModels.Build.ReadModelSignatures.SignatureFor(model);
                buildstep::TypedModels.SignatureText.TryRead(text, out var signature, out _);
                var sets = Directory.GetDirectories(folder, "test_data_set_*")
                    .OrderBy(d => int.Parse(d[(d.LastIndexOf('_') + 1)..], System.Globalization.CultureInfo.InvariantCulture))
                    .Select(d => new DataSet(Files(d, "input_"), Files(d, "output_")))
                    .ToList();
                tests.Add(new BackendTest(group + "/" + Path.GetFileName(folder), model, text, signature, sets));
            }
        }
        return tests;
    }

    private static string[] Files(string folder, string prefix) =>
        Directory.GetFiles(folder, prefix + "*.pb")
            .OrderBy(f => int.Parse(Path.GetFileNameWithoutExtension(f)[prefix.Length..], System.Globalization.CultureInfo.InvariantCulture))
            .ToArray();
}

/// <summary>One <c>test_data_set_N</c>: input and output files in the graph's order.</summary>
internal sealed record DataSet(string[] Inputs, string[] Outputs);
