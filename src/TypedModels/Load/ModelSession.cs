using System;
using System.Collections.Generic;
using System.IO;
using System.Reflection;
using System.Runtime.InteropServices;
using Microsoft.ML.OnnxRuntime;

namespace TypedModels.Load;

/// <summary>
/// One loaded model: an <see cref="InferenceSession"/> on the provider the options ask for, checked against the
/// signature a client was compiled against. ONNX Runtime's sessions are thread-safe for runs, so one session can
/// serve many clients (see <see cref="Run.ModelPool{TModel}"/>); each client keeps its own buffers.
/// </summary>
public sealed class ModelSession : IDisposable
{
    private int _graphs = -1;

    private ModelSession(ModelDescriptor descriptor, InferenceSession session, ExecutionProviderInfo provider, TypedModelOptions options)
    {
        Descriptor = descriptor;
        Session = session;
        ExecutionProvider = provider;
        Options = options;
        if (options.CudaGraph && provider.Provider == ExecutionProviderPreference.Cuda)
        {
            using var memory = new OrtMemoryInfo(OrtMemoryInfo.allocatorCUDA, OrtAllocatorType.DeviceAllocator, options.DeviceId, OrtMemType.Default);
            CudaGraphAllocator = new OrtAllocator(session, memory);
        }
    }

    /// <summary>CUDA memory for the device copies that graph capture binds; null unless the session captures CUDA graphs.</summary>
    internal OrtAllocator? CudaGraphAllocator { get; }

    /// <summary>A graph id of its own for each shape binding (ONNX Runtime's <c>gpu_graph_id</c>).</summary>
    internal int NextGraphId() => System.Threading.Interlocked.Increment(ref _graphs);

    /// <summary>The signature the session was checked against.</summary>
    public ModelDescriptor Descriptor { get; }

    /// <summary>The execution provider the session runs on, and why.</summary>
    public ExecutionProviderInfo ExecutionProvider { get; }

    /// <summary>The options it was created with.</summary>
    public TypedModelOptions Options { get; }

    internal InferenceSession Session { get; }

    /// <summary>Loads the model file at <paramref name="path"/>.</summary>
    /// <exception cref="FileNotFoundException">There is no file at <paramref name="path"/>.</exception>
    /// <exception cref="InvalidOperationException">The model's signature differs from <paramref name="descriptor"/>.</exception>
    /// <exception cref="TypedModelException">ONNX Runtime could not load the model, or CUDA was required and could not be created.</exception>
    public static ModelSession Load(ModelDescriptor descriptor, string path, TypedModelOptions? options = null)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException(
                $"{descriptor.Name}: no model file at '{path}'. The build copies it next to the application; pass another path, the model's bytes, or embed it as a resource.", path);
        }
        return Create(descriptor, options ?? TypedModelOptions.Default, o => new InferenceSession(path, o), path);
    }

    /// <summary>Loads a model from its bytes, e.g. read from a stream; the session keeps no reference to the array.</summary>
    public static ModelSession Load(ModelDescriptor descriptor, byte[] model, TypedModelOptions? options = null) =>
        Create(descriptor, options ?? TypedModelOptions.Default, o => new InferenceSession(model, o), "the bytes given");

    /// <summary>Loads a model from <paramref name="stream"/>, read to its end.</summary>
    public static ModelSession Load(ModelDescriptor descriptor, Stream stream, TypedModelOptions? options = null)
    {
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return Load(descriptor, copy.ToArray(), options);
    }

    /// <summary>Loads a model embedded in <paramref name="assembly"/> as the manifest resource <paramref name="resource"/>.</summary>
    /// <exception cref="FileNotFoundException">The assembly has no such resource.</exception>
    public static ModelSession LoadResource(ModelDescriptor descriptor, Assembly assembly, string resource, TypedModelOptions? options = null)
    {
        using var stream = assembly.GetManifestResourceStream(resource)
            ?? throw new FileNotFoundException($"{descriptor.Name}: {assembly.GetName().Name} has no embedded resource '{resource}'.", resource);
        return Load(descriptor, stream, options);
    }

    private static ModelSession Create(ModelDescriptor descriptor, TypedModelOptions options, Func<SessionOptions, InferenceSession> load, string source)
    {
        if (options.CudaGraph)
            RequireFixedShapes(descriptor);
        var (session, provider) = CreateSession(descriptor, options, load);
        try
        {
            VerifySignature(descriptor, source, session);
            return new ModelSession(descriptor, session, provider, options);
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    private static (InferenceSession, ExecutionProviderInfo) CreateSession(ModelDescriptor descriptor, TypedModelOptions options, Func<SessionOptions, InferenceSession> load)
    {
        if (options.ExecutionProvider == ExecutionProviderPreference.Cpu)
            return (Create(descriptor, options, load, cuda: false), new(ExecutionProviderPreference.Cpu, "CPU was asked for"));

        // GetAvailableProviders() lists CUDA wherever the package ships it, whether or not its libraries load:
        // the only reliable test is to try.
        try
        {
            return (Create(descriptor, options, load, cuda: true), new(ExecutionProviderPreference.Cuda, $"CUDA device {options.DeviceId} created"));
        }
        catch (TypedModelException e) when (options.ExecutionProvider == ExecutionProviderPreference.Auto)
        {
            // The summary already carries the loader's reason (the library is probed once per load); the probe's log
            // lines, which say the same, stay with the exception and go nowhere.
            return (Create(descriptor, options, load, cuda: false), new(ExecutionProviderPreference.Cpu, "Running on CPU. " + e.Summary));
        }
    }

    private static InferenceSession Create(ModelDescriptor descriptor, TypedModelOptions options, Func<SessionOptions, InferenceSession> load, bool cuda)
    {
        // Before any other ONNX Runtime object: the first call creates the process's environment with its logger.
        var level = LogRouter.Prepare(options.LogLevel, descriptor.Name);
        // What ONNX Runtime logs during this attempt goes into its exception, or to stderr once it has succeeded.
        using var capture = LogRouter.Collect(level);
        // A SessionOptions that failed to take CUDA is not reused: each attempt starts from fresh options.
        using var sessionOptions = new SessionOptions
        {
            GraphOptimizationLevel = options.GraphOptimizationLevel,
            LogSeverityLevel = level,
            LogId = descriptor.Name,
        };
        if (options.IntraOpThreads is int threads)
            sessionOptions.IntraOpNumThreads = threads;
        try
        {
            if (cuda && options.CudaGraph)
            {
                using var provider = new OrtCUDAProviderOptions();
                provider.UpdateOptions(new Dictionary<string, string>
                {
                    ["device_id"] = options.DeviceId.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    ["enable_cuda_graph"] = "1",
                });
                sessionOptions.AppendExecutionProvider_CUDA(provider);
            }
            else if (cuda)
            {
                sessionOptions.AppendExecutionProvider_CUDA(options.DeviceId);
            }
            return load(sessionOptions);
        }
        catch (OnnxRuntimeException e)
        {
            throw new TypedModelException(descriptor.Name, cuda ? "CUDA could not be created" + MissingLibrary(capture.Lines) : "ONNX Runtime could not load the model", e);
        }
        catch (EntryPointNotFoundException e) when (cuda)
        {
            // The CPU-only native library has no CUDA entry point at all.
            throw new TypedModelException(descriptor.Name,
                "CUDA could not be created: the ONNX Runtime native library in use was built without it (reference Microsoft.ML.OnnxRuntime.Gpu.Linux or .Gpu.Windows)", e);
        }
    }

    /// <summary>A captured graph replays fixed shapes: every output must follow from the inputs' shapes, and strings cannot live on the device.</summary>
    private static void RequireFixedShapes(ModelDescriptor descriptor)
    {
        var inputSymbols = new HashSet<long>();
        foreach (var input in descriptor.Inputs)
            inputSymbols.UnionWith(Array.FindAll(input.Dims, d => d < 0));
        var problems = new List<string>();
        foreach (var (kind, tensors) in new[] { ("input", descriptor.Inputs), ("output", descriptor.Outputs) })
        {
            foreach (var tensor in tensors)
            {
                if (tensor.ElementType == Microsoft.ML.OnnxRuntime.Tensors.TensorElementType.String)
                    problems.Add($"{kind} '{tensor.Name}' holds strings");
                else if (tensor.IsSequence)
                    problems.Add($"{kind} '{tensor.Name}' is a sequence");
                else if (Array.Exists(tensor.Dims, d => d < 0 && !inputSymbols.Contains(d)))
                    problems.Add($"{kind} '{tensor.Name}' {tensor.ShapeText(descriptor.Symbols)} has a shape known only after running");
            }
        }
        if (problems.Count > 0)
        {
            throw new InvalidOperationException(
                $"{descriptor.Name}: CUDA graph capture needs fixed shapes on the device, but {string.Join("; ", problems)}. Turn TypedModelOptions.CudaGraph off for this model.");
        }
    }

    /// <summary>
    /// ONNX Runtime's exception says only that the CUDA provider failed to load; its log says which library was
    /// missing. Loading the provider library ourselves gets that reason from the dynamic loader; where that cannot be
    /// done (the library is elsewhere), the reason is taken from ONNX Runtime's <paramref name="log"/>.
    /// </summary>
    private static string MissingLibrary(IReadOnlyList<LogLine> log)
    {
        string loader = LoaderReason();
        if (loader.Length > 0)
            return " (" + loader + ")";
        const string Marker = "Failed to load library ";
        foreach (var line in log)
        {
            int at = line.Message.IndexOf(Marker, StringComparison.Ordinal);
            if (at >= 0)
                return " (" + line.Message[at..] + ")";
        }
        return "";
    }

    private static string LoaderReason()
    {
        string file = OperatingSystem.IsWindows() ? "onnxruntime_providers_cuda.dll" : "libonnxruntime_providers_cuda.so";
        string rid = (OperatingSystem.IsWindows() ? "win-" : "linux-") + RuntimeInformation.ProcessArchitecture.ToString().ToLowerInvariant();
        foreach (var path in new[] { Path.Combine(AppContext.BaseDirectory, file), Path.Combine(AppContext.BaseDirectory, "runtimes", rid, "native", file) })
        {
            if (!File.Exists(path))
                continue;
            try
            {
                NativeLibrary.Free(NativeLibrary.Load(path));
                return "";
            }
            catch (DllNotFoundException e)
            {
                // .NET's message ends with the loader's own line, e.g. "libcublasLt.so.13: cannot open shared object file".
                var lines = e.Message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                return lines[^1];
            }
        }
        return "";
    }

    /// <summary>
    /// Refuses a model whose inputs or outputs differ from those the client was compiled against (names, element
    /// types, fixed dims), listing every difference.
    /// </summary>
    private static void VerifySignature(ModelDescriptor descriptor, string source, InferenceSession session)
    {
        var differences = new List<string>();
        Compare("input", descriptor.Inputs, session.InputMetadata, descriptor.Symbols, differences);
        Compare("output", descriptor.Outputs, session.OutputMetadata, descriptor.Symbols, differences);
        if (differences.Count > 0)
        {
            throw new InvalidOperationException(
                $"{descriptor.Name}: the model from {(source.StartsWith("the ", StringComparison.Ordinal) ? source : "'" + source + "'")} does not have the signature {descriptor.Name} was compiled against: " +
                string.Join("; ", differences) + ". Rebuild the project against this model, or load the model it was built with.");
        }
    }

    private static void Compare(string kind, TensorDescriptor[] expected, IReadOnlyDictionary<string, NodeMetadata> actual,
        string[] symbols, List<string> differences)
    {
        foreach (var tensor in expected)
        {
            if (!actual.TryGetValue(tensor.Name, out var metadata))
            {
                differences.Add($"{kind} '{tensor.Name}' is missing");
                continue;
            }
            if (tensor.IsSequence)
            {
                var element = metadata.OnnxValueType == OnnxValueType.ONNX_TYPE_SEQUENCE ? metadata.AsSequenceMetadata().ElementMeta : null;
                if (element is not { IsTensor: true } || element.ElementDataType != tensor.ElementType)
                    differences.Add($"{kind} '{tensor.Name}' is {(element?.IsTensor == true ? "a sequence of " + element.ElementDataType : metadata.OnnxValueType.ToString())}, expected a sequence of {tensor.ElementType}");
                continue;
            }
            if (!metadata.IsTensor || metadata.ElementDataType != tensor.ElementType)
            {
                string given = metadata.IsTensor ? metadata.ElementDataType.ToString() : metadata.OnnxValueType.ToString();
                differences.Add($"{kind} '{tensor.Name}' is {given}, expected {tensor.ElementType}");
                continue;
            }
            int[] dims = metadata.Dimensions;
            bool same = dims.Length == tensor.Dims.Length;
            for (int i = 0; same && i < dims.Length; i++)
                same = tensor.Dims[i] < 0 ? dims[i] < 0 : dims[i] == tensor.Dims[i];
            if (!same)
            {
                differences.Add($"{kind} '{tensor.Name}' has shape [{string.Join(", ", Array.ConvertAll(dims, d => d < 0 ? "?" : d.ToString(System.Globalization.CultureInfo.InvariantCulture)))}], " +
                    $"expected {tensor.ShapeText(symbols)}");
            }
        }
    }

    /// <summary>Releases the session. Clients created on it must not be used afterwards.</summary>
    public void Dispose()
    {
        CudaGraphAllocator?.Dispose();
        Session.Dispose();
    }
}
