using System.Collections.Generic;

namespace TypedModels.Conformance;

/// <summary>How far one path (the generated client, or ONNX Runtime's raw API) got with a test.</summary>
internal enum Stage
{
    /// <summary>Not attempted: the generator gave a diagnostic instead of a client, or the raw harness cannot carry the values.</summary>
    NotRun,

    /// <summary>ONNX Runtime refused to create the session.</summary>
    LoadFailed,

    /// <summary>The session was created but a run failed.</summary>
    RunFailed,

    /// <summary>It ran; the outputs differ from the expected ones beyond ONNX's tolerance.</summary>
    Mismatch,

    /// <summary>It ran and every output matches the expected one.</summary>
    Passed,
}

/// <summary>One path's result: its stage and, short of passing, why.</summary>
internal sealed record PathResult(Stage Stage, string Reason)
{
    public static PathResult NotRun(string reason) => new(Stage.NotRun, reason);

    public bool Ran => Stage is Stage.Mismatch or Stage.Passed;
}

/// <summary>A tensor as a run left it: element bytes (or strings) and shape; or a sequence, its <paramref name="Elements"/>.</summary>
internal sealed record RunOutput(string Name, int DataType, long[] Shape, byte[] Bytes, string[]? Strings, RunOutput[]? Elements = null);

/// <summary>Everything the report says about one test.</summary>
/// <param name="TypedEqualsRaw">Null when both paths did not run; otherwise whether every output the client fetches is bit for bit ONNX Runtime's.</param>
/// <param name="Nondeterministic">ONNX Runtime's raw API itself gave different outputs on two runs of the same inputs (random operators without a seed).</param>
internal sealed record TestOutcome(
    BackendTest Test,
    ClientBuild Build,
    PathResult Typed,
    PathResult Raw,
    bool? TypedEqualsRaw,
    string TypedRawDifference,
    bool Nondeterministic,
    IReadOnlyList<string> LeftOut);
