using System.Collections.Generic;
using System.Linq;
using TypedModels.Generator.Models;

namespace TypedModels.Generator.Compiled.Ops;

/// <summary><c>Constant</c>: data known at build time, from whichever value attribute the node carries.</summary>
internal sealed class ConstantOp : Op
{
    public override IReadOnlyList<string> OpTypes => ["Constant"];

    public override void Plan(NodeContext node)
    {
        var attribute = node.Node.Attributes.FirstOrDefault(a => a.Ints.Count + a.Floats.Count > 0 || a.Tensor is not null)
            ?? throw new Unsupported("it has no value the compiler can read");
        node.Known(attribute switch
        {
            { Name: "value", Tensor: { } tensor } => Value.FromConstant(tensor) is { IsKnown: true } known ? known
                : throw new Unsupported($"its value is a tensor of {tensor.ElementType}, which the compiled backend does not read"),
            { Name: "value_float", Kind: AttributeKind.Float } => new Value("float", []) { Floats = [attribute.Floats[0]] },
            { Name: "value_floats", Kind: AttributeKind.Floats } => new Value("float", [PlanDim.Fixed(attribute.Floats.Count)]) { Floats = [.. attribute.Floats] },
            { Name: "value_int", Kind: AttributeKind.Int } => Value.Known("int64", [], [attribute.Ints[0]]),
            { Name: "value_ints", Kind: AttributeKind.Ints } => Value.Known("int64", [PlanDim.Fixed(attribute.Ints.Count)], attribute.Ints.ToArray()),
            _ => throw new Unsupported($"its '{attribute.Name}' value is not supported (strings and sparse tensors are not)"),
        });
    }
}
