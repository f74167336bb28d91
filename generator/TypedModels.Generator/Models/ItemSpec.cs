namespace TypedModels.Generator.Models;

/// <summary>
/// A <c>&lt;TypedModel&gt;</c> item as the compiler sees it: the build step's signature file with the item's metadata.
/// Exactly one of <see cref="Signature"/> and <see cref="Error"/> is set.
/// </summary>
internal sealed record ItemSpec(
    string ModelPath,
    string TargetPath,
    string? ClassName,
    string? Namespace,
    EquatableArray<string>? Outputs,
    bool Embed,
    LocationInfo? Location,
    ModelSignature? Signature,
    SignatureError? Error);

/// <summary>A class marked <c>[TypedModel]</c>, read from its syntax and attribute.</summary>
internal sealed record AttributeSpec(
    ClassSpec Class,
    string ModelPath,
    LocationInfo? PathLocation,
    EquatableArray<OutputRequest>? Outputs,
    DiagnosticInfo? Invalid);

/// <summary>An output asked for by name, with where it was asked for.</summary>
internal sealed record OutputRequest(string Name, LocationInfo? Location);
