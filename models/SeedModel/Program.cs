using System;
using System.IO;
using TypedModels.SeedModel;

// Usage: dotnet run --project models/SeedModel [-- <models folder>]   (default: models)
// Writes number.onnx (the seed's model, trained here) and the fixture models under fixtures/.
string folder = args.Length > 0 ? args[0] : "models";
var weights = SeedModelTrainer.Train();
File.WriteAllBytes(Path.Combine(folder, "number.onnx"), SeedModelWriter.Write(weights));
Directory.CreateDirectory(Path.Combine(folder, "fixtures"));
foreach (var name in FixtureModels.All.Keys)
    File.WriteAllBytes(Path.Combine(folder, "fixtures", name), FixtureModels.Write(name));

Span<float> hidden = stackalloc float[SeedWeights.Hidden];
Console.WriteLine($"wrote {folder}/number.onnx and {FixtureModels.All.Count} fixtures; the seed model predicts:");
for (int n = 100; n < 110; n++)
    Console.WriteLine($"  {n} -> {SeedModelTrainer.Forward(weights, n, hidden):R}");
