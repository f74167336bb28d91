using System;
using System.Collections.Generic;
using System.Text;
using Microsoft.ML.OnnxRuntime;
using TypedModels.Load;

namespace TypedModels;

/// <summary>
/// ONNX Runtime failed natively (loading the model, creating a provider, or running it). The message names the
/// model and carries ONNX Runtime's own, followed by the lines ONNX Runtime logged while failing that say more than
/// its exception does; <see cref="OnnxRuntimeLog"/> has every such line (at or above
/// <see cref="TypedModelOptions.LogLevel"/>), which therefore does not reach stderr. <see cref="Exception.InnerException"/>
/// is ONNX Runtime's exception (an <see cref="OnnxRuntimeException"/>, or an <see cref="EntryPointNotFoundException"/>
/// when the native library in use was built without the provider asked for). Errors in the caller's input are
/// <see cref="ArgumentException"/>s instead, thrown before any native call.
/// </summary>
public sealed class TypedModelException : Exception
{
    /// <summary>
    /// Wraps ONNX Runtime's <paramref name="inner"/> exception for <paramref name="model"/>, with the lines ONNX Runtime
    /// logged on this thread for the failure of the load in progress (a failing call's errors are in ONNX Runtime's message).
    /// </summary>
    public TypedModelException(string model, string message, Exception inner)
        : this(model, $"{model}: {message}: {inner.Message.TrimEnd()}", inner, LogRouter.Claim())
    {
    }

    private TypedModelException(string model, string summary, Exception inner, LogLine[] log)
        : base(Compose(summary, inner.Message, log), inner)
    {
        Model = model;
        Summary = summary;
        var lines = new string[log.Length];
        for (int i = 0; i < log.Length; i++)
            lines[i] = log[i].Text;
        OnnxRuntimeLog = lines;
    }

    /// <summary>The generated client's name.</summary>
    public string Model { get; }

    /// <summary>
    /// The lines ONNX Runtime logged while failing, at or above <see cref="TypedModelOptions.LogLevel"/>, as its
    /// console would print them (<c>[E:onnxruntime:ModelName, file:line] message</c>); empty when it logged none.
    /// </summary>
    public IReadOnlyList<string> OnnxRuntimeLog { get; }

    /// <summary>The message without the log lines.</summary>
    internal string Summary { get; }

    /// <summary>The summary, then each logged line whose message ONNX Runtime's exception does not already hold.</summary>
    private static string Compose(string summary, string inner, LogLine[] log)
    {
        StringBuilder? text = null;
        foreach (var line in log)
        {
            if (line.Message.Length == 0 || inner.Contains(line.Message, StringComparison.Ordinal))
                continue;
            text ??= new StringBuilder(summary).AppendLine().Append("ONNX Runtime logged:");
            text.AppendLine().Append(line.Text);
        }
        return text?.ToString() ?? summary;
    }
}
