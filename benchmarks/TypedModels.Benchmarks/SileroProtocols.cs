using System;
using System.IO;
using BenchmarkDotNet.Attributes;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace TypedModels.Benchmarks;

/// <summary>A real model, silero VAD v5 (one 512-sample chunk at 16 kHz): the raw floor against the generated client.</summary>
[MemoryDiagnoser]
public unsafe class SileroProtocols
{
    private const int Chunk = 512;
    private readonly float[] _audio = new float[Chunk];
    private readonly float[] _state = new float[2 * 1 * 128];
    private SessionOptions _options = null!;
    private InferenceSession _session = null!;
    private RunOptions _runOptions = null!;
    private OrtIoBinding _binding = null!;
    private OrtValue[] _values = [];
    private IntPtr _input, _stateIn, _output;
    private SileroV5Model _typed = null!;

    [GlobalSetup]
    public void Setup()
    {
        for (int i = 0; i < Chunk; i++)
            _audio[i] = 0.5f * MathF.Sin(2 * MathF.PI * 440 * i / 16000f);
        string path = Path.Combine(AppContext.BaseDirectory, SileroV5Model.ModelPath);
        _options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL };
        _session = new InferenceSession(path, _options);
        _runOptions = new RunOptions();
        _typed = new SileroV5Model(new TypedModelOptions { ExecutionProvider = ExecutionProviderPreference.Cpu });

        var input = OrtValue.CreateAllocatedTensorValue(OrtAllocator.DefaultInstance, TensorElementType.Float, [1, Chunk]);
        var state = OrtValue.CreateAllocatedTensorValue(OrtAllocator.DefaultInstance, TensorElementType.Float, [2, 1, 128]);
        var sr = OrtValue.CreateTensorValueFromMemory(new long[] { 16000 }, []);
        var output = OrtValue.CreateAllocatedTensorValue(OrtAllocator.DefaultInstance, TensorElementType.Float, [1, 1]);
        var stateN = OrtValue.CreateAllocatedTensorValue(OrtAllocator.DefaultInstance, TensorElementType.Float, [2, 1, 128]);
        _binding = _session.CreateIoBinding();
        _binding.BindInput("input", input);
        _binding.BindInput("state", state);
        _binding.BindInput("sr", sr);
        _binding.BindOutput("output", output);
        _binding.BindOutput("stateN", stateN);
        _values = [input, state, sr, output, stateN];
        fixed (float* i = input.GetTensorMutableDataAsSpan<float>())
        fixed (float* s = state.GetTensorMutableDataAsSpan<float>())
        fixed (float* o = output.GetTensorMutableDataAsSpan<float>())
            (_input, _stateIn, _output) = ((IntPtr)i, (IntPtr)s, (IntPtr)o);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _typed.Dispose();
        _binding.Dispose();
        foreach (var value in _values)
            value.Dispose();
        _runOptions.Dispose();
        _session.Dispose();
        _options.Dispose();
    }

    [Benchmark(Baseline = true, Description = "raw OrtIoBinding floor")]
    public float RawIoBinding()
    {
        _audio.AsSpan().CopyTo(new Span<float>((void*)_input, Chunk));
        _state.AsSpan().CopyTo(new Span<float>((void*)_stateIn, _state.Length));
        _session.RunWithBinding(_runOptions, _binding);
        return *(float*)_output;
    }

    [Benchmark(Description = "generated SileroV5Model")]
    public float Typed() => _typed.Predict(_audio, _state, 16000, inputDim0: 1, inputDim1: Chunk).Output[0];
}
