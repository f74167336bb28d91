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

Console.WriteLine();
Protocols.PrintTable(Console.Out);
