using System;
using System.Collections.Generic;
using System.Linq;
using TypedModels.Generator.Helpers;
using TypedModels.Generator.Models;

namespace TypedModels.Generator.Compiled.Ops;

/// <summary>
/// <c>Gemm</c>: D = alpha·op(A)·op(B) + beta·C, C broadcast from a scalar, a row, a column or a matrix. Known weights
/// (alpha 1, A not transposed, C absent or a known row) go to <c>Kernels.Dense</c> (<see cref="DenseStep"/>).
/// </summary>
internal sealed class GemmOp : Op
{
    public override IReadOnlyList<string> OpTypes => ["Gemm"];

    public override void Plan(NodeContext node)
    {
        var (a, b) = (node.Data(0), node.Data(1));
        if (a.Shape.Length != 2 || b.Shape.Length != 2)
            throw new Unsupported($"A {node.Text(a.Shape)} and B {node.Text(b.Shape)} must be matrices");
        bool transA = node.Int("transA", 0) != 0, transB = node.Int("transB", 0) != 0;
        PlanDim m = a.Shape[transA ? 1 : 0], k = a.Shape[transA ? 0 : 1], kb = b.Shape[transB ? 1 : 0], n = b.Shape[transB ? 0 : 1];
        node.Shapes.Same(k, kb, "A's columns and B's rows");
        PlanDim rows = PlanDim.Fixed(1), columns = PlanDim.Fixed(1);
        if (node.Has(2))
        {
            var c = node.Data(2);
            if (c.Shape.Length > 2)
                throw new Unsupported($"C {node.Text(c.Shape)} has more than two dims");
            if (c.Shape.Length == 2)
                rows = c.Shape[0];
            if (c.Shape.Length >= 1)
                columns = c.Shape[c.Shape.Length - 1];
            if (!(rows == PlanDim.Fixed(1) || rows == m) || !(columns == PlanDim.Fixed(1) || columns == n))
                throw new Unsupported($"C {node.Text(c.Shape)} does not broadcast to {node.Text([m, n])} at compile time");
        }
        int d = node.Output([m, n]);
        node.CountWork([m, n], k);
        if (TryDense(node, transA, transB, m, n, k, rows, columns, d))
            return;
        // Written out (GemmStep.Emit's test): a tiled input is read in place.
        bool writtenOut = !transA && n.IsFixed && k.IsFixed && n.Value * k.Value <= Dense.InlineWeights && node.Input(1).Floats is not null
            && (!node.Has(2) || (node.Input(2).Floats is not null && rows == PlanDim.Fixed(1)));
        var step = new GemmStep(node.Name, node.OpType, node.Tensor(0), node.Tensor(1), node.Tensor(2), rows, columns, d, m, n, k, transA, transB,
            node.Float("alpha", 1f), node.Float("beta", 1f));
        if (writtenOut && Dense.TryTiledInput(node, k.Value, out var tile))
            step = step with { A = tile.X, TileWidth = (int)tile.Shape[1].Value, Node = tile.Node + " + " + node.Name };
        node.Step(step);
    }

    /// <summary>
    /// Plans <c>Kernels.Dense</c> when B is known and past the inlined size, alpha is 1 and A is not transposed: B
    /// (transposed or not) packed into the kernel's panels, C a known row (or one value) times beta as its bias.
    /// </summary>
    private static bool TryDense(NodeContext node, bool transA, bool transB, PlanDim m, PlanDim n, PlanDim k, PlanDim cRows, PlanDim cColumns, int d)
    {
        float alpha = node.Float("alpha", 1f), beta = node.Float("beta", 1f);
        if (transA || alpha != 1f || !DenseFusion.Fits(k, n) || node.Input(1).Floats is not { } b)
            return false;
        int bias = -1;
        if (node.Has(2) && beta != 0f)
        {
            if (node.Input(2).Floats is not { } c || cRows != PlanDim.Fixed(1))
                return false;
            bias = beta == 1f && cColumns == n ? node.Tensor(2)
                : node.Constant(node.Name + " (bias row)", new Value("float", [n]) { Floats = Enumerable.Range(0, (int)n.Value).Select(j => beta * c[cColumns == n ? j : 0]).ToArray() });
        }
        int w = DenseFusion.Weights(node, b, (int)n.Value, (int)k.Value, transB);
        node.Step(new DenseStep(node.Name, node.OpType, node.Tensor(0), w, bias, d, new[] { m }.ToEquatableArray(), (int)n.Value, (int)k.Value));
        return true;
    }
}

/// <summary>
/// <c>Kernels.Gemm</c>, or, for a layer of at most <see cref="Dense.InlineWeights"/> constant weights, straight-line
/// arithmetic (<see cref="Dense.Write"/>).
/// </summary>
internal sealed record GemmStep(string Node, string OpType, int A, int B, int C, PlanDim CRows, PlanDim CColumns, int D, PlanDim M, PlanDim N, PlanDim K,
    bool TransA, bool TransB, float Alpha, float Beta, int TileWidth = 0) : PlanStep(Node, OpType)
{
    public override void Emit(StepWriter w)
    {
        if (!TransA && N.IsFixed && K.IsFixed && N.Value * K.Value <= Dense.InlineWeights && w.ConstantFloats(B) is { } b
            && (C < 0 || (w.ConstantFloats(C) is not null && CRows == PlanDim.Fixed(1))))
        {
            int n = (int)N.Value, k = (int)K.Value;
            var c = C < 0 ? null : w.ConstantFloats(C);
            int cColumns = (int)CColumns.Value;
            Dense.Write(w.Code, w.Tensor(A), w.Tensor(D), StepWriter.Count(M), n, k,
                (p, j) => b[TransB ? j * k + p : p * n + j], Alpha, c is null || Beta == 0 ? null : j => Beta * c[cColumns == 1 ? 0 : j], TileWidth);
            return;
        }
        w.Call("Gemm", ("a", w.Tensor(A)), ("b", w.Tensor(B)), ("c", w.Tensor(C)), ("cRows", StepWriter.Count(CRows)), ("cColumns", StepWriter.Count(CColumns)),
            ("d", w.Tensor(D)), ("m", StepWriter.Count(M)), ("n", StepWriter.Count(N)), ("k", StepWriter.Count(K)),
            ("transA", StepWriter.Bool(TransA)), ("transB", StepWriter.Bool(TransB)), ("alpha", StepWriter.Float(Alpha)), ("beta", StepWriter.Float(Beta)));
    }
}

/// <summary>A small dense layer written out as arithmetic on constants.</summary>
internal static class Dense
{
    // Up to this many weights, a layer is written out as arithmetic on constants rather than a kernel call: for a
    // layer this small a call and its loops cost more than the multiplications. Beyond it the vector kernel wins, its
    // lanes summing several outputs at once where straight-line code waits on one chain of additions per output
    // (measured: 8 → 16 → 8 written out ran at a third of the kernel's speed).
    public const int InlineWeights = 64;

    /// <summary>
    /// Each row's sums run in the kernels' order (inputs in order, then alpha, then the bias), so inlined and called
    /// steps round alike.
    /// <code>
    /// for (int __i = 0, __rows = (int)(__s0); __i &lt; __rows; __i++)
    /// {
    ///     var __in = __v1.Slice(__i * 2, 2);
    ///     var __out = __v2.Slice(__i * 4, 4);
    ///     float __x0 = __in[0], __x1 = __in[1];
    ///     __out[0] = __x0 * 0.608565927f + __x1 * -0.39077875f + 2.50539136f;
    ///     …
    /// }
    /// </code>
    /// </summary>
    public static void Write(SourceWriter w, string input, string output, string rows, int n, int k, Func<int, int, float> weight, float alpha, Func<int, float>? bias,
        int tileWidth = 0)
    {
        // A tiled input (TryTiledInput): the row of the Tile's source, input p being its element p mod width.
        int width = tileWidth > 0 ? tileWidth : k;
        using (w.Block($"for (int __i = 0, __rows = {rows}; __i < __rows; __i++)"))
        {
            w.WriteLine($"var __in = {input}.Slice(__i * {width}, {width});");
            w.WriteLine($"var __out = {output}.Slice(__i * {n}, {n});");
            if (k > 0)
                w.WriteLine("float " + string.Join(", ", Enumerable.Range(0, k).Select(p => $"__x{p} = __in[{p % width}]")) + ";");
            for (int j = 0; j < n; j++)
            {
                string sum = k == 0 ? "0f" : string.Join(" + ", Enumerable.Range(0, k).Select(p => $"__x{p} * {Parenthesized(weight(p, j))}"));
                if (alpha != 1f)
                    sum = $"({sum}) * {Parenthesized(alpha)}";
                if (bias is not null)
                    sum = $"{sum} + {Parenthesized(bias(j))}";
                w.WriteLine($"__out[{j}] = {sum};");
            }
        }
    }

    /// <summary>
    /// When input 0 of a product about to be written out is the output of a Tile along its last dim alone ([rows, w] to
    /// [rows, w·t], the Tile → MatMul of TensorFlow's export of the seed, say), and nothing else reads it: removes the
    /// Tile's step and gives it, for the product to read each row of its source in place.
    /// </summary>
    public static bool TryTiledInput(NodeContext node, long k, out TileStep tile)
    {
        tile = null!;
        var x = node.Input(0);
        if (x.Index < 0 || x.ElementType != "float" || !node.OnlyReader(0)
            || node.Steps.OfType<TileStep>().LastOrDefault(s => s.D == x.Index) is not { ElementType: "float" } found
            || found.Shape.Count != 2 || !found.Shape[1].IsFixed || found.Shape[1].Value < 1 || found.Repeats[0] != 1 || found.Shape[1].Value * found.Repeats[1] != k)
            return false;
        node.Remove(found);
        tile = found;
        return true;
    }

    private static string Parenthesized(float value) => StepWriter.Float(value) is var text && text.StartsWith("-", StringComparison.Ordinal) ? $"({text})" : text;
}
