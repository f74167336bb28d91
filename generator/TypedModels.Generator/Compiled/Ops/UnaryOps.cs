using System;
using System.Collections.Generic;
using System.Linq;
using TypedModels.Generator.Models;

namespace TypedModels.Generator.Compiled.Ops;

/// <summary>
/// The elementwise functions of one tensor (<c>Kernels.Elementwise.cs</c>): one kernel each, some with float
/// attributes passed as named arguments. Exact ones (Neg, Abs, Floor, Ceil, Round, Relu, Sqrt, Reciprocal) fold on
/// known data of any number type; the kernels compute float tensors.
/// </summary>
internal sealed class UnaryOps : Op
{
    private static readonly Dictionary<string, Func<double, double>> Exact = new()
    {
        ["Neg"] = x => -x,
        ["Abs"] = Math.Abs,
        ["Floor"] = Math.Floor,
        ["Ceil"] = Math.Ceiling,
        ["Round"] = x => Math.Round(x, MidpointRounding.ToEven),
        ["Relu"] = x => x > 0 ? x : x < 0 ? 0 : x,
        ["Sqrt"] = Math.Sqrt,
        ["Reciprocal"] = x => 1 / x,
    };

    public override IReadOnlyList<string> OpTypes =>
    [
        "Relu", "Sigmoid", "Tanh", "Abs", "Neg", "Floor", "Ceil", "Round", "Sqrt", "Reciprocal", "Exp", "Log", "Sin", "Cos",
        "Softsign", "Softplus", "HardSigmoid", "Elu", "Selu", "ThresholdedRelu", "LeakyRelu", "Clip",
    ];

    public override IReadOnlyList<string> Types => Numbers;

    public override void Plan(NodeContext node)
    {
        var x = node.Data(0);
        if (Exact.TryGetValue(node.OpType, out var exact) && Folding.CanFold(x) && (x.ElementType is "float" or "double" || node.OpType is "Neg" or "Abs" or "Relu"))
        {
            node.Known(x.Longs is { } longs ? Value.Known(x.ElementType, x.Shape, longs.Select(l => Value.Wrap(x.ElementType, (long)exact(l))).ToArray())
                : Value.Known(x.ElementType, x.Shape, x.AsDoubles()!.Select(exact).ToArray()));
            return;
        }
        node.Data(0, Float);
        (string, float)[] parameters = node.OpType switch
        {
            "HardSigmoid" => [("alpha", node.Float("alpha", 0.2f)), ("beta", node.Float("beta", 0.5f))],
            "Elu" => [("alpha", node.Float("alpha", 1f))],
            "Selu" => [("alpha", node.Float("alpha", 1.67326319217681884765625f)), ("gamma", node.Float("gamma", 1.05070102214813232421875f))],
            "ThresholdedRelu" => [("alpha", node.Float("alpha", 1f))],
            "LeakyRelu" => [("alpha", node.Float("alpha", 0.01f))],
            "Clip" => [("min", Bound(node, 1, "min", float.NegativeInfinity)), ("max", Bound(node, 2, "max", float.PositiveInfinity))],
            _ => [],
        };
        int d = node.Output(x.Shape);
        node.Step(new UnaryStep(node.Name, node.OpType, node.Tensor(0), parameters.ToEquatableArray(), d));
    }

    // Clip's bounds: attributes before opset 11, optional known scalar inputs from it on; absent, unbounded.
    private static float Bound(NodeContext node, int input, string attribute, float unbounded)
    {
        if (node.Opset < 11)
            return node.Float(attribute, unbounded);
        if (!node.Has(input))
            return unbounded;
        return node.Data(input, Float).Floats is { Length: 1 } bound ? bound[0] : throw new Unsupported($"its {attribute} is not a constant scalar");
    }
}

/// <summary><c>Kernels.{OpType}(x, …parameters, d)</c>.</summary>
internal sealed record UnaryStep(string Node, string OpType, int X, EquatableArray<(string Name, float Value)> Parameters, int D) : PlanStep(Node, OpType)
{
    public override void Emit(StepWriter w) =>
        w.Call(OpType, [("x", w.Tensor(X)), .. Parameters.Select(p => (p.Name, StepWriter.Float(p.Value))), ("d", w.Tensor(D))]);
}
