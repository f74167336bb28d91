using System;
using System.Collections.Generic;
using System.Linq;
using TypedModels.Generator.Models;

namespace TypedModels.Generator.Compiled.Ops;

/// <summary>
/// The elementwise functions of one tensor (<c>Kernels.Elementwise.cs</c>): one kernel each, some with float
/// attributes passed as named arguments. The kernels compute float tensors, except <c>Neg</c> and <c>Abs</c> (every
/// signed number type, and Abs the unsigned too), <c>Sign</c> (every number type) and <c>IsNaN</c>/<c>IsInf</c>
/// (float or double in, bool out), which are generic. Exact ones (Neg, Abs, Sign, Floor, Ceil, Round, Relu, Sqrt,
/// Reciprocal) fold on known data of any number type, the functions this file added later (Erf, the trigonometric and
/// hyperbolic ones, HardSwish, Celu, Gelu, Mish, IsNaN, IsInf) on known float or double data, computed in double and
/// rounded once.
/// </summary>
internal sealed class UnaryOps : Op
{
    private static readonly Dictionary<string, Func<double, double>> Exact = new()
    {
        ["Neg"] = x => -x,
        ["Abs"] = Math.Abs,
        ["Sign"] = x => x > 0 ? 1 : x < 0 ? -1 : x,
        ["Floor"] = Math.Floor,
        ["Ceil"] = Math.Ceiling,
        ["Round"] = x => Math.Round(x, MidpointRounding.ToEven),
        ["Relu"] = x => x > 0 ? x : x < 0 ? 0 : x,
        ["Sqrt"] = Math.Sqrt,
        ["Reciprocal"] = x => 1 / x,
    };

    // The same on integers, for the ops defined on them (an unsigned 64-bit value is held as its bit pattern).
    private static readonly Dictionary<string, Func<long, bool, long>> ExactIntegers = new()
    {
        ["Neg"] = (x, _) => unchecked(-x),
        ["Abs"] = (x, unsigned) => unsigned || x >= 0 ? x : unchecked(-x),
        ["Sign"] = (x, unsigned) => unsigned ? (x != 0 ? 1 : 0) : Math.Sign(x),
        ["Relu"] = (x, unsigned) => unsigned || x >= 0 ? x : 0,
    };

    public override IReadOnlyList<string> OpTypes =>
    [
        "Relu", "Sigmoid", "Tanh", "Abs", "Neg", "Sign", "Floor", "Ceil", "Round", "Sqrt", "Reciprocal", "Exp", "Log", "Sin", "Cos",
        "Tan", "Asin", "Acos", "Atan", "Sinh", "Cosh", "Asinh", "Acosh", "Atanh", "Erf",
        "Softsign", "Softplus", "HardSigmoid", "HardSwish", "Elu", "Celu", "Selu", "ThresholdedRelu", "LeakyRelu", "Gelu", "Mish", "Clip",
        "IsNaN", "IsInf",
    ];

    public override IReadOnlyList<string> Types => Numbers;

    public override void Plan(NodeContext node)
    {
        if (node.OpType is "IsNaN" or "IsInf")
        {
            PlanClassification(node, node.Data(0, Floats));
            return;
        }
        var x = node.Data(0);
        if (Folding.CanFold(x) && Fold(node, x) is { } folded)
        {
            node.Known(folded);
            return;
        }
        if (x.ElementType != "float" && node.OpType is "Neg" or "Abs" or "Sign")
        {
            if (node.OpType == "Neg")
                node.Data(0, Signed);
            int g = node.Output(x.Shape, x.ElementType);
            node.Step(new UnaryStep(node.Name, node.OpType, node.OpType, x.ElementType, node.Tensor(0), default, g));
            return;
        }
        node.Data(0, Float);
        if (DenseFusion.TryActivation(node, x) || ConvFusion.TryActivation(node, x))
            return;
        if (node.OpType == "Clip" && node.Opset >= 11 && new[] { 1, 2 }.Any(i => node.Has(i) && !node.Data(i, Float).IsKnown))
        {
            // A bound computed at run time (a dynamic range below a maximum, say): a one-element tensor read per call.
            foreach (int i in new[] { 1, 2 }.Where(node.Has))
            {
                if (node.Input(i).Shape.Any(d => d != PlanDim.Fixed(1)))
                    throw new Unsupported($"its {(i == 1 ? "min" : "max")} {node.Text(node.Input(i).Shape)} is not a scalar");
            }
            int clipped = node.Output(x.Shape);
            node.Step(new ClipStep(node.Name, node.OpType, node.Tensor(0), node.Tensor(1), node.Tensor(2), clipped));
            return;
        }
        (string, float)[] parameters = node.OpType switch
        {
            "HardSigmoid" => [("alpha", node.Float("alpha", 0.2f)), ("beta", node.Float("beta", 0.5f))],
            "Elu" => [("alpha", node.Float("alpha", 1f))],
            "Celu" => [("alpha", node.Float("alpha", 1f))],
            "Selu" => [("alpha", node.Float("alpha", 1.67326319217681884765625f)), ("gamma", node.Float("gamma", 1.05070102214813232421875f))],
            "ThresholdedRelu" => [("alpha", node.Float("alpha", 1f))],
            "LeakyRelu" => [("alpha", node.Float("alpha", 0.01f))],
            "Clip" => [("min", Bound(node, 1, "min", float.NegativeInfinity)), ("max", Bound(node, 2, "max", float.PositiveInfinity))],
            _ => [],
        };
        // Sign of float is the generic kernel's too; Gelu's tanh approximation is a kernel of its own.
        string kernel = node.OpType == "Gelu" && GeluTanh(node) ? "GeluTanh" : node.OpType;
        int d = node.Output(x.Shape);
        node.Step(new UnaryStep(node.Name, node.OpType, kernel, node.OpType == "Sign" ? "float" : null, node.Tensor(0),
            parameters.Select(p => (p.Item1, StepWriter.Float(p.Item2))).ToEquatableArray(), d));
    }

    // IsNaN and IsInf: bool of a float or double tensor.
    private static void PlanClassification(NodeContext node, Value x)
    {
        bool negative = node.Int("detect_negative", 1) != 0, positive = node.Int("detect_positive", 1) != 0;
        Func<double, bool> test = node.OpType == "IsNaN" ? double.IsNaN
            : v => (negative && double.IsNegativeInfinity(v)) || (positive && double.IsPositiveInfinity(v));
        if (Folding.CanFold(x))
        {
            node.Known(Value.Known("bool", x.Shape, x.AsDoubles()!.Select(v => test(v) ? 1L : 0L).ToArray()));
            return;
        }
        int d = node.Output(x.Shape, "bool");
        (string, string)[] flags = node.OpType == "IsInf" ? [("detectNegative", StepWriter.Bool(negative)), ("detectPositive", StepWriter.Bool(positive))] : [];
        node.Step(new UnaryStep(node.Name, node.OpType, node.OpType, x.ElementType, node.Tensor(0), flags.ToEquatableArray(), d));
    }

    // Gelu's approximate attribute: "none" (the error function) or "tanh".
    private static bool GeluTanh(NodeContext node) => node.String("approximate") switch
    {
        null or "none" => false,
        "tanh" => true,
        var other => throw new Unsupported($"its approximate is '{other}'; ONNX defines 'none' and 'tanh'"),
    };

    /// <summary>The node's output on known data; null where this op does not fold (a transcendental function of integers, say).</summary>
    private static Value? Fold(NodeContext node, Value x)
    {
        if (x.Longs is { } longs)
        {
            bool unsigned = x.ElementType is "uint8" or "uint16" or "uint32" or "uint64";
            if (ExactIntegers.TryGetValue(node.OpType, out var integer) && !(node.OpType == "Neg" && unsigned))
                return Value.Known(x.ElementType, x.Shape, longs.Select(l => Value.Wrap(x.ElementType, integer(l, unsigned))).ToArray());
            return null;
        }
        if (Exact.TryGetValue(node.OpType, out var exact))
            return Value.Known(x.ElementType, x.Shape, x.AsDoubles()!.Select(exact).ToArray());
        Func<double, double>? function = node.OpType switch
        {
            "Tan" => Math.Tan,
            "Asin" => Math.Asin,
            "Acos" => Math.Acos,
            "Atan" => Math.Atan,
            "Sinh" => Math.Sinh,
            "Cosh" => Math.Cosh,
            "Asinh" => Asinh,
            "Acosh" => v => v < 1 ? double.NaN : Math.Log(v + Math.Sqrt(v * v - 1)),
            "Atanh" => Atanh,
            "Erf" => Erf,
            "HardSwish" => v => v * Math.Max(0, Math.Min(1, v / 6 + 0.5)),
            "Celu" => Celu(node.Float("alpha", 1f)),
            "Gelu" => GeluTanh(node) ? v => 0.5 * v * (1 + Math.Tanh(Math.Sqrt(2 / Math.PI) * (v + 0.044715 * v * v * v))) : v => 0.5 * v * (1 + Erf(v / Math.Sqrt(2))),
            "Mish" => v => v * Math.Tanh(v > 0 ? v + LogP1(Math.Exp(-v)) : LogP1(Math.Exp(v))),
            _ => null,
        };
        return function is null ? null : Value.Known(x.ElementType, x.Shape, x.AsDoubles()!.Select(function).ToArray());
    }

    private static Func<double, double> Celu(double alpha) => v => Math.Max(0, v) + Math.Min(0, alpha * (Math.Exp(v / alpha) - 1));

    // netstandard2.0 has no Math.Asinh, Math.Atanh or LogP1: their logarithms, with the series where those cancel.
    private static double Asinh(double v)
    {
        double a = Math.Abs(v);
        double r = a < 1e-4 ? a - a * a * a / 6 : Math.Log(a + Math.Sqrt(a * a + 1));
        return v < 0 ? -r : r;
    }

    // ln(1 + y) for y ≥ 0 without losing a small y to the 1 (Mish's tail, x·e^x, for very negative x).
    private static double LogP1(double y) => y < 1e-5 ? y - y * y / 2 + y * y * y / 3 : Math.Log(1 + y);

    private static double Atanh(double v) => Math.Abs(v) < 1e-4 ? v + v * v * v / 3 : 0.5 * Math.Log((1 + v) / (1 - v));

    /// <summary>
    /// The error function for folding: (2/√π)·e^(−x²)·Σ 2ⁿx^(2n+1)/(2n+1)!!, a series of positive terms (nothing cancels),
    /// summed until the terms stop counting; ±1 beyond 6, where erf is 1 in double.
    /// </summary>
    private static double Erf(double v)
    {
        double a = Math.Abs(v);
        if (double.IsNaN(a))
            return a;
        if (a > 6)
            return v < 0 ? -1 : 1;
        double term = a, sum = a;
        for (int n = 1; term > sum * 1e-17; n++)
        {
            term *= 2 * a * a / (2 * n + 1);
            sum += term;
        }
        double r = 2 / Math.Sqrt(Math.PI) * Math.Exp(-a * a) * sum;
        return v < 0 ? -r : r;
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

/// <summary><c>Kernels.{Kernel}(x, …arguments, d)</c>, as <c>{Kernel}&lt;{TypeArgument}&gt;</c> when it is given (the generic kernels).</summary>
internal sealed record UnaryStep(string Node, string OpType, string Kernel, string? TypeArgument, int X, EquatableArray<(string Name, string Value)> Arguments, int D)
    : PlanStep(Node, OpType)
{
    public override void Emit(StepWriter w) => w.Call(Kernel, TypeArgument, [("x", w.Tensor(X)), .. Arguments, ("d", w.Tensor(D))]);
}

/// <summary><c>Kernels.Clip</c> with bounds that are one-element tensors, read when the call runs (absent: unbounded).</summary>
internal sealed record ClipStep(string Node, string OpType, int X, int Min, int Max, int D) : PlanStep(Node, OpType)
{
    public override void Emit(StepWriter w) => w.Call("ClipBy", ("x", w.Tensor(X)), ("min", w.Tensor(Min)), ("max", w.Tensor(Max)), ("d", w.Tensor(D)));
}
