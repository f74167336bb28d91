using System.Collections.Generic;
using System.Linq;
using TypedModels.Generator.Models;

namespace TypedModels.Generator.Compiled.Ops;

/// <summary>
/// The ops that change a shape and nothing else: <c>Reshape</c>, <c>Flatten</c>, <c>Squeeze</c>, <c>Unsqueeze</c>.
/// Each aliases its input (no copy); the new shape must be known at build time, up to the client's symbols (a shape
/// computed from <c>Shape</c> of a symbolic input folds to those symbols).
/// </summary>
internal sealed class ReshapeOps : Op
{
    public override IReadOnlyList<string> OpTypes => ["Reshape", "Flatten", "Squeeze", "Unsqueeze"];

    public override IReadOnlyList<string> Types => Any;

    public override void Plan(NodeContext node)
    {
        var x = node.Input(0);
        node.Alias(node.OpType switch
        {
            "Reshape" => Reshape(node, x),
            "Flatten" => Flatten(node, x),
            "Squeeze" => Squeeze(node, x),
            _ => Unsqueeze(node, x),
        });
    }

    private static PlanDim[] Reshape(NodeContext node, Value x)
    {
        var shape = node.Input(1).AsDims() ?? throw new Unsupported("its shape is not known at build time");
        bool allowZero = node.Int("allowzero", 0) != 0;
        var dims = new PlanDim?[shape.Length];
        int infer = -1;
        for (int i = 0; i < shape.Length; i++)
        {
            if (!shape[i].IsFixed)
                dims[i] = shape[i];
            else if (shape[i].Value == -1 && infer < 0)
                infer = i;
            else if (shape[i].Value == 0 && !allowZero)
                dims[i] = i < x.Shape.Length ? x.Shape[i] : throw new Unsupported($"its shape copies dim {i}, which the input lacks");
            else if (shape[i].Value >= 0)
                dims[i] = shape[i];
            else
                throw new Unsupported($"its shape {node.Text(shape)} is invalid");
        }
        if (infer >= 0)
            dims[infer] = node.Shapes.Quotient(x.Shape, dims.Where(d => d is not null).Select(d => d!.Value));
        var result = dims.Select(d => d!.Value).ToArray();
        if (!Shapes.SameSize(x.Shape, result))
            throw new Unsupported($"it reshapes {node.Text(x.Shape)} to {node.Text(result)}, which has a different number of elements");
        return result;
    }

    private static PlanDim[] Flatten(NodeContext node, Value x)
    {
        int axis = Shapes.Axis(node.Int("axis", 1), x.Shape.Length, inclusive: true);
        return [node.Shapes.Product(x.Shape.Take(axis)), node.Shapes.Product(x.Shape.Skip(axis))];
    }

    private static PlanDim[] Squeeze(NodeContext node, Value x)
    {
        if (Axes(node) is not { } given)
        {
            // No axes: every dim of 1 goes, which only fixed dims can promise.
            if (x.Shape.Any(d => !d.IsFixed))
                throw new Unsupported($"without axes it squeezes the dims of 1 of {node.Text(x.Shape)}, and a symbolic dim may be 1 or not");
            return x.Shape.Where(d => d.Value != 1).ToArray();
        }
        var axes = Shapes.Axes(given, x.Shape.Length);
        foreach (int axis in axes)
        {
            var dim = x.Shape[axis];
            if (dim.IsFixed && dim.Value != 1)
                throw new Unsupported($"it squeezes dim {axis} of {node.Text(x.Shape)}, which is not 1");
            // A symbol squeezed must be 1 at run time, as ONNX requires (silero squeezes its frame count in the branch of
            // an If that compares it with 1): the call checks it.
            if (!dim.IsFixed)
                node.Step(new ExpectDimStep(node.Name, node.OpType, dim, 1, 1, $"The compiled node '{node.Name}' ({node.OpType}) squeezes dim {axis} of {node.Text(x.Shape)}, {node.Shapes.Name(dim)}, which is {{0}} for this input; ONNX requires 1."));
        }
        return x.Shape.Where((_, i) => !axes.Contains(i)).ToArray();
    }

    private static PlanDim[] Unsqueeze(NodeContext node, Value x)
    {
        var given = Axes(node) ?? throw new Unsupported("it has no axes");
        var shape = new List<PlanDim>(x.Shape);
        // Axes count in the output's rank: inserted in ascending order, each lands where it says.
        foreach (int axis in Shapes.Axes(given, x.Shape.Length + given.Length).OrderBy(a => a))
            shape.Insert(axis, PlanDim.Fixed(1));
        return [.. shape];
    }

    /// <summary>Axes as an attribute (before opset 13) or a known input (since); null when neither is given. Shared by the reductions.</summary>
    public static long[]? Axes(NodeContext node, int input = 1)
    {
        if (node.Ints("axes") is { } attribute)
            return attribute;
        return node.Has(input) ? node.Longs(input, "axes") : null;
    }
}

/// <summary>
/// <c>Kernels.ExpectDim</c>: a symbolic dim the plan needs within [<see cref="Least"/>, <see cref="Most"/>], checked when the
/// call knows it; <see cref="Message"/> formats the dim it got.
/// </summary>
internal sealed record ExpectDimStep(string Node, string OpType, PlanDim Dim, long Least, long Most, string Message) : PlanStep(Node, OpType)
{
    public override void Emit(StepWriter w) => w.Call("ExpectDim", ("actual", StepWriter.Count(Dim)), ("least", StepWriter.Number(Least)),
        ("most", Most >= int.MaxValue ? "int.MaxValue" : StepWriter.Number(Most)), ("message", Microsoft.CodeAnalysis.CSharp.SymbolDisplay.FormatLiteral(Message, quote: true)));
}
