using System.Collections.Generic;
using System.Linq;
using TypedModels.Generator.Models;

namespace TypedModels.Generator.Compiled.Ops;

/// <summary><c>Transpose</c> by <c>perm</c> (default: the dims reversed); known data folds.</summary>
internal sealed class TransposeOp : Op
{
    public override IReadOnlyList<string> OpTypes => ["Transpose"];

    public override IReadOnlyList<string> Types => Any;

    public override void Plan(NodeContext node)
    {
        var x = node.Data(0);
        int rank = x.Shape.Length;
        var perm = node.Ints("perm")?.Select(p => (int)p).ToArray() ?? Enumerable.Range(0, rank).Reverse().ToArray();
        if (perm.Length != rank || perm.Distinct().Count() != rank || perm.Any(p => p < 0 || p >= rank))
            throw new Unsupported($"its perm [{string.Join(", ", perm)}] is not a permutation of {rank} dims");
        var shape = perm.Select(p => x.Shape[p]).ToArray();
        if (Folding.CanFold(x))
        {
            // Output element o (row-major in the permuted shape) is the input element at the same coordinates, permuted back.
            var strides = new long[rank];
            for (int k = rank - 1, stride = 1; k >= 0; stride *= (int)x.Shape[k].Value, k--)
                strides[k] = stride;
            var picked = Enumerable.Range(0, (int)x.Count).Select(o =>
            {
                long offset = 0, rest = o;
                for (int k = rank - 1; k >= 0; k--)
                {
                    offset += rest % shape[k].Value * strides[perm[k]];
                    rest /= shape[k].Value;
                }
                return (int)offset;
            }).ToArray();
            node.Known(x.Pick(shape, picked));
            return;
        }
        int d = node.Output(shape, x.ElementType);
        node.Step(new TransposeStep(node.Name, node.OpType, node.Tensor(0), x.Shape.ToEquatableArray(), perm.Select(p => (long)p).ToEquatableArray(), d, x.ElementType));
    }
}

internal sealed record TransposeStep(string Node, string OpType, int X, EquatableArray<PlanDim> Shape, EquatableArray<long> Perm, int D, string ElementType) : PlanStep(Node, OpType)
{
    public override void Emit(StepWriter w) => w.Call("Transpose", ElementType, ("x", w.Tensor(X)), ("shape", w.Shape(Shape)), ("perm", w.Shape(Perm)), ("d", w.Tensor(D)));
}
