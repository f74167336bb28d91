using System;
using Microsoft.ML.OnnxRuntime;

namespace TypedModels;

/// <summary>
/// ONNX Runtime failed natively (loading the model, creating a provider, or running it). The message names the
/// model and carries ONNX Runtime's own; <see cref="Exception.InnerException"/> is ONNX Runtime's exception (an
/// <see cref="OnnxRuntimeException"/>, or an <see cref="EntryPointNotFoundException"/> when the native library in use
/// was built without the provider asked for). Errors in
/// the caller's input are <see cref="ArgumentException"/>s instead, thrown before any native call.
/// </summary>
public sealed class TypedModelException : Exception
{
    /// <summary>Wraps ONNX Runtime's <paramref name="inner"/> exception for <paramref name="model"/>.</summary>
    public TypedModelException(string model, string message, Exception inner)
        : base($"{model}: {message}: {inner.Message}", inner)
    {
        Model = model;
    }

    /// <summary>The generated client's name.</summary>
    public string Model { get; }
}
