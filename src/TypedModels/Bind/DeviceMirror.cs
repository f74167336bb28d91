using System;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace TypedModels.Bind;

/// <summary>
/// Device copies of one binding's tensors, for CUDA graph capture: a captured graph replays fixed device addresses
/// and shapes, so each shape binds tensors in CUDA memory once, and a call copies its inputs from the host buffers in
/// and its outputs back. Each shape replays a graph of its own (<c>gpu_graph_id</c>).
/// </summary>
/// <remarks>Not yet run on a GPU by this project: the development machines have none.</remarks>
internal sealed class DeviceMirror : IDisposable
{
    private readonly OrtValue[] _hostInputs, _deviceInputs, _deviceOutputs, _hostOutputs;

    public DeviceMirror(OrtIoBinding binding, OrtAllocator device, int graphId, ModelDescriptor descriptor, OrtValue[] hostInputs, OrtValue[] hostOutputs)
    {
        _hostInputs = hostInputs;
        _hostOutputs = hostOutputs;
        _deviceInputs = new OrtValue[hostInputs.Length];
        _deviceOutputs = new OrtValue[hostOutputs.Length];
        RunOptions = new RunOptions();
        try
        {
            RunOptions.AddRunConfigEntry("gpu_graph_id", graphId.ToString(System.Globalization.CultureInfo.InvariantCulture));
            for (int i = 0; i < hostInputs.Length; i++)
            {
                _deviceInputs[i] = Mirror(device, descriptor.Inputs[i].ElementType, hostInputs[i]);
                binding.BindInput(descriptor.Inputs[i].Name, _deviceInputs[i]);
            }
            for (int i = 0; i < hostOutputs.Length; i++)
            {
                _deviceOutputs[i] = Mirror(device, descriptor.Outputs[i].ElementType, hostOutputs[i]);
                binding.BindOutput(descriptor.Outputs[i].Name, _deviceOutputs[i]);
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>The run options that select this shape's graph.</summary>
    public RunOptions RunOptions { get; }

    public void Run(InferenceSession session, OrtIoBinding binding)
    {
        OrtEnv.Instance().CopyTensors(_hostInputs, _deviceInputs, null);
        session.RunWithBinding(RunOptions, binding);
        OrtEnv.Instance().CopyTensors(_deviceOutputs, _hostOutputs, null);
    }

    private static OrtValue Mirror(OrtAllocator device, TensorElementType type, OrtValue host) =>
        OrtValue.CreateAllocatedTensorValue(device, type, host.GetTensorTypeAndShape().Shape);

    public void Dispose()
    {
        foreach (var value in _deviceOutputs)
            value?.Dispose();
        foreach (var value in _deviceInputs)
            value?.Dispose();
        RunOptions.Dispose();
    }
}
