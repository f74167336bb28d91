using System.Collections.Generic;
using System.Linq;
using TypedModels.Generator.Models;

namespace TypedModels.Generator.Compiled.Ops;

/// <summary>
/// <c>If</c>: a condition known at build time (a folded comparison of constants or of shapes) picks its branch then,
/// which is planned in place, the other never compiled, and the If's outputs are that branch's. A condition given at
/// run time compiles both branches, each into its own list of steps, into one <see cref="IfStep"/> that copies the
/// taken branch's outputs into the If's; the branches must agree on each output's element type and shape at build
/// time, since the arena and the client's result are laid out then.
/// </summary>
internal sealed class IfOp : Op
{
    public override IReadOnlyList<string> OpTypes => ["If"];

    public override IReadOnlyList<string> Types => ["bool"];

    public override void Plan(NodeContext node)
    {
        var thenBranch = node.Graph("then_branch") ?? throw new Unsupported("it has no then_branch graph");
        var elseBranch = node.Graph("else_branch") ?? throw new Unsupported("it has no else_branch graph");
        var condition = node.Data(0);
        if (condition.Count is not (1 or -1))
            throw new Unsupported($"its condition has {condition.Count} elements; ONNX's has one");
        int count = node.Node.Outputs.Count;
        if (thenBranch.Outputs.Count != count || elseBranch.Outputs.Count != count)
            throw new Unsupported($"it has {count} outputs, but its then_branch returns {thenBranch.Outputs.Count} and its else_branch {elseBranch.Outputs.Count}");

        if (condition.Longs is [var known])
        {
            var taken = node.Subgraph(known != 0 ? thenBranch : elseBranch, known != 0 ? "its then_branch" : "its else_branch");
            for (int i = 0; i < count; i++)
            {
                if (node.Wants(i))
                    node.Define(taken[i], i);
            }
            return;
        }

        // Both branches are judged before either's reasons are given.
        var (thenSteps, elseSteps, reasons) = (new List<PlanStep>(), new List<PlanStep>(), new List<string>());
        var thenValues = Branch(node, thenBranch, "its then_branch", thenSteps, reasons);
        var elseValues = Branch(node, elseBranch, "its else_branch", elseSteps, reasons);
        if (thenValues is null || elseValues is null)
            throw new Unsupported(string.Join("; ", reasons));

        var (thenOutputs, elseOutputs, outputs, types) = (new List<int>(), new List<int>(), new List<int>(), new List<string>());
        for (int i = 0; i < count; i++)
        {
            if (!node.Wants(i))
                continue;
            var (a, b) = (thenValues[i], elseValues[i]);
            if (a.ElementType != b.ElementType || !a.Shape.SequenceEqual(b.Shape))
            {
                throw new Unsupported($"its output {i} is {a.ElementType} {node.Text(a.Shape)} from its then_branch but {b.ElementType} {node.Text(b.Shape)} from its else_branch; " +
                    "the compiled backend needs both the same at build time");
            }
            if (!Any.Contains(a.ElementType))
                throw new Unsupported($"its output {i} is {(a.ElementType == "sequence" ? "a sequence" : "a tensor of " + a.ElementType)}, which the compiled backend does not carry");
            thenOutputs.Add(node.Index(thenBranch.Outputs[i], a));
            elseOutputs.Add(node.Index(elseBranch.Outputs[i], b));
            outputs.Add(node.Output(a.Shape, a.ElementType, i));
            types.Add(a.ElementType);
        }
        node.Step(new IfStep(node.Name, node.OpType, node.Tensor(0),
            thenSteps.ToEquatableArray(), thenOutputs.ToEquatableArray(), elseSteps.ToEquatableArray(), elseOutputs.ToEquatableArray(),
            outputs.ToEquatableArray(), types.ToEquatableArray()));
    }

    private static Value[]? Branch(NodeContext node, ModelGraph graph, string what, List<PlanStep> steps, List<string> reasons)
    {
        try
        {
            return node.Subgraph(graph, what, steps);
        }
        catch (Unsupported e)
        {
            reasons.Add(e.Message);
            return null;
        }
    }
}

/// <summary>
/// Both branches of a run-time <c>If</c>, as one step: each branch's steps, then copies of its outputs into the If's.
/// Every value either branch names is named by this one step, so none of them shares an arena slot with another.
/// <code>
/// if (new global::System.ReadOnlySpan&lt;bool&gt;(in useA)[0])
/// {
///     // then_add (Add)
///     global::TypedModels.Compiled.Kernels.Add(…, d: __v3);
///     global::TypedModels.Compiled.Kernels.Copy&lt;float&gt;(x: __v3, d: __v5);
/// }
/// else
/// {
///     …
/// }
/// </code>
/// </summary>
internal sealed record IfStep(string Node, string OpType, int Condition,
    EquatableArray<PlanStep> Then, EquatableArray<int> ThenOutputs, EquatableArray<PlanStep> Else, EquatableArray<int> ElseOutputs,
    EquatableArray<int> Outputs, EquatableArray<string> ElementTypes) : PlanStep(Node, OpType)
{
    public override void Emit(StepWriter w)
    {
        using (w.Code.Block($"if ({w.Tensor(Condition)}[0])"))
            Branch(w, Then, ThenOutputs);
        using (w.Code.Block("else"))
            Branch(w, Else, ElseOutputs);
    }

    private void Branch(StepWriter w, EquatableArray<PlanStep> steps, EquatableArray<int> results)
    {
        foreach (var step in steps)
            w.Write(step);
        for (int i = 0; i < Outputs.Count; i++)
            w.Call("Copy", ElementTypes[i], ("x", w.Tensor(results[i])), ("d", w.Tensor(Outputs[i])));
    }
}
