namespace TypedModels.Generator.Models;

/// <summary>
/// A <c>&lt;TypedModel&gt;</c> item as the compiler sees it: the build step's signature file with the item's metadata.
/// Exactly one of <see cref="Signature"/> and <see cref="Error"/> is set. <see cref="Backend"/> and
/// <see cref="WeightLimit"/> are the metadata as written (the parser validates them).
/// </summary>
internal sealed record ItemSpec(
    string ModelPath,
    string TargetPath,
    string? ClassName,
    string? Namespace,
    EquatableArray<string>? Outputs,
    bool Embed,
    string Backend,
    string WeightLimit,
    LocationInfo? Location,
    ModelSignature? Signature,
    SignatureError? Error);

/// <summary>A class marked <c>[TypedModel]</c>, read from its syntax and attribute; <see cref="Backend"/> is the <c>ModelBackend</c> value it sets, if any.</summary>
internal sealed record AttributeSpec(
    ClassSpec Class,
    string ModelPath,
    LocationInfo? PathLocation,
    EquatableArray<OutputRequest>? Outputs,
    int? Backend,
    DiagnosticInfo? Invalid);

/// <summary>An output asked for by name, with where it was asked for.</summary>
internal sealed record OutputRequest(string Name, LocationInfo? Location);
