using System;

namespace TypedModels.Compiled;

// The reductions: every ONNX Reduce* op over any set of axes, as one walk of the input in row-major order that folds
// each element into the output element its unreduced coordinates name. The output starts at the op's identity, so an
// empty reduction gives ONNX's value for the empty set (0 for sums, 1 for products, −∞ for a maximum, NaN for a mean).
public static partial class Kernels
{
    /// <summary><c>ReduceSum</c> of <paramref name="x"/> (dims <paramref name="shape"/>) over the dims where <paramref name="reduced"/> is 1.</summary>
    public static void ReduceSum(ReadOnlySpan<float> x, ReadOnlySpan<int> shape, ReadOnlySpan<int> reduced, Span<float> d) => Reduce<Sum>(x, shape, reduced, d);

    /// <summary><c>ReduceMean</c>: the sum divided by the number of elements reduced.</summary>
    public static void ReduceMean(ReadOnlySpan<float> x, ReadOnlySpan<int> shape, ReadOnlySpan<int> reduced, Span<float> d) => Reduce<Mean>(x, shape, reduced, d);

    /// <summary><c>ReduceMax</c>.</summary>
    public static void ReduceMax(ReadOnlySpan<float> x, ReadOnlySpan<int> shape, ReadOnlySpan<int> reduced, Span<float> d) => Reduce<Max>(x, shape, reduced, d);

    /// <summary><c>ReduceMin</c>.</summary>
    public static void ReduceMin(ReadOnlySpan<float> x, ReadOnlySpan<int> shape, ReadOnlySpan<int> reduced, Span<float> d) => Reduce<Min>(x, shape, reduced, d);

    /// <summary><c>ReduceProd</c>.</summary>
    public static void ReduceProd(ReadOnlySpan<float> x, ReadOnlySpan<int> shape, ReadOnlySpan<int> reduced, Span<float> d) => Reduce<Prod>(x, shape, reduced, d);

    /// <summary><c>ReduceL1</c>: the sum of absolute values.</summary>
    public static void ReduceL1(ReadOnlySpan<float> x, ReadOnlySpan<int> shape, ReadOnlySpan<int> reduced, Span<float> d) => Reduce<L1>(x, shape, reduced, d);

    /// <summary><c>ReduceL2</c>: the square root of the sum of squares.</summary>
    public static void ReduceL2(ReadOnlySpan<float> x, ReadOnlySpan<int> shape, ReadOnlySpan<int> reduced, Span<float> d) => Reduce<L2>(x, shape, reduced, d);

    /// <summary><c>ReduceSumSquare</c>.</summary>
    public static void ReduceSumSquare(ReadOnlySpan<float> x, ReadOnlySpan<int> shape, ReadOnlySpan<int> reduced, Span<float> d) => Reduce<SumSquare>(x, shape, reduced, d);

    /// <summary><c>ReduceLogSum</c>: the natural logarithm of the sum.</summary>
    public static void ReduceLogSum(ReadOnlySpan<float> x, ReadOnlySpan<int> shape, ReadOnlySpan<int> reduced, Span<float> d) => Reduce<LogSum>(x, shape, reduced, d);

    /// <summary><c>ReduceLogSumExp</c>: ln Σ e^x, kept finite for large x by folding as m + ln(e^(a−m) + e^(x−m)).</summary>
    public static void ReduceLogSumExp(ReadOnlySpan<float> x, ReadOnlySpan<int> shape, ReadOnlySpan<int> reduced, Span<float> d) => Reduce<LogSumExp>(x, shape, reduced, d);

    private static void Reduce<TOp>(ReadOnlySpan<float> x, ReadOnlySpan<int> shape, ReadOnlySpan<int> reduced, Span<float> d) where TOp : struct, IReduction
    {
        int rank = shape.Length;
        if (TOp.SumsBlocks && ReducesSuffix(reduced) && d.Length > 0)
        {
            // Each output sums one contiguous block: TensorPrimitives' vectorized sum, which adds in lanes as ONNX
            // Runtime's kernels do; a long sum in order drifts from theirs by hundreds of ulps.
            int block = x.Length / d.Length;
            for (int i = 0; i < d.Length; i++)
                d[i] = TOp.Finish(System.Numerics.Tensors.TensorPrimitives.Sum(x.Slice(i * block, block)), block);
            return;
        }
        d.Fill(TOp.Initial);
        // Each dim's stride in the output (0 for a reduced dim), and how many elements fold into one output element.
        Span<long> strides = stackalloc long[rank];
        long stride = 1, count = 1;
        for (int k = rank - 1; k >= 0; k--)
        {
            strides[k] = reduced[k] != 0 ? 0 : stride;
            if (reduced[k] != 0)
                count *= shape[k];
            else
                stride *= shape[k];
        }
        Span<int> index = stackalloc int[rank];
        long at = 0;
        for (int i = 0; i < x.Length; i++)
        {
            d[(int)at] = TOp.Fold(d[(int)at], x[i]);
            for (int k = rank - 1; k >= 0; k--)
            {
                at += strides[k];
                if (++index[k] < shape[k])
                    break;
                at -= strides[k] * shape[k];
                index[k] = 0;
            }
        }
        for (int i = 0; i < d.Length; i++)
            d[i] = TOp.Finish(d[i], count);
    }

    // Whether the reduced dims are the last ones (possibly all): then each output element folds a contiguous block.
    private static bool ReducesSuffix(ReadOnlySpan<int> reduced)
    {
        int first = reduced.IndexOf(1);
        return first < 0 || reduced.Slice(first).IndexOf(0) < 0;
    }

    private interface IReduction
    {
        /// <summary>Whether the reduction is a plain sum before <see cref="Finish"/>, which contiguous blocks may take vectorized.</summary>
        static virtual bool SumsBlocks => false;

        static abstract float Initial { get; }

        static abstract float Fold(float total, float x);

        static virtual float Finish(float total, long count) => total;
    }

    private readonly struct Sum : IReduction
    {
        public static bool SumsBlocks => true;
        public static float Initial => 0;
        public static float Fold(float total, float x) => total + x;
    }

    private readonly struct Mean : IReduction
    {
        public static bool SumsBlocks => true;
        public static float Initial => 0;
        public static float Fold(float total, float x) => total + x;
        public static float Finish(float total, long count) => total / count;
    }

    private readonly struct Max : IReduction
    {
        public static float Initial => float.NegativeInfinity;
        public static float Fold(float total, float x) => MathF.Max(total, x);
    }

    private readonly struct Min : IReduction
    {
        public static float Initial => float.PositiveInfinity;
        public static float Fold(float total, float x) => MathF.Min(total, x);
    }

    private readonly struct Prod : IReduction
    {
        public static float Initial => 1;
        public static float Fold(float total, float x) => total * x;
    }

    private readonly struct L1 : IReduction
    {
        public static float Initial => 0;
        public static float Fold(float total, float x) => total + MathF.Abs(x);
    }

    private readonly struct L2 : IReduction
    {
        public static float Initial => 0;
        public static float Fold(float total, float x) => total + x * x;
        public static float Finish(float total, long count) => MathF.Sqrt(total);
    }

    private readonly struct SumSquare : IReduction
    {
        public static float Initial => 0;
        public static float Fold(float total, float x) => total + x * x;
    }

    private readonly struct LogSum : IReduction
    {
        public static bool SumsBlocks => true;
        public static float Initial => 0;
        public static float Fold(float total, float x) => total + x;
        public static float Finish(float total, long count) => MathF.Log(total);
    }

    private readonly struct LogSumExp : IReduction
    {
        public static float Initial => float.NegativeInfinity;

        public static float Fold(float total, float x)
        {
            if (float.IsNegativeInfinity(total))
                return x;
            float m = MathF.Max(total, x);
            return m + MathF.Log(MathF.Exp(total - m) + MathF.Exp(x - m));
        }
    }
}
