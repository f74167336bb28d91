using System;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using TypedModels.SeedModel;
using TypedModels.SeedModel.Onnx;

namespace TypedModels.Tests;

/// <summary>The committed seed model and its weights, read back with a full Google.Protobuf parse.</summary>
internal static class SeedModelFile
{
    public static string Path => System.IO.Path.Combine(AppContext.BaseDirectory, NumberModel.ModelPath);

    public static ModelProto Load() => ModelProto.Parser.ParseFrom(File.ReadAllBytes(Path));

    public static float[] Weights(string name) =>
        MemoryMarshal.Cast<byte, float>(Load().Graph.Initializer.Single(t => t.Name == name).RawData.Span).ToArray();

    /// <summary>The seed model with <paramref name="edit"/> applied, written to a temporary file.</summary>
    public static string WriteVariant(Action<ModelProto> edit)
    {
        var model = SeedModelWriter.Build(SeedModelTrainer.Train(steps: 1));
        edit(model);
        string path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"typedmodels-{Guid.NewGuid():N}.onnx");
        File.WriteAllBytes(path, Google.Protobuf.MessageExtensions.ToByteArray(model));
        return path;
    }
}
