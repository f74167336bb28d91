namespace TypedModels.Generator;

/// <summary>
/// Names of the pipeline's tracked steps; tests assert on them to prove what an edit re-runs. Every step of
/// <see cref="TypedModelGenerator.Initialize"/> carries one, and a test checks that each name here shows up in a run.
/// </summary>
internal static class TrackingNames
{
    /// <summary>The project's root namespace, from the analyzer config options.</summary>
    public const string RootNamespace = nameof(RootNamespace);

    /// <summary>Each <c>&lt;TypedModel&gt;</c> item's signature file, read with its metadata.</summary>
    public const string Items = nameof(Items);

    /// <summary>Each class marked <c>[TypedModel]</c>.</summary>
    public const string Attributes = nameof(Attributes);

    /// <summary>The files the <c>[TypedModel]</c> classes generate, which an item's client must not also write.</summary>
    public const string DeclaredClasses = nameof(DeclaredClasses);

    /// <summary>Every item, collected, for the attributes to find theirs in.</summary>
    public const string AllItems = nameof(AllItems);

    public const string ItemClients = nameof(ItemClients);
    public const string AttributeClients = nameof(AttributeClients);

    /// <summary>The generated files that more than one client would write (TM0009).</summary>
    public const string Duplicates = nameof(Duplicates);

    /// <summary>Each client's result once duplicates are refused, before it splits into source and diagnostics.</summary>
    public const string Results = nameof(Results);

    /// <summary>The clients whose source is written.</summary>
    public const string Emit = nameof(Emit);

    /// <summary>The diagnostics reported, apart from the source: moving one re-emits nothing.</summary>
    public const string Diagnostics = nameof(Diagnostics);
}
