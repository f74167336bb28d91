extern alias buildstep;

using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using Microsoft.CodeAnalysis;
using TypedModels.SeedModel;
using Xunit.Abstractions;
using static TypedModels.Generator.Tests.TestHelpers;
using Reader = buildstep::TypedModels.Build.OnnxSignatureReader;
using Text = buildstep::TypedModels.SignatureText;

namespace TypedModels.Generator.Tests;

/// <summary>
/// Mutated real models (bytes flipped, truncated, spliced, absurd varints, inserted garbage) through the build
/// step's reader and the generator: each ends in a signature or a diagnostic, never an exception or a hang.
/// </summary>
public class FuzzTests(ITestOutputHelper output)
{
    private const int Cases = 10_000;

    [Fact]
    public void Ten_thousand_mutated_models_end_in_a_signature_or_a_diagnostic()
    {
        var seeds = new List<byte[]> { File.ReadAllBytes(SeedModelPath) };
        seeds.AddRange(FixtureModels.All.Keys.Select(FixtureModels.Write));
        var random = new Random(20261125);
        var watch = Stopwatch.StartNew();

        var compilation = Compilation();
        var first = Item(SeedSignature);
        var driver = Driver(first).RunGenerators(compilation);
        var current = first.Text;
        // Every other case reads the graph too and compiles it (Backend="Compiled"): the planner meets the same mutations.
        var firstCompiled = Item(SeedGraphSignature, backend: "Compiled");
        var compiledDriver = Driver(firstCompiled).RunGenerators(compilation);
        var currentCompiled = firstCompiled.Text;
        int signatures = 0, refused = 0, generated = 0, compiled = 0, nextCompile = 0;
        var ids = new SortedSet<string>();

        for (int i = 0; i < Cases; i++)
        {
            byte[] bytes = Mutate(seeds[random.Next(seeds.Count)], seeds[random.Next(seeds.Count)], random);
            bool graph = i % 2 == 1;
            string text;
            try
            {
                text = Text.Write(Reader.Read(new MemoryStream(bytes), graph ? 1 << 20 : null));
                signatures++;
            }
            catch (InvalidDataException e)
            {
                text = Text.WriteError(new buildstep::TypedModels.SignatureError(buildstep::TypedModels.SignatureErrorKind.NotOnnx, e.Message));
                refused++;
            }

            var next = Item(text).Text;
            GeneratorRunResult result;
            if (graph)
            {
                compiledDriver = compiledDriver.ReplaceAdditionalText(currentCompiled, next).RunGenerators(compilation);
                currentCompiled = next;
                result = compiledDriver.GetRunResult().Results.Single();
            }
            else
            {
                driver = driver.ReplaceAdditionalText(current, next).RunGenerators(compilation);
                current = next;
                result = driver.GetRunResult().Results.Single();
            }
            Assert.True(result.Exception is null, $"case {i}: {result.Exception}");
            Assert.All(result.Diagnostics, d => Assert.StartsWith("TM", d.Id));
            Assert.All(result.Diagnostics, d => Assert.DoesNotContain("planner failed", d.GetMessage()));
            ids.UnionWith(result.Diagnostics.Select(d => d.Id));
            generated += result.GeneratedSources.Length;

            // Compiling every output would take minutes; one in each window of 250 cases shows the code stays valid C#.
            if (i >= nextCompile && result.GeneratedSources.Length > 0)
            {
                AssertCompiles(compilation.AddSyntaxTrees(result.GeneratedSources.Select(s => s.SyntaxTree)));
                compiled++;
                nextCompile = i + 250;
            }
        }

        output.WriteLine($"{Cases} cases in {watch.Elapsed.TotalSeconds:F1} s: {signatures} read, {refused} refused; " +
            $"{generated} clients generated, {compiled} compiled; diagnostics seen: {string.Join(", ", ids)}");
        Assert.True(signatures > 100 && refused > 100, "the mutations should produce both readable and unreadable models");
        Assert.InRange(watch.Elapsed.TotalSeconds, 0, 120);
    }

    private static byte[] Mutate(byte[] model, byte[] other, Random random)
    {
        var bytes = model.ToList();
        switch (random.Next(6))
        {
            case 0: // flip a few bytes
                for (int n = random.Next(1, 9); n > 0; n--)
                    bytes[random.Next(bytes.Count)] ^= (byte)random.Next(1, 256);
                break;
            case 1: // truncate
                int keep = random.Next(bytes.Count);
                bytes.RemoveRange(keep, bytes.Count - keep);
                break;
            case 2: // splice another model's tail onto this one's head
                int cut = random.Next(bytes.Count), from = random.Next(other.Length);
                bytes = bytes.Take(cut).Concat(other.Skip(from)).ToList();
                break;
            case 3: // an absurd varint: a run of continuation bytes
                bytes.InsertRange(random.Next(bytes.Count), Enumerable.Repeat((byte)0xFF, random.Next(1, 16)));
                break;
            case 4: // random garbage inserted
                var garbage = new byte[random.Next(1, 32)];
                random.NextBytes(garbage);
                bytes.InsertRange(random.Next(bytes.Count), garbage);
                break;
            default: // a huge declared length where a length was
                int at = random.Next(bytes.Count);
                bytes.InsertRange(at, [0x0A, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F]);
                break;
        }
        return bytes.ToArray();
    }
}
