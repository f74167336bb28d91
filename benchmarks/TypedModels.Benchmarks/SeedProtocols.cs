using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using BenchmarkDotNet.Attributes;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using TypedModels.SeedModel.Onnx;

namespace TypedModels.Benchmarks;

/// <summary>
/// The seed's protocols on the seed model, and every peer, on the CPU. Each call predicts <see cref="Batch"/> numbers
/// and returns the last prediction. The runtime paths share one set of session options (ONNX Runtime's defaults with
/// every graph optimisation).
/// </summary>
[MemoryDiagnoser]
public unsafe class SeedProtocols
{
    private static readonly TypedModelOptions Cpu = new() { ExecutionProvider = ExecutionProviderPreference.Cpu };

    [Params(1, 64, 1024)]
    public int Batch { get; set; }

    private string _path = "";
    private float[] _numbers = [];
    private SessionOptions _options = null!;
    private InferenceSession _session = null!;
    private RunOptions _runOptions = null!;
    private NumberModel _typed = null!;
    private CompiledNumberModel _compiled = null!;
    private CompiledSeedMatMulModel _compiledMatMul = null!;
    private (OrtIoBinding Binding, OrtValue[] Values, IntPtr Input, IntPtr Predictions) _raw;
    private float[] _kernel1 = [], _bias1 = [], _kernel2 = [], _bias2 = [];
    private float[] _hidden = [], _predictions = []; // the hand-written path's outputs, as the client returns both
    private PredictionEngine<MlInput, MlOutput> _mlNet = null!;
    private MlInput _mlInput = new();

    [GlobalSetup]
    public void Setup()
    {
        _path = Path.Combine(AppContext.BaseDirectory, NumberModel.ModelPath);
        _numbers = Enumerable.Range(0, Batch).Select(i => 100f + i % 10).ToArray();
        (_hidden, _predictions) = (new float[Batch * 4], new float[Batch]);
        _options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL };
        _session = new InferenceSession(_path, _options);
        _runOptions = new RunOptions();
        _typed = new NumberModel(Cpu);
        _compiled = new CompiledNumberModel();
        _compiledMatMul = new CompiledSeedMatMulModel();

        // The floor for any ONNX Runtime client: buffers bound once, their addresses read once, RunWithBinding.
        var input = OrtValue.CreateAllocatedTensorValue(OrtAllocator.DefaultInstance, TensorElementType.Float, [Batch, 1]);
        var hidden = OrtValue.CreateAllocatedTensorValue(OrtAllocator.DefaultInstance, TensorElementType.Float, [Batch, 4]);
        var predictions = OrtValue.CreateAllocatedTensorValue(OrtAllocator.DefaultInstance, TensorElementType.Float, [Batch, 1]);
        var binding = _session.CreateIoBinding();
        binding.BindInput("number", input);
        binding.BindOutput("hidden", hidden);
        binding.BindOutput("predictions", predictions);
        fixed (float* i = input.GetTensorMutableDataAsSpan<float>())
        fixed (float* p = predictions.GetTensorMutableDataAsSpan<float>())
            _raw = (binding, [input, hidden, predictions], (IntPtr)i, (IntPtr)p);

        var model = ModelProto.Parser.ParseFrom(File.ReadAllBytes(_path));
        float[] Weights(string name) => MemoryMarshal.Cast<byte, float>(model.Graph.Initializer.Single(t => t.Name == name).RawData.Span).ToArray();
        (_kernel1, _bias1, _kernel2, _bias2) = (Weights("dense/kernel"), Weights("dense/bias"), Weights("dense_1/kernel"), Weights("dense_1/bias"));

        var ml = new MLContext();
        var pipeline = ml.Transforms.ApplyOnnxModel(["hidden", "predictions"], ["number"], _path,
            shapeDictionary: new Dictionary<string, int[]> { ["number"] = [1, 1] }, gpuDeviceId: null, fallbackToCpu: true);
        _mlNet = ml.Model.CreatePredictionEngine<MlInput, MlOutput>(pipeline.Fit(ml.Data.LoadFromEnumerable(new List<MlInput>())));
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _mlNet.Dispose();
        _raw.Binding.Dispose();
        foreach (var value in _raw.Values)
            value.Dispose();
        _typed.Dispose();
        _compiled.Dispose();
        _runOptions.Dispose();
        _session.Dispose();
        _options.Dispose();
    }

    /// <summary>The seed's vanilla <c>Estimator.predict</c>: the model is loaded again for every call.</summary>
    [Benchmark(Description = "new session per call")]
    public float NewSessionPerCall()
    {
        using var session = new InferenceSession(_path, _options);
        return NamedOnnxValues(session);
    }

    /// <summary>FastPredict: a kept-alive session through ONNX Runtime's general-purpose API.</summary>
    [Benchmark(Baseline = true, Description = "kept-alive, NamedOnnxValue")]
    public float NamedOnnxValue() => NamedOnnxValues(_session);

    private float NamedOnnxValues(InferenceSession session)
    {
        var input = Microsoft.ML.OnnxRuntime.NamedOnnxValue.CreateFromTensor("number", new DenseTensor<float>(_numbers, [Batch, 1]));
        using var results = session.Run([input]);
        return results.First(r => r.Name == "predictions").AsTensor<float>()[Batch - 1, 0];
    }

    /// <summary>The SavedModel predictor: a kept-alive session through the OrtValue API.</summary>
    [Benchmark(Description = "kept-alive, OrtValue API")]
    public float OrtValueApi()
    {
        using var input = OrtValue.CreateTensorValueFromMemory(_numbers, [Batch, 1]);
        using var results = _session.Run(_runOptions, ["number"], [input], ["predictions"]);
        return results[0].GetTensorDataAsSpan<float>()[Batch - 1];
    }

    [Benchmark(Description = "raw OrtIoBinding floor")]
    public float RawIoBinding()
    {
        _numbers.AsSpan().CopyTo(new Span<float>((void*)_raw.Input, Batch));
        _session.RunWithBinding(_runOptions, _raw.Binding);
        return ((float*)_raw.Predictions)[Batch - 1];
    }

    [Benchmark(Description = "generated NumberModel")]
    public float Typed() => _typed.Predict(_numbers).Predictions[Batch - 1];

    /// <summary>The same generated API with <c>Backend="Compiled"</c>: the graph as C#, no ONNX Runtime on the path.</summary>
    [Benchmark(Description = "compiled NumberModel (Backend=Compiled)")]
    public float Compiled() => _compiled.Predict(_numbers).Predictions[Batch - 1];

    /// <summary>
    /// The seed as TensorFlow exports dense layers (Tile → MatMul + Add → MatMul + Add, opset 13), compiled; measured in
    /// the interleaved comparison only.
    /// </summary>
    public float CompiledMatMul() => _compiledMatMul.Predict(_numbers).Predictions[Batch - 1];

    /// <summary>What .NET users pick today: ML.NET's PredictionEngine over ApplyOnnxModel, one example per call.</summary>
    [Benchmark(Description = "ML.NET PredictionEngine")]
    public float MlNetPredictionEngine()
    {
        float last = 0;
        for (int i = 0; i < Batch; i++)
        {
            _mlInput.Number[0] = _numbers[i];
            last = _mlNet.Predict(_mlInput).Predictions[0];
        }
        return last;
    }

    /// <summary>
    /// The physical floor: the same math written by hand in C#, as fast as a person would write it, doing the client's
    /// work: both outputs written (hidden [batch, 4] and predictions [batch, 1]) into buffers made once, the weights read
    /// into locals once per call, one pass over the batch with the four hidden units unrolled.
    /// </summary>
    [Benchmark(Description = "hand-written C#")]
    public float HandWritten()
    {
        ReadOnlySpan<float> k1 = _kernel1, b1 = _bias1, k2 = _kernel2;
        float a0 = k1[0], a1 = k1[1], a2 = k1[2], a3 = k1[3], c0 = k1[4], c1 = k1[5], c2 = k1[6], c3 = k1[7];
        float e0 = b1[0], e1 = b1[1], e2 = b1[2], e3 = b1[3], w0 = k2[0], w1 = k2[1], w2 = k2[2], w3 = k2[3], bias = _bias2[0];
        ReadOnlySpan<float> numbers = _numbers;
        Span<float> hidden = _hidden, predictions = _predictions;
        if (hidden.Length < numbers.Length * 4 || predictions.Length < numbers.Length)
            throw new InvalidOperationException("The buffers do not fit the batch.");
        for (int i = 0; i < numbers.Length; i++)
        {
            float n = numbers[i];
            // The Tile → MatMul of the export: the number is both of the layer's two inputs.
            float h0 = n * a0 + n * c0 + e0, h1 = n * a1 + n * c1 + e1, h2 = n * a2 + n * c2 + e2, h3 = n * a3 + n * c3 + e3;
            var row = hidden.Slice(i * 4, 4);
            (row[0], row[1], row[2], row[3]) = (h0, h1, h2, h3);
            predictions[i] = h0 * w0 + h1 * w1 + h2 * w2 + h3 * w3 + bias;
        }
        return predictions[^1];
    }

    public sealed class MlInput
    {
        [VectorType(1)]
        [ColumnName("number")]
        public float[] Number { get; set; } = new float[1];
    }

    public sealed class MlOutput
    {
        [VectorType(4)]
        [ColumnName("hidden")]
        public float[] Hidden { get; set; } = [];

        [VectorType(1)]
        [ColumnName("predictions")]
        public float[] Predictions { get; set; } = [];
    }
}
