using System;
using TypedModels;
using TypedModels.Demo;

// The seed's service: numbers 100..109, one at a time, through the generated client.
using (var model = new NumberModel())
{
    Console.WriteLine($"NumberModel on {model.ExecutionProvider.Provider}: {model.ExecutionProvider.Reason}");
    for (int n = 100; n < 110; n++)
    {
        var (hidden, predictions) = model.Predict([n]);
        Console.WriteLine($"  {n} -> {predictions[0],10:F4}   hidden [{string.Join(", ", hidden.ToArray())}]");
    }
}

// The same model compiled to C# at build time (Backend="Compiled"): same API, same numbers, no ONNX Runtime.
using (var compiled = new CompiledNumberModel())
    Console.WriteLine($"CompiledNumberModel ({compiled.Backend}): 100 -> {compiled.Predict([100f]).Predictions[0],10:F4}");

Console.WriteLine();
Protocols.PrintTable(Console.Out);
