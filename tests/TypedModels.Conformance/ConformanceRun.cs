using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace TypedModels.Conformance;

/// <summary>
/// Runs every backend test through its generated client and through ONNX Runtime's raw API, with the same session
/// options, and compares each with the expected outputs (ONNX's tolerance) and with each other (bit for bit).
/// </summary>
internal static class ConformanceRun
{
    /// <summary>CPU and one thread per operator, for the client and the raw API alike; tests run two at a time instead.</summary>
    public static readonly TypedModelOptions Options = new() { ExecutionProvider = ExecutionProviderPreference.Cpu, IntraOpThreads = 1 };

    static ConformanceRun()
    {
        // Hundreds of models from the suite make ONNX Runtime log warnings (unused initializers); the outcomes say what matters.
        var environment = new EnvironmentCreationOptions { logLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_FATAL };
        OrtEnv.CreateInstanceWithOptions(ref environment);
    }

    public static IReadOnlyList<TestOutcome> Run(IReadOnlyList<BackendTest> tests, IReadOnlyList<ClientBuild> builds)
    {
        var outcomes = new TestOutcome[tests.Count];
        Parallel.For(0, tests.Count, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount },
            i => outcomes[i] = RunOne(tests[i], builds[i]));
        return outcomes;
    }

    private static TestOutcome RunOne(BackendTest test, ClientBuild build)
    {
        var signature = test.Signature!;
        DataValues[] data = [];
        string? unreadable = null;
        try
        {
            data = test.DataSets.Select(set => new DataValues(
                set.Inputs.Select((file, k) => k < signature.Inputs.Count && signature.Inputs[k].IsTensor ? TestTensor.Read(File.ReadAllBytes(file)) : null).ToArray(),
                set.Outputs.Select((file, k) => k < signature.Outputs.Count && signature.Outputs[k].IsTensor ? TestTensor.Read(File.ReadAllBytes(file)) : null).ToArray())).ToArray();
        }
        catch (NotSupportedException e)
        {
            // float8, int4 and the like: each path still tries to load the model, so that ONNX Runtime says why it cannot.
            unreadable = e.Message;
        }
        var expectedByName = data.Select(d => signature.Outputs.Select((o, k) => (o.Name, Value: k < d.Expected.Length ? d.Expected[k] : null))
            .Where(x => x.Value is not null).ToDictionary(x => x.Name, x => x.Value!)).ToList();

        // The raw API: every tensor output, so its pass count is comparable with the reference.
        var rawOutputs = new List<RunOutput[]>();
        PathResult raw;
        InferenceSession? session = null;
        using var sessionOptions = new SessionOptions { GraphOptimizationLevel = Options.GraphOptimizationLevel, IntraOpNumThreads = Options.IntraOpThreads ?? 0 };
        using var runOptions = new RunOptions();
        var tensorOutputs = signature.Outputs.Where(o => o.IsTensor).Select(o => o.Name).ToArray();
        if (!signature.Inputs.All(i => i.IsTensor) || data.Any(d => d.Inputs.Length != signature.Inputs.Count))
            raw = PathResult.NotRun("an input is a sequence or an optional, which the raw harness does not build");
        else if (tensorOutputs.Length == 0)
            raw = PathResult.NotRun("no output is a tensor");
        else
        {
            raw = new PathResult(Stage.Passed, "");
            try
            {
                session = new InferenceSession(test.Model, sessionOptions);
                if (unreadable is not null)
                    raw = PathResult.NotRun(unreadable);
                foreach (var (d, expected) in data.Zip(expectedByName))
                {
                    var outputs = RunRaw(session, runOptions, signature.Inputs.Select(i => i.Name).ToArray(), d.Inputs!, tensorOutputs);
                    rawOutputs.Add(outputs);
                    if (raw.Stage == Stage.Passed && Mismatch(outputs, expected) is { } reason)
                        raw = new PathResult(Stage.Mismatch, reason);
                }
                if (signature.Outputs.Count > tensorOutputs.Length && raw.Stage == Stage.Passed)
                    raw = new PathResult(Stage.Mismatch, "a sequence or optional output is not compared");
            }
            catch (OnnxRuntimeException e)
            {
                raw = new PathResult(session is null ? Stage.LoadFailed : Stage.RunFailed, OrtMessage(e, test));
            }
        }

        // The generated client: what a user's Predict does.
        PathResult typed;
        bool? equal = null;
        string difference = "";
        bool nondeterministic = false;
        var leftOut = signature.Outputs.Where(o => build.Harness is not null && !build.Harness.Descriptor.Outputs.Any(t => t.Name == o.Name)).Select(o => o.Name).ToList();
        if (build.Harness is not { } harness)
        {
            typed = NotBuilt(build);
        }
        else
        {
            typed = new PathResult(Stage.Passed, "");
            IDisposable? client = null;
            try
            {
                client = harness.Open(test.Model, Options);
                if (unreadable is not null)
                    typed = PathResult.NotRun(unreadable);
                for (int s = 0; s < data.Length; s++)
                {
                    var inputs = data[s].Inputs.Select(t => t!.IsString ? (object)t.Strings! : t.Bytes).ToArray();
                    var results = harness.Run(client, inputs, Given(harness.Descriptor, data[s].Inputs!));
                    var outputs = harness.Descriptor.Outputs.Select((o, k) => ToOutput(o, (object[])results[k])).ToArray();
                    if (typed.Stage == Stage.Passed && Mismatch(outputs, expectedByName[s]) is { } reason)
                        typed = new PathResult(Stage.Mismatch, reason);
                    if (leftOut.Count > 0 && typed.Stage == Stage.Passed)
                        typed = new PathResult(Stage.Mismatch, "left out by TM0006: " + string.Join(", ", leftOut));
                    if (s < rawOutputs.Count && equal != false)
                    {
                        string? diff = BitDifference(outputs, rawOutputs[s]);
                        if (diff is not null && session is not null)
                        {
                            // A second raw run tells an operator that is random by definition from a real difference.
                            var again = RunRaw(session, runOptions, signature.Inputs.Select(i => i.Name).ToArray(), data[s].Inputs!, tensorOutputs);
                            nondeterministic = BitDifference(again, rawOutputs[s]) is not null;
                        }
                        equal = diff is null;
                        difference = diff ?? "";
                    }
                }
            }
            catch (TypedModelException e)
            {
                typed = new PathResult(client is null ? Stage.LoadFailed : Stage.RunFailed, OrtMessage((Exception?)e.InnerException ?? e, test));
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException)
            {
                typed = new PathResult(client is null ? Stage.LoadFailed : Stage.RunFailed, $"{e.GetType().Name}: {e.Message}");
            }
            finally
            {
                client?.Dispose();
            }
            if (!typed.Ran || !raw.Ran)
                equal = null;
        }
        session?.Dispose();
        return new TestOutcome(test, build, typed, raw, equal, difference, nondeterministic, leftOut);
    }

    private static PathResult NotBuilt(ClientBuild build) =>
        PathResult.NotRun(build.CompilerProblems.Count > 0 ? "the generated code does not compile" : "diagnostic " + string.Join(", ", build.DiagnosticIds));

    private sealed record DataValues(TestTensor?[] Inputs, TestTensor?[] Expected);

    /// <summary>The values of the dims the client takes as parameters, read off the inputs' shapes.</summary>
    private static long[] Given(ModelDescriptor descriptor, TestTensor[] inputs)
    {
        var given = new List<long>();
        for (int s = 0; s < descriptor.Symbols.Length; s++)
        {
            if (descriptor.Parameters[s] is null)
                continue;
            long value = -1;
            for (int i = 0; i < descriptor.Inputs.Length && value < 0; i++)
            {
                int d = Array.IndexOf(descriptor.Inputs[i].Dims, ModelDescriptor.Symbol(s));
                if (d >= 0 && d < inputs[i].Shape.Length)
                    value = inputs[i].Shape[d];
            }
            given.Add(value);
        }
        return given.ToArray();
    }

    private static RunOutput ToOutput(TensorDescriptor tensor, object[] result) => result[0] is string[] strings
        ? new RunOutput(tensor.Name, (int)tensor.ElementType, (long[])result[1], [], strings)
        : new RunOutput(tensor.Name, (int)tensor.ElementType, (long[])result[1], (byte[])result[0], null);

    private static RunOutput[] RunRaw(InferenceSession session, RunOptions options, string[] inputNames, TestTensor[] inputs, string[] outputNames)
    {
        var values = inputs.Select(ToOrtValue).ToArray();
        try
        {
            using var results = session.Run(options, inputNames, values, outputNames);
            return results.Select((value, k) =>
            {
                var info = value.GetTensorTypeAndShape();
                return info.ElementDataType == TensorElementType.String
                    ? new RunOutput(outputNames[k], (int)info.ElementDataType, info.Shape, [], value.GetStringTensorAsArray())
                    : new RunOutput(outputNames[k], (int)info.ElementDataType, info.Shape, value.GetTensorMutableRawData().ToArray(), null);
            }).ToArray();
        }
        finally
        {
            foreach (var value in values)
                value.Dispose();
        }
    }

    private static OrtValue ToOrtValue(TestTensor tensor)
    {
        if (tensor.IsString)
        {
            var strings = OrtValue.CreateTensorWithEmptyStrings(OrtAllocator.DefaultInstance, tensor.Shape);
            for (int i = 0; i < tensor.Strings!.Length; i++)
                strings.StringTensorSetElementAt(tensor.Strings[i].AsSpan(), i);
            return strings;
        }
        var value = OrtValue.CreateAllocatedTensorValue(OrtAllocator.DefaultInstance, (TensorElementType)tensor.DataType, tensor.Shape);
        tensor.Bytes.CopyTo(value.GetTensorMutableRawData());
        return value;
    }

    /// <summary>Why <paramref name="actual"/> does not match the expected outputs within ONNX's tolerance; null when it does.</summary>
    private static string? Mismatch(RunOutput[] actual, Dictionary<string, TestTensor> expected)
    {
        foreach (var output in actual)
        {
            if (expected.TryGetValue(output.Name, out var want) && Tolerance.Compare(output, want) is { } reason)
                return $"output '{output.Name}': {reason}";
        }
        return null;
    }

    private static string? BitDifference(RunOutput[] typed, RunOutput[] raw)
    {
        foreach (var output in typed)
        {
            var other = raw.FirstOrDefault(r => r.Name == output.Name);
            if (other is null)
                return $"output '{output.Name}' is missing from the raw run";
            if (!output.Shape.SequenceEqual(other.Shape))
                return $"output '{output.Name}' has shape [{string.Join(",", output.Shape)}], raw [{string.Join(",", other.Shape)}]";
            if (output.DataType != other.DataType)
                return $"output '{output.Name}' has element type {output.DataType}, raw {other.DataType}";
            bool same = output.Strings is not null ? other.Strings is not null && output.Strings.SequenceEqual(other.Strings) : output.Bytes.AsSpan().SequenceEqual(other.Bytes);
            if (!same)
                return $"output '{output.Name}' differs from the raw run";
        }
        return null;
    }

    /// <summary>ONNX Runtime's message, without the test's own path, so that equal reasons group together.</summary>
    private static string OrtMessage(Exception e, BackendTest test) =>
        e.Message.Replace(test.Model, "model.onnx").Replace(Path.GetDirectoryName(test.Model)!, ".").Trim();
}
