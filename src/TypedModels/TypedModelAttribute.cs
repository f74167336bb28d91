using System;

namespace TypedModels;

/// <summary>
/// Generates a typed client into the partial class it marks, for a model that the project lists as a
/// <c>&lt;TypedModel Include="…" /&gt;</c> item. Settings given here override the item's metadata.
/// </summary>
/// <example><code>[TypedModel("models/number.onnx", Outputs = new[] { "predictions" })] public partial class Scorer;</code></example>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class TypedModelAttribute(string path) : Attribute
{
    /// <summary>The model's path exactly as the project's <c>TypedModel</c> item includes it.</summary>
    public string Path { get; } = path;

    /// <summary>The outputs to fetch, by their names in the model; all outputs when null.</summary>
    public string[]? Outputs { get; set; }

    /// <summary>
    /// C# names for inputs and outputs, each written <c>onnxName=Identifier</c> (split at the last <c>=</c>, so any ONNX
    /// name can be written, commas and quotes included): <c>Names = ["onnx::Flatten_0=Features", "output=Scores"]</c>.
    /// An output becomes a property of that name, an input a parameter of it in camel case. The item's <c>Names</c>
    /// metadata when null.
    /// </summary>
    public string[]? Names { get; set; }

    /// <summary>
    /// What runs the model; the item's <c>Backend</c> metadata when not set. <see cref="ModelBackend.Compiled"/> and
    /// <see cref="ModelBackend.Auto"/> need the graph, which the build step reads only for items whose own
    /// <c>Backend</c> is <c>Compiled</c> or <c>Auto</c>.
    /// </summary>
    public ModelBackend Backend { get; set; }
}
