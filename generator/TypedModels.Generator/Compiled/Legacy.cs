using System;
using System.Collections.Generic;
using System.Linq;
using TypedModels.Generator.Models;

namespace TypedModels.Generator.Compiled;

/// <summary>
/// Reads a node of a model that imports ai.onnx opset 1–6 as the same node at opset 7, as ONNX's version converter
/// does, so each <see cref="Op"/> follows one set of semantics. What changed at 7 and before: arithmetic, <c>Pow</c>,
/// comparisons and logic broadcast only when their <c>broadcast</c> attribute says so, and then B alone, matched to A's
/// dims from <c>axis</c> (or as A's suffix), which is numpy broadcasting once B's shape is padded with ones (an alias,
/// no copy); <c>Reshape</c> took its shape as an attribute until 5, <c>Cast</c> its type as a name until 6,
/// <c>Concat</c> had axis 1 by default until 4; <c>Dropout</c> and <c>BatchNormalization</c> carried an
/// <c>is_test</c> flag 7 dropped (an inference client is always a test). ONNX Runtime registers no kernel for many of
/// these versions, so such a model compiles here and loads nowhere else.
/// </summary>
internal static class Legacy
{
    /// <summary>The ops whose B input broadcast by attribute before opset 7.</summary>
    private static readonly HashSet<string> Broadcasting = new(StringComparer.Ordinal) { "Add", "Sub", "Mul", "Div", "Pow", "And", "Or", "Xor", "Equal", "Greater", "Less" };

    /// <summary>The element type names of Cast-1's <c>to</c>, by their <c>TensorProto.DataType</c>.</summary>
    private static readonly string[] CastNames = ["UNDEFINED", "FLOAT", "UINT8", "INT8", "UINT16", "INT16", "INT32", "INT64", "STRING", "BOOL", "FLOAT16", "DOUBLE", "UINT32", "UINT64"];

    /// <summary><paramref name="node"/> as opset 7 reads it; values it needs (B under its aligned shape, a shape attribute as data) are defined in <paramref name="planner"/>.</summary>
    public static GraphNode Upgrade(Planner planner, GraphNode node)
    {
        long opset = planner.Opset;
        if (Broadcasting.Contains(node.OpType))
            return Broadcast(planner, node);
        switch (node.OpType)
        {
            case "Reshape" when opset < 5:
                var shape = Attribute(node, "shape") is { Kind: AttributeKind.Ints } s ? s.Ints.ToArray() : throw new Unsupported("it has no shape attribute (Reshape's before opset 5)");
                string name = Planner.NodeName(node) + "/shape";
                planner.Define(name, Value.Known("int64", [PlanDim.Fixed(shape.Length)], shape));
                return node with { Inputs = new[] { node.Inputs[0], name }.ToEquatableArray(), Attributes = Without(node, "shape") };
            case "Cast" when opset < 6:
                if (Attribute(node, "to") is not { Kind: AttributeKind.String } to)
                    return node;
                int type = Array.FindIndex(CastNames, n => string.Equals(n, to.Text, StringComparison.OrdinalIgnoreCase));
                if (type <= 0)
                    throw new Unsupported($"it casts to '{to.Text}', which is no type name Cast-1 defines");
                return node with { Attributes = With(node, Int("to", type)) };
            case "Concat" when opset < 4 && Attribute(node, "axis") is null:
                return node with { Attributes = With(node, Int("axis", 1)) };
            case "Tile" when opset < 6:
                throw new Unsupported($"Tile before opset 6 takes tiles and axis inputs, which the compiled backend does not follow (the model imports opset {opset})");
            case "Split" when opset < 2 && node.Inputs.Count > 1 && node.Inputs[1].Length > 0:
                throw new Unsupported("Split-1 takes its split as an input, which the compiled backend does not follow");
            case "Upsample" when opset < 7:
                throw new Unsupported($"Upsample before opset 7 was experimental (height_scale and width_scale); the model imports opset {opset}");
            case "LpPool" or "GlobalLpPool" when opset < 2 && Attribute(node, "p") is { Kind: AttributeKind.Float } p:
                float power = p.Floats.Count > 0 ? p.Floats[0] : 2f;
                if (power != Math.Round(power) || power < 1)
                    throw new Unsupported($"its p is {power}; the compiled backend takes whole powers, as {node.OpType}-2 does");
                return node with { Attributes = With(node, Int("p", (long)power)) };
            case "Dropout" or "BatchNormalization" when Attribute(node, "is_test") is not null:
                return node with { Attributes = Without(node, "is_test") };
            default:
                return node;
        }
    }

    /// <summary>
    /// A binary op as opset 7 reads it: with broadcast=1, B's dims must be A's from <c>axis</c> (by default A's last ones)
    /// or B a single element, and B is given A's rank with ones around them; with broadcast=0 the shapes must be equal.
    /// </summary>
    private static GraphNode Broadcast(Planner planner, GraphNode node)
    {
        var attributes = Without(node, "broadcast", "axis");
        if (node.Inputs.Count != 2 || node.Inputs.Any(i => i.Length == 0))
            return node with { Attributes = attributes };
        var a = planner.Lookup(node.Inputs[0]) ?? throw new Unsupported($"its input '{node.Inputs[0]}' is produced by no node before it");
        var b = planner.Lookup(node.Inputs[1]) ?? throw new Unsupported($"its input '{node.Inputs[1]}' is produced by no node before it");
        bool broadcast = Attribute(node, "broadcast") is { Kind: AttributeKind.Int, Ints.Count: > 0 } flag && flag.Ints[0] != 0;
        if (!broadcast)
        {
            if (!a.Shape.SequenceEqual(b.Shape))
                throw new Unsupported($"its inputs are {planner.Shapes.Text(a.Shape)} and {planner.Shapes.Text(b.Shape)} and its broadcast is 0, so they must have one shape (opset {planner.Opset})");
            return node with { Attributes = attributes };
        }
        int rank = a.Shape.Length, k = b.Shape.Length;
        PlanDim[] aligned;
        if (b.Shape.All(d => d == PlanDim.Fixed(1)) && k <= rank)
            aligned = [];
        else
        {
            long axis = Attribute(node, "axis") is { Kind: AttributeKind.Int, Ints.Count: > 0 } given ? given.Ints[0] : rank - k;
            if (axis < 0 || axis + k > rank || !b.Shape.SequenceEqual(a.Shape.Skip((int)axis).Take(k)))
            {
                throw new Unsupported($"its B {planner.Shapes.Text(b.Shape)} is not A {planner.Shapes.Text(a.Shape)}'s dims from axis {axis}, " +
                    "which broadcasting before opset 7 requires");
            }
            aligned = [.. Enumerable.Repeat(PlanDim.Fixed(1), (int)axis), .. b.Shape, .. Enumerable.Repeat(PlanDim.Fixed(1), rank - (int)axis - k)];
        }
        if (aligned.SequenceEqual(b.Shape))
            return node with { Attributes = attributes };
        string name = $"{node.Inputs[1]} (as {planner.Shapes.Text(aligned)})";
        planner.Alias(name, b, aligned);
        return node with { Inputs = new[] { node.Inputs[0], name }.ToEquatableArray(), Attributes = attributes };
    }

    private static NodeAttribute? Attribute(GraphNode node, string name) => node.Attributes.FirstOrDefault(a => a.Name == name);

    private static NodeAttribute Int(string name, long value) =>
        new(name, AttributeKind.Int, new[] { value }.ToEquatableArray(), EquatableArray<float>.Empty, "", null);

    private static EquatableArray<NodeAttribute> Without(GraphNode node, params string[] names) =>
        node.Attributes.Where(a => !names.Contains(a.Name)).ToEquatableArray();

    private static EquatableArray<NodeAttribute> With(GraphNode node, NodeAttribute attribute) =>
        node.Attributes.Where(a => a.Name != attribute.Name).Append(attribute).ToEquatableArray();
}
