using System;
using System.IO;
using TypedModels.SeedModel;

// Usage: dotnet run --project models/SeedModel [-- <output path>]   (default: models/number.onnx)
string path = args.Length > 0 ? args[0] : Path.Combine("models", "number.onnx");
var weights = SeedModelTrainer.Train();
File.WriteAllBytes(path, SeedModelWriter.Write(weights));

Span<float> hidden = stackalloc float[SeedWeights.Hidden];
Console.WriteLine($"wrote {path}");
for (int n = 100; n < 110; n++)
    Console.WriteLine($"  {n} -> {SeedModelTrainer.Forward(weights, n, hidden):R}");
