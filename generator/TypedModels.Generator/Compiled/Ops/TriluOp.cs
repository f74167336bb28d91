using System.Collections.Generic;
using System.Linq;
using TypedModels.Generator.Models;

namespace TypedModels.Generator.Compiled.Ops;

/// <summary><c>Trilu</c>: the upper or lower triangle of the last two dims, shifted by a known k.</summary>
internal sealed class TriluOp : Op
{
    public override IReadOnlyList<string> OpTypes => ["Trilu"];

    public override IReadOnlyList<string> Types => Any;

    public override void Plan(NodeContext node)
    {
        var x = node.Data(0);
        int rank = x.Shape.Length;
        if (rank < 2)
            throw new Unsupported("its input has fewer than two dims");
        long k = node.Has(1) ? node.Longs(1, "k") is [var only] ? only : throw new Unsupported("its k is not one value") : 0;
        int d = node.Output(x.Shape, x.ElementType);
        node.Step(new TriluStep(node.Name, node.OpType, node.Tensor(0), x.Shape.Take(rank - 2).ToEquatableArray(), x.Shape[rank - 2], x.Shape[rank - 1], k,
            node.Int("upper", 1) != 0, d, x.ElementType));
    }
}

internal sealed record TriluStep(string Node, string OpType, int X, EquatableArray<PlanDim> Matrices, PlanDim Rows, PlanDim Columns, long K, bool Upper, int D, string ElementType)
    : PlanStep(Node, OpType)
{
    public override void Emit(StepWriter w) => w.Call("Trilu", ElementType, ("x", w.Tensor(X)), ("matrices", StepWriter.Count(Matrices)), ("rows", StepWriter.Count(Rows)),
        ("columns", StepWriter.Count(Columns)), ("k", StepWriter.Number(K) + "L"), ("upper", StepWriter.Bool(Upper)), ("d", w.Tensor(D)));
}
