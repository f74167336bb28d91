namespace TypedModels.Generator;

/// <summary>Names of the pipeline's tracked steps; tests assert on them to prove what an edit re-runs.</summary>
internal static class TrackingNames
{
    public const string Items = nameof(Items);
    public const string Attributes = nameof(Attributes);
    public const string ItemClients = nameof(ItemClients);
    public const string AttributeClients = nameof(AttributeClients);
    public const string Emit = nameof(Emit);
}
