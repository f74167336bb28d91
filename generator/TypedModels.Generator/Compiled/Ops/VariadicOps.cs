using System;
using System.Collections.Generic;
using System.Linq;
using TypedModels.Generator.Models;

namespace TypedModels.Generator.Compiled.Ops;

/// <summary>
/// The operators of one or more tensors, all broadcast together as numpy does: <c>Max</c> and <c>Min</c> on every
/// number type (NaN wins, as in ONNX Runtime), <c>Sum</c> and <c>Mean</c> on float and double. One input is its own
/// result (an alias); more are a chain of pairwise steps, each into an intermediate of the two operands' broadcast shape
/// and the last into the output, in input order as ONNX Runtime folds them. <c>Mean</c> is that <c>Sum</c> times 1/n, the
/// reciprocal rounded to the type first, as ONNX Runtime scales it. Known inputs fold.
/// </summary>
internal sealed class VariadicOps : Op
{
    public override IReadOnlyList<string> OpTypes => ["Max", "Min", "Sum", "Mean"];

    public override IReadOnlyList<string> Types => Numbers;

    public override void Plan(NodeContext node)
    {
        IReadOnlyList<string> types = node.OpType is "Max" or "Min" ? Numbers : Floats;
        if (node.InputCount == 0)
            throw new Unsupported("it has no inputs; ONNX requires at least one");
        var inputs = Enumerable.Range(0, node.InputCount).Select(i => node.Data(i, types)).ToArray();
        string type = inputs[0].ElementType;
        if (inputs.FirstOrDefault(x => x.ElementType != type) is { } other)
            throw new Unsupported($"its inputs are {type} and {other.ElementType}; ONNX requires one type");
        if (inputs.Length == 1)
        {
            node.Alias(inputs[0].Shape);
            return;
        }
        var shape = inputs.Skip(1).Aggregate(inputs[0].Shape, (s, x) => node.Shapes.Broadcast(s, x.Shape));
        if (Folding.CanFold(inputs))
        {
            node.Known(Fold(node.OpType, node.Shapes, inputs));
            return;
        }

        // Sum and Mean add with the Add kernels (float's vectorized); Max and Min are the generic Maximum and Minimum.
        string kernel = node.OpType switch { "Max" => "Maximum", "Min" => "Minimum", _ => "Add" };
        string? typeArgument = kernel == "Add" && type == "float" ? null : type;
        int at = node.Tensor(0);
        var atShape = inputs[0].Shape;
        for (int i = 1; i < inputs.Length; i++)
        {
            var next = i == inputs.Length - 1 ? shape : node.Shapes.Broadcast(atShape, inputs[i].Shape);
            // The partial results are scratch; the last step (before Mean's scaling) writes the output.
            bool last = i == inputs.Length - 1 && node.OpType != "Mean";
            int d = last ? node.Output(next, type) : node.Scratch(next, $"partial{i}", type);
            node.Step(new BinaryStep(node.Name, node.OpType, at, atShape.ToEquatableArray(), node.Tensor(i), inputs[i].Shape.ToEquatableArray(), d, next.ToEquatableArray(),
                typeArgument, kernel));
            (at, atShape) = (d, next);
        }
        if (node.OpType == "Mean")
        {
            int scale = node.Constant(node.Name + "/1/n", Value.Known(type, [], [Reciprocal(type, inputs.Length)]));
            int d = node.Output(shape, type);
            node.Step(new BinaryStep(node.Name, node.OpType, at, atShape.ToEquatableArray(), scale, default, d, shape.ToEquatableArray(), typeArgument, "Mul"));
        }
    }

    // 1/n in the type's precision (float's 1f/n, widened exactly).
    private static double Reciprocal(string type, int n) => type == "float" ? 1f / n : 1.0 / n;

    private static Value Fold(string opType, Shapes shapes, Value[] inputs)
    {
        Func<long, long, long> integer = opType switch
        {
            "Max" => Math.Max,
            "Min" => Math.Min,
            _ => (x, y) => x + y,
        };
        Func<double, double, double> real = opType switch
        {
            "Max" => (x, y) => x > y || double.IsNaN(x) ? x : y,
            "Min" => (x, y) => x < y || double.IsNaN(x) ? x : y,
            _ => (x, y) => x + y,
        };
        string type = inputs[0].ElementType;
        var result = inputs[0];
        foreach (var x in inputs.Skip(1))
        {
            var shape = shapes.Broadcast(result.Shape, x.Shape);
            // uint64 is held as its bit pattern: compared as doubles by Folding.Binary, which is exact below 2^53.
            result = Folding.Binary(result, x, shape, type, integer, real);
        }
        if (opType == "Mean")
        {
            double scale = Reciprocal(type, inputs.Length);
            result = Value.Known(type, result.Shape, result.AsDoubles()!.Select(v => v * scale).ToArray());
        }
        return result;
    }
}
