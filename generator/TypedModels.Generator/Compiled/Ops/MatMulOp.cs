using System.Collections.Generic;
using System.Linq;
using TypedModels.Generator.Models;

namespace TypedModels.Generator.Compiled.Ops;

/// <summary>
/// <c>MatMul</c> with numpy's rules: 1-D operands become a row (A) or a column (B) whose dim the result drops, batch
/// dims broadcast; when B is one matrix, A's batch folds into its rows and the whole is one product, and when that
/// matrix is known, <c>Kernels.Dense</c> (<see cref="DenseStep"/>).
/// </summary>
internal sealed class MatMulOp : Op
{
    public override IReadOnlyList<string> OpTypes => ["MatMul"];

    public override void Plan(NodeContext node)
    {
        var (a, b) = (node.Data(0), node.Data(1));
        if (a.Shape.Length == 0 || b.Shape.Length == 0)
            throw new Unsupported("an operand is a scalar");
        var aShape = a.Shape.Length == 1 ? [PlanDim.Fixed(1), a.Shape[0]] : a.Shape;
        var bShape = b.Shape.Length == 1 ? [b.Shape[0], PlanDim.Fixed(1)] : b.Shape;
        PlanDim m = aShape[aShape.Length - 2], k = aShape[aShape.Length - 1], n = bShape[bShape.Length - 1];
        node.Shapes.Same(k, bShape[bShape.Length - 2], "A's last dim and B's second to last");
        var aBatch = aShape.Take(aShape.Length - 2).ToArray();
        var bBatch = bShape.Take(bShape.Length - 2).ToArray();
        var batch = node.Shapes.Broadcast(aBatch, bBatch);
        PlanDim[] rows = [m];
        if (bBatch.All(x => x == PlanDim.Fixed(1)))
            (rows, aBatch, bBatch) = ([.. aBatch, m], [], []);
        var shape = new List<PlanDim>(batch);
        if (a.Shape.Length > 1)
            shape.Add(m);
        if (b.Shape.Length > 1)
            shape.Add(n);
        int d = node.Output([.. shape]);
        node.CountWork(shape, k);
        if (aBatch.Length == 0 && bBatch.Length == 0 && DenseFusion.Fits(k, n) && b.Floats is { } weights)
        {
            // Known weights: the dense kernel, its panels packed here (an Add of a bias and an activation after it fold in).
            int w = DenseFusion.Weights(node, weights, (int)n.Value, (int)k.Value, transposed: false);
            node.Step(new DenseStep(node.Name, node.OpType, node.Tensor(0), w, -1, d, rows.ToEquatableArray(), (int)n.Value, (int)k.Value));
            return;
        }
        PlanDim[] outBatch = aBatch.Length == 0 && bBatch.Length == 0 ? [] : batch;
        var step = new MatMulStep(node.Name, node.OpType, node.Tensor(0), aBatch.ToEquatableArray(), node.Tensor(1), bBatch.ToEquatableArray(), d,
            outBatch.ToEquatableArray(), rows.ToEquatableArray(), k, n);
        // Written out: a tiled input of rows is read in place.
        if (a.Shape.Length == 2 && step.WrittenOut(b.Floats is not null) && Dense.TryTiledInput(node, k.Value, out var tile))
            step = step with { A = tile.X, TileWidth = (int)tile.Shape[1].Value, Node = tile.Node + " + " + node.Name };
        node.Step(step);
    }
}

/// <summary>
/// <c>Kernels.MatMul</c>, or straight-line arithmetic for a small constant B without batches, then the row
/// <see cref="Bias"/> of an Add folded into it (<see cref="DenseFusion.TryBias"/>) when there is one.
/// </summary>
internal sealed record MatMulStep(string Node, string OpType, int A, EquatableArray<PlanDim> ABatch, int B, EquatableArray<PlanDim> BBatch, int D,
    EquatableArray<PlanDim> DBatch, EquatableArray<PlanDim> M, PlanDim K, PlanDim N, int Bias = -1, int TileWidth = 0) : PlanStep(Node, OpType)
{
    /// <summary>Whether the product is written out as arithmetic, given whether B is known.</summary>
    public bool WrittenOut(bool knownB) => knownB && ABatch.Count == 0 && BBatch.Count == 0 && K.IsFixed && N.IsFixed && K.Value * N.Value <= Dense.InlineWeights;

    public override void Emit(StepWriter w)
    {
        if (w.ConstantFloats(B) is { } b && WrittenOut(knownB: true))
        {
            int k = (int)K.Value, n = (int)N.Value;
            var bias = Bias < 0 ? null : w.ConstantFloats(Bias);
            Dense.Write(w.Code, w.Tensor(A), w.Tensor(D), StepWriter.Count(M), n, k, (p, j) => b[p * n + j], 1f, bias is null ? null : j => bias[j], TileWidth);
            return;
        }
        w.Call("MatMul", ("a", w.Tensor(A)), ("aBatch", w.Shape(ABatch)), ("b", w.Tensor(B)), ("bBatch", w.Shape(BBatch)), ("d", w.Tensor(D)),
            ("dBatch", w.Shape(DBatch)), ("m", StepWriter.Count(M)), ("k", StepWriter.Count(K)), ("n", StepWriter.Count(N)));
    }
}
