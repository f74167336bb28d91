using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace TypedModels.Demo;

/// <summary>
/// The seed's four serving protocols mapped to this stack, timed on numbers 100..109 fed one at a time (batch 1),
/// on ONNX Runtime's CPU provider, and the same model compiled to C# (no ONNX Runtime). The protocols run in interleaved rounds in this one process, so a change of
/// machine speed during the run affects them alike.
/// </summary>
internal static class Protocols
{
    private const int Rounds = 20;

    private sealed record Protocol(string Name, string Seed, string SeedTime, int CallsPerRound, Func<float, float> Predict) : IDisposable
    {
        public Action? Cleanup { get; init; }
        public TimeSpan Elapsed { get; set; }
        public long Allocated { get; set; }
        public long Calls { get; set; }

        public void Dispose() => Cleanup?.Invoke();
    }

    public static void PrintTable(TextWriter output)
    {
        string path = Path.Combine(AppContext.BaseDirectory, NumberModel.ModelPath);
        var cpu = new TypedModelOptions { ExecutionProvider = ExecutionProviderPreference.Cpu };
        var protocols = new List<Protocol> { NewSessionPerCall(path), NamedOnnxValues(path), PreBoundBuffers(path), Typed(cpu), Compiled() };
        try
        {
            foreach (var protocol in protocols)
                Measure(protocol, calls: 10); // warm-up: JIT, first binding
            foreach (var protocol in protocols)
                protocol.Elapsed = TimeSpan.Zero;
            foreach (var protocol in protocols)
                (protocol.Allocated, protocol.Calls) = (0, 0);

            for (int round = 0; round < Rounds; round++)
            {
                foreach (var protocol in protocols)
                    Measure(protocol, protocol.CallsPerRound);
            }

            output.WriteLine($"Mean time per example, batch 1, CPU, {Environment.ProcessorCount} cores, ONNX Runtime {OrtEnv.Instance().GetVersionString()}, {Rounds} interleaved rounds:");
            output.WriteLine();
            output.WriteLine("| protocol | seed's equivalent | seed (RTX 2080 Ti, TF) | here | allocated per call | calls |");
            output.WriteLine("|---|---|---|---|---|---|");
            foreach (var p in protocols)
            {
                double micros = p.Elapsed.TotalMilliseconds * 1000 / p.Calls;
                string time = micros >= 1000 ? $"{micros / 1000:F3} ms" : micros >= 1 ? $"{micros:F2} µs" : $"{micros * 1000:F0} ns";
                output.WriteLine($"| {p.Name} | {p.Seed} | {p.SeedTime} | {time} | {p.Allocated / p.Calls} B | {p.Calls:N0} |");
            }
        }
        finally
        {
            foreach (var protocol in protocols)
                protocol.Dispose();
        }
    }

    private static void Measure(Protocol protocol, int calls)
    {
        float sink = 0;
        long allocated = GC.GetAllocatedBytesForCurrentThread();
        long start = Stopwatch.GetTimestamp();
        for (int i = 0; i < calls; i++)
            sink += protocol.Predict(100 + i % 10);
        protocol.Elapsed += Stopwatch.GetElapsedTime(start);
        protocol.Allocated += GC.GetAllocatedBytesForCurrentThread() - allocated;
        protocol.Calls += calls;
        if (float.IsNaN(sink))
            throw new InvalidOperationException($"{protocol.Name} predicted NaN");
    }

    // The seed's vanilla Estimator.predict: the model is loaded again for every example.
    private static Protocol NewSessionPerCall(string path) => new(
        "new session per call", "vanilla `Estimator.predict`", "115.2 ms", 5,
        n =>
        {
            using var options = CpuOptions();
            using var session = new InferenceSession(path, options);
            using var results = session.Run([NamedOnnxValue.CreateFromTensor("number", new DenseTensor<float>(new[] { n }, [1, 1]))]);
            return results.First(r => r.Name == "predictions").AsTensor<float>()[0, 0];
        });

    // FastPredict: the session stays alive; each call goes through ONNX Runtime's general-purpose API.
    private static Protocol NamedOnnxValues(string path)
    {
        var options = CpuOptions();
        var session = new InferenceSession(path, options);
        return new("kept-alive session, `NamedOnnxValue` API", "FastPredict", "0.352 ms", 20_000, n =>
        {
            using var results = session.Run([NamedOnnxValue.CreateFromTensor("number", new DenseTensor<float>(new[] { n }, [1, 1]))]);
            return results.First(r => r.Name == "predictions").AsTensor<float>()[0, 0];
        })
        { Cleanup = () => { session.Dispose(); options.Dispose(); } };
    }

    // The SavedModel predictor, as tight as ONNX Runtime allows: buffers bound once by hand, run with the binding.
    private static Protocol PreBoundBuffers(string path)
    {
        var options = CpuOptions();
        var session = new InferenceSession(path, options);
        var input = OrtValue.CreateAllocatedTensorValue(OrtAllocator.DefaultInstance, TensorElementType.Float, [1, 1]);
        var hidden = OrtValue.CreateAllocatedTensorValue(OrtAllocator.DefaultInstance, TensorElementType.Float, [1, 4]);
        var predictions = OrtValue.CreateAllocatedTensorValue(OrtAllocator.DefaultInstance, TensorElementType.Float, [1, 1]);
        var binding = session.CreateIoBinding();
        binding.BindInput("number", input);
        binding.BindOutput("hidden", hidden);
        binding.BindOutput("predictions", predictions);
        var runOptions = new RunOptions();
        return new("kept-alive session, pre-bound `OrtIoBinding` by hand (ORT span API per call)", "SavedModel + predictor", "0.178 ms", 20_000, n =>
        {
            input.GetTensorMutableDataAsSpan<float>()[0] = n;
            session.RunWithBinding(runOptions, binding);
            return predictions.GetTensorDataAsSpan<float>()[0];
        })
        {
            Cleanup = () =>
            {
                runOptions.Dispose();
                binding.Dispose();
                predictions.Dispose();
                hidden.Dispose();
                input.Dispose();
                session.Dispose();
                options.Dispose();
            },
        };
    }

    private static Protocol Typed(TypedModelOptions options)
    {
        var model = new NumberModel(options);
        return new("generated `NumberModel` (TypedModels)", "(none)", "", 20_000, n => model.Predict([n]).Predictions[0])
        { Cleanup = model.Dispose };
    }

    // The same generated API with Backend="Compiled": the graph as C#, its weights in the assembly, no ONNX Runtime.
    private static Protocol Compiled()
    {
        var model = new CompiledNumberModel();
        return new("generated `CompiledNumberModel` (TypedModels, `Backend=\"Compiled\"`)", "(none)", "", 200_000, n => model.Predict([n]).Predictions[0])
        { Cleanup = model.Dispose };
    }

    private static SessionOptions CpuOptions() => new() { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL };
}
