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
    EquatableArray<string> Names,
    bool Embed,
    string Backend,
    string WeightLimit,
    LocationInfo? Location,
    ModelSignature? Signature,
    SignatureError? Error);

/// <summary>
/// A class marked <c>[TypedModel]</c>, read from its syntax and attribute; <see cref="Backend"/> is the <c>ModelBackend</c>
/// value it sets, if any. <see cref="Invalid"/> says why the class cannot carry a client (the analyzer reports it as TM0007).
/// </summary>
internal sealed record AttributeSpec(
    ClassSpec Class,
    string ModelPath,
    LocationInfo? PathLocation,
    EquatableArray<OutputRequest>? Outputs,
    EquatableArray<OutputRequest>? Names,
    int? Backend,
    string? Invalid);

/// <summary>A name the user wrote (an output to fetch, or a <c>Names</c> entry), with where it was written.</summary>
internal sealed record OutputRequest(string Name, LocationInfo? Location);
