using System;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace TypedModels;

/// <summary>
/// The signature a client was compiled against, as the generator writes it: the model's symbolic dims, the inputs,
/// and the outputs the client fetches. Dims are fixed sizes (≥ 0) or indexes into <see cref="Symbols"/>, encoded as
/// <c>-1 - index</c>.
/// </summary>
public sealed class ModelDescriptor
{
    /// <summary>
    /// Describes a model; <paramref name="name"/> is the generated class's name, used in every error message.
    /// <paramref name="parameters"/> names, for each symbol the caller gives explicitly, its parameter (null for
    /// symbols inferred from the inputs' lengths); the given values arrive in that order.
    /// </summary>
    public ModelDescriptor(string name, string[] symbols, TensorDescriptor[] inputs, TensorDescriptor[] outputs, string?[]? parameters = null)
    {
        Name = name;
        Symbols = symbols;
        Inputs = inputs;
        Outputs = outputs;
        Parameters = parameters ?? new string?[symbols.Length];
    }

    /// <summary>For each symbol, the parameter that gives it, or null when it is inferred.</summary>
    public string?[] Parameters { get; }

    /// <summary>The generated class's name.</summary>
    public string Name { get; }

    /// <summary>Names of the symbolic dims, shared across tensors.</summary>
    public string[] Symbols { get; }

    /// <summary>The model's inputs, in its order.</summary>
    public TensorDescriptor[] Inputs { get; }

    /// <summary>The outputs this client fetches.</summary>
    public TensorDescriptor[] Outputs { get; }

    /// <summary>Encodes symbol <paramref name="index"/> as a dim.</summary>
    public static long Symbol(int index) => -1 - index;
}

/// <summary>
/// An input or output: its name in the model, element type and dims (see <see cref="ModelDescriptor"/>); or, when
/// <see cref="IsSequence"/>, a sequence of tensors of that element type, whose shapes each call gives or reads.
/// </summary>
public sealed class TensorDescriptor
{
    /// <summary>
    /// Describes a tensor, or a sequence of tensors when <paramref name="isSequence"/> (its dims are then empty);
    /// <paramref name="parameter"/> is the generated <c>Predict</c>'s parameter for an input (its name by default).
    /// </summary>
    public TensorDescriptor(string name, TensorElementType elementType, long[] dims, bool isSequence = false, string? parameter = null)
    {
        Name = name;
        ElementType = elementType;
        Dims = dims;
        IsSequence = isSequence;
        Parameter = parameter ?? name;
    }

    /// <summary>The C# parameter that carries an input (what <see cref="System.ArgumentException.ParamName"/> names).</summary>
    public string Parameter { get; }

    /// <summary>True for a sequence of tensors rather than a tensor.</summary>
    public bool IsSequence { get; }

    /// <summary>The tensor's name in the model.</summary>
    public string Name { get; }

    /// <summary>The ONNX element type.</summary>
    public TensorElementType ElementType { get; }

    /// <summary>Fixed sizes (≥ 0) or symbols (<c>-1 - index</c>).</summary>
    public long[] Dims { get; }

    /// <summary>The shape as the model writes it, e.g. <c>[batch, 4]</c>.</summary>
    public string ShapeText(string[] symbols)
    {
        if (IsSequence)
            return "(a sequence)";
        var parts = new string[Dims.Length];
        for (int i = 0; i < parts.Length; i++)
            parts[i] = Dims[i] >= 0 ? Dims[i].ToString(System.Globalization.CultureInfo.InvariantCulture) : symbols[-1 - (int)Dims[i]];
        return "[" + string.Join(", ", parts) + "]";
    }
}
