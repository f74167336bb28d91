extern alias buildstep;

using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using TypedModels.SeedModel.Onnx;
using TensorSignature = buildstep::TypedModels.TensorSignature;
using ValueKind = buildstep::TypedModels.ValueKind;

namespace TypedModels.Conformance;

/// <summary>
/// Runs every backend test through its generated client and through ONNX Runtime's raw API, with the same session
/// options, and compares each with the expected outputs (ONNX's tolerance) and with each other (bit for bit).
/// A test value is a <see cref="TestTensor"/> or, for a sequence, a <c>TestTensor[]</c>.
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

    public static IReadOnlyList<TestOutcome> Run(IReadOnlyList<BackendTest> tests, IReadOnlyList<ClientBuild> builds, IReadOnlyList<ClientBuild> compiledBuilds)
    {
        var outcomes = new TestOutcome[tests.Count];
        Parallel.For(0, tests.Count, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount },
            i => outcomes[i] = RunOne(tests[i], builds[i], compiledBuilds[i]));
        return outcomes;
    }

    private static TestOutcome RunOne(BackendTest test, ClientBuild build, ClientBuild compiledBuild)
    {
        var signature = test.Signature!;
        DataValues[] data = [];
        string? unreadable = null;
        try
        {
            data = test.DataSets.Select(set => new DataValues(
                set.Inputs.Select((file, k) => k < signature.Inputs.Count ? ReadValue(file, signature.Inputs[k]) : null).ToArray(),
                set.Outputs.Select((file, k) => k < signature.Outputs.Count ? ReadValue(file, signature.Outputs[k]) : null).ToArray())).ToArray();
        }
        catch (NotSupportedException e)
        {
            // float8, int4 and the like: each path still tries to load the model, so that ONNX Runtime says why it cannot.
            unreadable = e.Message;
        }
        var expectedByName = data.Select(d => signature.Outputs.Select((o, k) => (o.Name, Value: k < d.Expected.Length ? d.Expected[k] : null))
            .Where(x => x.Value is not null).ToDictionary(x => x.Name, x => x.Value!)).ToList();
        var inputNames = signature.Inputs.Select(i => i.Name).ToArray();

        // The raw API: every output it can carry, so its pass count is comparable with the reference.
        var rawOutputs = new List<RunOutput[]>();
        PathResult raw;
        InferenceSession? session = null;
        using var sessionOptions = new SessionOptions { GraphOptimizationLevel = Options.GraphOptimizationLevel, IntraOpNumThreads = Options.IntraOpThreads ?? 0 };
        using var runOptions = new RunOptions();
        var carried = signature.Outputs.Where(o => Carried(o)).Select(o => o.Name).ToArray();
        if (!signature.Inputs.All(Carried) || data.Any(d => d.Inputs.Length != signature.Inputs.Count))
            raw = PathResult.NotRun("an input is an optional or a sequence of non-tensors, which the raw harness does not build");
        else if (carried.Length == 0)
            raw = PathResult.NotRun("no output is a tensor or a sequence of tensors");
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
                    var outputs = RunRaw(session, runOptions, inputNames, d.Inputs!, carried);
                    rawOutputs.Add(outputs);
                    if (raw.Stage == Stage.Passed && Mismatch(outputs, expected) is { } reason)
                        raw = new PathResult(Stage.Mismatch, reason);
                }
                if (signature.Outputs.Count > carried.Length && raw.Stage == Stage.Passed)
                    raw = new PathResult(Stage.Mismatch, "an optional output is not compared");
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
                    var results = harness.Run(client, data[s].Inputs.Select(HarnessValue).ToArray(), Given(harness.Descriptor, data[s].Inputs));
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
                            var again = RunRaw(session, runOptions, inputNames, data[s].Inputs!, carried);
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

        var (compiled, compiledVsRaw) = RunCompiled(compiledBuild, data, expectedByName, rawOutputs, unreadable);
        return new TestOutcome(test, build, typed, raw, equal, difference, nondeterministic, leftOut, compiledBuild, compiled, compiledVsRaw);
    }

    /// <summary>
    /// The compiled client (<c>Backend="Compiled"</c>) on every data set: against the expected outputs, and against the raw
    /// API's outputs in units in the last place (<see cref="UlpComparison"/>), since its kernels are not ONNX Runtime's.
    /// </summary>
    private static (PathResult, UlpComparison?) RunCompiled(ClientBuild build, DataValues[] data, List<Dictionary<string, object>> expected,
        List<RunOutput[]> raw, string? unreadable)
    {
        if (build.Harness is not { } harness)
            return (NotBuilt(build), null);
        if (unreadable is not null)
            return (PathResult.NotRun(unreadable), null);
        var result = new PathResult(Stage.Passed, "");
        UlpComparison? comparison = raw.Count == data.Length ? UlpComparison.Equal : null;
        try
        {
            using var client = harness.OpenDefault(Options);
            for (int s = 0; s < data.Length; s++)
            {
                var results = harness.Run(client, data[s].Inputs.Select(HarnessValue).ToArray(), Given(harness.Descriptor, data[s].Inputs));
                var outputs = harness.Descriptor.Outputs.Select((o, k) => ToOutput(o, (object[])results[k])).ToArray();
                if (result.Stage == Stage.Passed && Mismatch(outputs, expected[s]) is { } reason)
                    result = new PathResult(Stage.Mismatch, reason);
                if (comparison is not null)
                    comparison = comparison.Worse(UlpComparison.Of(outputs, raw[s], expected[s]));
            }
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or IndexOutOfRangeException)
        {
            return (new PathResult(Stage.RunFailed, $"{e.GetType().Name}: {e.Message}"), null);
        }
        return (result, comparison);
    }

    private static PathResult NotBuilt(ClientBuild build) =>
        PathResult.NotRun(build.CompilerProblems.Count > 0 ? "the generated code does not compile" : "diagnostic " + string.Join(", ", build.DiagnosticIds));

    internal sealed record DataValues(object?[] Inputs, object?[] Expected);

    /// <summary>A tensor, or a sequence of tensors: what both paths carry.</summary>
    private static bool Carried(TensorSignature value) => value.IsTensor || (value.Kind == ValueKind.Sequence && value.ElementType.Length > 0);

    private static object? ReadValue(string file, TensorSignature value) => value switch
    {
        { IsTensor: true } => TestTensor.Read(File.ReadAllBytes(file)),
        _ when Carried(value) => SequenceProto.Parser.ParseFrom(File.ReadAllBytes(file)).TensorValues.Select(TestTensor.From).ToArray(),
        _ => null,
    };

    /// <summary>A value as the harness passes it to <c>Predict</c>: element bytes, strings, or a sequence's bytes and shapes.</summary>
    private static object HarnessValue(object? value) => value switch
    {
        TestTensor { IsString: true } t => t.Strings!,
        TestTensor t => t.Bytes,
        TestTensor[] sequence => new object[] { sequence.Select(t => t.Bytes).ToArray(), sequence.Select(t => t.Shape).ToArray() },
        _ => throw new InvalidOperationException("a value the client does not carry"),
    };

    /// <summary>The values of the dims the client takes as parameters, read off the inputs' shapes.</summary>
    private static long[] Given(ModelDescriptor descriptor, object?[] inputs)
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
                if (d >= 0 && inputs[i] is TestTensor tensor && d < tensor.Shape.Length)
                    value = tensor.Shape[d];
            }
            given.Add(value);
        }
        return given.ToArray();
    }

    private static RunOutput ToOutput(TensorDescriptor tensor, object[] result) => result[0] switch
    {
        string[] strings => new RunOutput(tensor.Name, (int)tensor.ElementType, (long[])result[1], [], strings),
        byte[][] elements => new RunOutput(tensor.Name, (int)tensor.ElementType, [], [], null,
            elements.Select((bytes, j) => new RunOutput(tensor.Name, (int)tensor.ElementType, ((long[][])result[1])[j], bytes, null)).ToArray()),
        _ => new RunOutput(tensor.Name, (int)tensor.ElementType, (long[])result[1], (byte[])result[0], null),
    };

    private static RunOutput[] RunRaw(InferenceSession session, RunOptions options, string[] inputNames, object?[] inputs, string[] outputNames)
    {
        var values = inputs.Select(ToOrtValue).ToArray();
        try
        {
            using var results = session.Run(options, inputNames, values, outputNames);
            return results.Select((value, k) => FromOrtValue(outputNames[k], value)).ToArray();
        }
        finally
        {
            foreach (var value in values)
                value.Dispose();
        }
    }

    private static RunOutput FromOrtValue(string name, OrtValue value)
    {
        if (value.OnnxType == OnnxValueType.ONNX_TYPE_SEQUENCE)
        {
            var elements = new RunOutput[value.GetValueCount()];
            for (int j = 0; j < elements.Length; j++)
            {
                using var element = value.GetValue(j, OrtAllocator.DefaultInstance);
                elements[j] = FromOrtValue(name, element);
            }
            return new RunOutput(name, elements.FirstOrDefault()?.DataType ?? 0, [], [], null, elements);
        }
        var info = value.GetTensorTypeAndShape();
        return info.ElementDataType == TensorElementType.String
            ? new RunOutput(name, (int)info.ElementDataType, info.Shape, [], value.GetStringTensorAsArray())
            : new RunOutput(name, (int)info.ElementDataType, info.Shape, value.GetTensorMutableRawData().ToArray(), null);
    }

    private static OrtValue ToOrtValue(object? value)
    {
        if (value is TestTensor[] sequence)
            return OrtValue.CreateSequence(sequence.Select(ToOrtValue).ToList());
        var tensor = (TestTensor)value!;
        if (tensor.IsString)
        {
            var strings = OrtValue.CreateTensorWithEmptyStrings(OrtAllocator.DefaultInstance, tensor.Shape);
            for (int i = 0; i < tensor.Strings!.Length; i++)
                strings.StringTensorSetElementAt(tensor.Strings[i].AsSpan(), i);
            return strings;
        }
        var created = OrtValue.CreateAllocatedTensorValue(OrtAllocator.DefaultInstance, (TensorElementType)tensor.DataType, tensor.Shape);
        tensor.Bytes.CopyTo(created.GetTensorMutableRawData());
        return created;
    }

    /// <summary>Why <paramref name="actual"/> does not match the expected outputs within ONNX's tolerance; null when it does.</summary>
    private static string? Mismatch(RunOutput[] actual, Dictionary<string, object> expected)
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
            if (BitDifference(output, other) is { } difference)
                return $"output '{output.Name}' {difference}";
        }
        return null;
    }

    private static string? BitDifference(RunOutput typed, RunOutput raw)
    {
        if (typed.Elements is not null || raw.Elements is not null)
        {
            if (typed.Elements?.Length != raw.Elements?.Length)
                return $"has {typed.Elements?.Length} tensors, raw {raw.Elements?.Length}";
            return typed.Elements!.Zip(raw.Elements!).Select((pair, j) => BitDifference(pair.First, pair.Second) is { } d ? $"tensor {j} {d}" : null).FirstOrDefault(d => d is not null);
        }
        if (!typed.Shape.SequenceEqual(raw.Shape))
            return $"has shape [{string.Join(",", typed.Shape)}], raw [{string.Join(",", raw.Shape)}]";
        if (typed.DataType != raw.DataType)
            return $"has element type {typed.DataType}, raw {raw.DataType}";
        bool same = typed.Strings is not null ? raw.Strings is not null && typed.Strings.SequenceEqual(raw.Strings) : typed.Bytes.AsSpan().SequenceEqual(raw.Bytes);
        return same ? null : "differs from the raw run";
    }

    /// <summary>ONNX Runtime's message, without the test's own path, so that equal reasons group together.</summary>
    private static string OrtMessage(Exception e, BackendTest test) =>
        e.Message.Replace(test.Model, "model.onnx").Replace(Path.GetDirectoryName(test.Model)!, ".").Trim();
}
