using System;
using System.Collections.Generic;
using Microsoft.ML.OnnxRuntime;

namespace TypedModels.Load;

/// <summary>Creates the one <see cref="InferenceSession"/> of a client, on the provider its options ask for.</summary>
internal static class SessionFactory
{
    public static (InferenceSession Session, ExecutionProviderInfo Provider) Create(string modelPath, TypedModelOptions options)
    {
        if (options.ExecutionProvider == ExecutionProviderPreference.Cpu)
            return (Create(modelPath, options, cuda: false), new(ExecutionProviderPreference.Cpu, "CPU was asked for"));

        // GetAvailableProviders() lists CUDA wherever the package ships it, whether or not its libraries load:
        // the only reliable test is to try.
        try
        {
            return (Create(modelPath, options, cuda: true), new(ExecutionProviderPreference.Cuda, $"CUDA device {options.DeviceId} created"));
        }
        catch (OnnxRuntimeException e) when (options.ExecutionProvider == ExecutionProviderPreference.Auto)
        {
            return (Create(modelPath, options, cuda: false), new(ExecutionProviderPreference.Cpu, "CUDA could not be created, running on CPU: " + e.Message));
        }
    }

    private static InferenceSession Create(string modelPath, TypedModelOptions options, bool cuda)
    {
        // A SessionOptions that failed to take CUDA is not reused: each attempt starts from fresh options.
        using var sessionOptions = new SessionOptions { GraphOptimizationLevel = options.GraphOptimizationLevel };
        if (options.IntraOpThreads is int threads)
            sessionOptions.IntraOpNumThreads = threads;
        if (cuda)
            sessionOptions.AppendExecutionProvider_CUDA(options.DeviceId);
        return new InferenceSession(modelPath, sessionOptions);
    }

    /// <summary>
    /// Refuses a model whose inputs or outputs differ from those the client was compiled against (names, element
    /// types, fixed dims), listing every difference.
    /// </summary>
    public static void VerifySignature(ModelDescriptor descriptor, string modelPath, InferenceSession session)
    {
        var differences = new List<string>();
        Compare("input", descriptor.Inputs, session.InputMetadata, descriptor.Symbols, differences);
        Compare("output", descriptor.Outputs, session.OutputMetadata, descriptor.Symbols, differences);
        if (differences.Count > 0)
        {
            throw new InvalidOperationException(
                $"{descriptor.Name}: the model at '{modelPath}' does not have the signature {descriptor.Name} was compiled against: " +
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
}
