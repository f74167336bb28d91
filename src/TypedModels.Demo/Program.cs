using System;
using TypedModels.Demo;

using var model = new NumberModel();
Console.WriteLine($"provider: {model.ExecutionProvider.Provider} ({model.ExecutionProvider.Reason})");
for (int n = 100; n < 110; n++)
{
    var (hidden, predictions) = model.Predict([n]);
    Console.WriteLine($"{n} -> {predictions[0]} hidden [{string.Join(", ", hidden.ToArray())}]");
}
