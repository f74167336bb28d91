using Microsoft.ML.OnnxRuntime;

namespace TypedModels;

/// <summary>Which execution provider a client asks for.</summary>
public enum ExecutionProviderPreference
{
    /// <summary>CUDA when it can be created, otherwise CPU; <see cref="ExecutionProviderInfo.Reason"/> says why.</summary>
    Auto,

    /// <summary>CPU only.</summary>
    Cpu,

    /// <summary>CUDA, or a <see cref="TypedModelException"/> carrying ONNX Runtime's reason (and the missing library, where one is).</summary>
    Cuda,
}

/// <summary>What a client got: the provider its session runs on, and why.</summary>
public sealed record ExecutionProviderInfo(ExecutionProviderPreference Provider, string Reason);

/// <summary>Settings for a generated client's session and buffers.</summary>
public sealed record TypedModelOptions
{
    /// <summary>Automatic provider choice, ONNX Runtime's defaults for everything else.</summary>
    public static TypedModelOptions Default { get; } = new();

    /// <summary>The execution provider to use; <see cref="ExecutionProviderPreference.Auto"/> by default.</summary>
    public ExecutionProviderPreference ExecutionProvider { get; init; } = ExecutionProviderPreference.Auto;

    /// <summary>The CUDA device to run on.</summary>
    public int DeviceId { get; init; }

    /// <summary>
    /// Threads ONNX Runtime may use within one operator; its default when null. A compiled client (<c>Backend="Compiled"</c>)
    /// splits a node over at most this many threads (every core when null; 1 keeps each call on its calling thread), and
    /// only a node large enough to repay the hand-off.
    /// </summary>
    public int? IntraOpThreads { get; init; }

    /// <summary>ONNX Runtime's graph optimisation level.</summary>
    public GraphOptimizationLevel GraphOptimizationLevel { get; init; } = GraphOptimizationLevel.ORT_ENABLE_ALL;

    /// <summary>
    /// How many input shapes a client keeps buffers for; the least recently used shape is released beyond that.
    /// Each shape costs its tensors' memory and one binding.
    /// </summary>
    public int MaxCachedShapes { get; init; } = 16;

    /// <summary>
    /// Capture each input shape's run as a CUDA graph and replay it (ONNX Runtime's <c>enable_cuda_graph</c>): the
    /// fixed per-call cost of launching kernels goes away. Needs CUDA, and outputs whose shapes follow from the
    /// inputs' shapes (no string tensors, none known only after running); such models are refused at load. Has no
    /// effect when Auto falls back to CPU.
    /// </summary>
    public bool CudaGraph { get; init; }

    /// <summary>The largest tensor, in elements, a call may ask for; larger inputs or implied outputs are refused before running.</summary>
    public long MaxElementsPerTensor { get; init; } = 1L << 28;

    /// <summary>
    /// The least severe of ONNX Runtime's own log lines to keep; warnings and up by default. Lines below it are
    /// dropped. Lines at or above it that ONNX Runtime logs while a load fails go into the
    /// <see cref="TypedModelException"/> (<see cref="TypedModelException.OnnxRuntimeLog"/>, and its message where they
    /// add to ONNX Runtime's exception), not to stderr; a failing call's error line is dropped, since ONNX Runtime's
    /// exception, inside ours, says the same; those of a load that succeeds, and warnings of a run, are
    /// written to <see cref="System.Console.Error"/> (<c>[W:onnxruntime:ModelName, file:line] message</c>). The CUDA
    /// probe of <see cref="ExecutionProviderPreference.Auto"/> logs nothing: <see cref="ExecutionProviderInfo.Reason"/>
    /// says why CUDA was not used; nor does a run the client repeats itself (an output shape that depends on the
    /// values, learned again).
    /// </summary>
    /// <remarks>
    /// ONNX Runtime has one environment, and one logger, per process: TypedModels creates it before its first
    /// session, with this routing. Each session filters its own lines (its load and its runs) with its own level, so
    /// clients with different levels coexist; lines ONNX Runtime logs outside any session (loading a provider library,
    /// say) pass the lowest level any session in the process has asked for, and during a load, that load's level.
    /// If the application created the environment itself before the first TypedModels session
    /// (<c>OrtEnv.CreateInstanceWithOptions</c>, or any use of <c>OrtEnv.Instance()</c>), its logger is left as it is
    /// and each session logs at the stricter of this level and the environment's. Nothing is allocated per call.
    /// </remarks>
    public OrtLoggingLevel LogLevel { get; init; } = OrtLoggingLevel.ORT_LOGGING_LEVEL_WARNING;
}
