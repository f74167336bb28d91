using System.Collections.Generic;
using System.Linq;
using TypedModels.Generator.Models;

namespace TypedModels.Generator.Compiled.Ops;

/// <summary>
/// <c>Kernels.Dense</c>: a Gemm or MatMul whose weights are known, packed at build time into the kernel's column
/// panels (<see cref="DenseFusion.Pack"/>), with its bias (Gemm's C as a row, or the Add of a constant that follows a
/// MatMul) and the activation that follows it (Relu, LeakyRelu, Sigmoid, Tanh) done in the kernel's epilogue.
/// </summary>
internal sealed record DenseStep(string Node, string OpType, int X, int W, int Bias, int D, EquatableArray<PlanDim> M, int N, int K,
    string Activation = "None", float Alpha = 0.01f) : PlanStep(Node, OpType)
{
    public override void Emit(StepWriter w)
    {
        var args = new List<(string, string)>
        {
            ("x", w.Tensor(X)), ("w", w.Tensor(W)), ("bias", w.Tensor(Bias)), ("d", w.Tensor(D)),
            ("m", StepWriter.Count(M)), ("n", N.ToString(System.Globalization.CultureInfo.InvariantCulture)), ("k", K.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        };
        if (Activation != "None")
            args.Add(("activation", "global::TypedModels.Compiled.Kernels.DenseActivation." + Activation));
        if (Activation == "LeakyRelu")
            args.Add(("alpha", StepWriter.Float(Alpha)));
        w.Call("Dense", [.. args]);
    }
}

/// <summary>Plans <see cref="DenseStep"/>s and folds the nodes after one into it.</summary>
internal static class DenseFusion
{
    /// <summary>The kernel's panel width (<c>Kernels.DensePanel</c>), which the packed constant is laid out for.</summary>
    public const int Panel = 32;

    /// <summary>
    /// B [K,N] (or Bᵀ given as [N,K]) as <c>Kernels.Dense</c> streams it: panels of <see cref="Panel"/> columns,
    /// [⌈N/P⌉][K][P], the last zero-padded; the layout <c>Kernels.PackDense</c> writes.
    /// </summary>
    public static float[] Pack(float[] b, int n, int k, bool transposed)
    {
        var packed = new float[(n + Panel - 1) / Panel * k * Panel];
        for (int j = 0; j < n; j++)
        {
            int panel = j / Panel, c = j % Panel;
            for (int p = 0; p < k; p++)
                packed[(panel * k + p) * Panel + c] = transposed ? b[j * k + p] : b[p * n + j];
        }
        return packed;
    }

    /// <summary>
    /// Whether weights of K × N are worth the dense kernel: a single output column stays a dot product, which streams K
    /// floats where a panel streams 32·K (measured at batch 1: 1536 → 1 0.69×, 128 → 1 0.56× the old kernel; 1536 → 7
    /// 4.6×), and a layer of fewer than <see cref="SmallestWeights"/> stays on the old kernel (or is written out as
    /// arithmetic, <see cref="Dense.Write"/>): the 8 → 16 → 8 fixture took 124 ns at batch 1 and 7.9 µs at 256 through
    /// the panels, 68 ns and 5.1 µs before, while 16 → 64 → 16 went from 7.2 µs to 4.6 µs at 64.
    /// </summary>
    public static bool Fits(PlanDim k, PlanDim n) => k.IsFixed && n.IsFixed && n.Value >= 2 && k.Value * n.Value >= SmallestWeights && k.Value * n.Value <= int.MaxValue / 2;

    /// <summary>The fewest weights a layer takes to the dense kernel.</summary>
    public const int SmallestWeights = 1024;

    /// <summary>The packed weights as static data of the plan.</summary>
    public static int Weights(NodeContext node, float[] b, int n, int k, bool transposed) =>
        node.Constant(node.Node.Inputs[1] + " (packed for Kernels.Dense)", new Value("float", [PlanDim.Fixed((n + Panel - 1) / Panel * k * Panel)]) { Floats = Pack(b, n, k, transposed) });

    /// <summary>
    /// Folds Relu, LeakyRelu, Sigmoid or Tanh into the dense step that writes its input, when nothing else reads that
    /// output and the step has no activation yet: the kernel applies it before it stores, and the node's output is the
    /// step's.
    /// </summary>
    public static bool TryActivation(NodeContext node, Value x)
    {
        if (node.OpType is not ("Relu" or "LeakyRelu" or "Sigmoid" or "Tanh") || x.Index < 0 || !node.OnlyReader(0)
            || node.Steps.OfType<DenseStep>().LastOrDefault(s => s.D == x.Index) is not { Activation: "None" } dense)
            return false;
        node.Replace(dense, dense with { Activation = node.OpType, Alpha = node.Float("alpha", 0.01f), Node = dense.Node + " + " + node.Name });
        node.Alias(x.Shape);
        return true;
    }

    /// <summary>
    /// Folds an Add of a known bias (a row of N, or one value) into the dense step, or the written-out MatMul, without a
    /// bias that writes the other input, as TensorFlow and PyTorch export a dense layer (MatMul, then Add): the kernel or
    /// the arithmetic adds it after the sum, as the Add would.
    /// </summary>
    public static bool TryBias(NodeContext node, PlanDim[] shape)
    {
        if (node.OpType != "Add")
            return false;
        for (int side = 0; side < 2; side++)
        {
            var (x, c) = (node.Input(side), node.Input(1 - side));
            if (x.ElementType != "float" || x.Index < 0 || c.Floats is not { } bias || !node.OnlyReader(side) || !shape.SequenceEqual(x.Shape))
                continue;
            // The dense kernel's step, or a MatMul small enough to be written out as arithmetic (its bias added last there too).
            var producer = node.Steps.LastOrDefault(s => s is DenseStep dense ? dense.D == x.Index : s is MatMulStep product && product.D == x.Index);
            int n;
            if (producer is DenseStep { Activation: "None", Bias: < 0 } layer)
                n = layer.N;
            else if (producer is MatMulStep { Bias: < 0, ABatch.Count: 0, BBatch.Count: 0 } product && product.WrittenOut(node.ConstantFloats(product.B) is not null))
                n = (int)product.N.Value;
            else
                continue;
            bool row = c.Shape.Length > 0 && c.Shape[c.Shape.Length - 1] == PlanDim.Fixed(n) && c.Shape.Take(c.Shape.Length - 1).All(d => d == PlanDim.Fixed(1));
            if (!row && bias.Length != 1)
                continue;
            int b = row ? node.Tensor(1 - side) : node.Constant(node.Name + " (bias row)", new Value("float", [PlanDim.Fixed(n)]) { Floats = Enumerable.Repeat(bias[0], n).ToArray() });
            node.Replace(producer, producer is DenseStep kernel
                ? kernel with { Bias = b, Node = kernel.Node + " + " + node.Name }
                : ((MatMulStep)producer) with { Bias = b, Node = producer.Node + " + " + node.Name });
            // The sum's own value, not an alias of it, so that an activation after the Add finds the step that writes it.
            node.Define(x, 0);
            return true;
        }
        return false;
    }
}
