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

    /// <summary>Threads ONNX Runtime may use within one operator; its default when null.</summary>
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
}
