using System.Collections.Generic;

namespace TypedModels.Generator.Compiled.Ops;

/// <summary>
/// The inference identities: <c>Identity</c>, and <c>Dropout</c>, which ONNX defines as the identity unless
/// training_mode (a constant false here) is set; its mask output is not computed. Both alias their input.
/// </summary>
internal sealed class IdentityOps : Op
{
    public override IReadOnlyList<string> OpTypes => ["Identity", "Dropout"];

    public override void Plan(NodeContext node)
    {
        if (node.OpType == "Dropout")
        {
            if (node.Wants(1))
                throw new Unsupported("its mask output is asked for; the compiled backend computes the inference output only");
            if (node.Has(2) && node.Input(2).Longs is not [0] && node.Input(2).Floats is not [0])
                throw new Unsupported("its training_mode is not a constant false");
        }
        node.Alias(node.Input(0).Shape);
    }
}
