namespace TypedModels;

/// <summary>What runs a generated client's model: <c>Backend</c> on a <c>&lt;TypedModel&gt;</c> item or on <see cref="TypedModelAttribute"/>.</summary>
public enum ModelBackend
{
    /// <summary>One ONNX Runtime session per client, with buffers bound once per input shape (the default).</summary>
    OnnxRuntime,

    /// <summary>
    /// The model's graph compiled into the client as C# at build time, its weights as static read-only data: no
    /// ONNX Runtime on the hot path. A model with a node, type or shape the compiler does not support is an error (TM0011).
    /// </summary>
    Compiled,

    /// <summary>Compiled when the whole graph compiles and its weights fit the limit, ONNX Runtime otherwise (TM0012 says why).</summary>
    Auto,
}
