using System;

namespace TypedModels.Compiled;

// Resize and Upsample. The planner settles every coordinate at build time, in ONNX Runtime's float arithmetic: for each
// output position along each resized axis, the input positions it reads (its taps) and their weights. The kernel only
// gathers and blends; the axes the op leaves alone are walked as they are, so they may be the client's symbols.
public static partial class Kernels
{
    /// <summary>
    /// <c>Resize</c> (and <c>Upsample</c>) of <paramref name="x"/> (dims <paramref name="xShape"/>) into <paramref name="d"/>
    /// (dims <paramref name="dShape"/>). Along axis k an output position reads <paramref name="taps"/>[k] input positions: 0
    /// for an axis copied as it is (output index = input index); otherwise <paramref name="indices"/> and
    /// <paramref name="weights"/> hold, for each of its dShape[k] positions in turn, its taps' input indices along the axis and
    /// their weights, the axes' tables one after another in axis order. A first index of -1 marks a position outside
    /// tf_crop_and_resize's region: every element there is <paramref name="extrapolation"/>.
    /// <para>
    /// Without weights (nearest) an element copies its one tap. Otherwise it is Σ (Π weights, innermost axis first) · x over
    /// the taps' combinations, the innermost axis's tap varying fastest (ONNX Runtime's bilinear and trilinear order); with
    /// <paramref name="nested"/>, Σ w · (the same sum over the next resized axis inward), the innermost first (its bicubic
    /// and antialiasing order; an axis may have any number of taps, those past a window's end weighing 0).
    /// </para>
    /// </summary>
    public static void Resize(ReadOnlySpan<float> x, ReadOnlySpan<int> xShape, ReadOnlySpan<int> taps, ReadOnlySpan<int> indices,
        ReadOnlySpan<float> weights, bool nested, float extrapolation, Span<float> d, ReadOnlySpan<int> dShape)
    {
        int rank = dShape.Length;
        if (d.IsEmpty)
            return;
        if (rank == 0)
        {
            d[0] = x[0];
            return;
        }
        var walk = new ResizeWalk
        {
            Taps = taps,
            Indices = indices,
            Weights = weights,
            Strides = stackalloc int[rank],
            Tables = stackalloc int[rank],
            Position = stackalloc int[rank],
            Tap = stackalloc int[rank],
        };
        for (int k = rank - 1, stride = 1; k >= 0; stride *= xShape[k], k--)
            walk.Strides[k] = stride;
        for (int k = 0, at = 0; k < rank; k++)
        {
            walk.Tables[k] = at;
            at += taps[k] * dShape[k];
        }
        for (int o = 0; o < d.Length; o++)
        {
            d[o] = walk.Element(x, nested, extrapolation);
            for (int k = rank - 1; k >= 0; k--)
            {
                if (++walk.Position[k] < dShape[k])
                    break;
                walk.Position[k] = 0;
            }
        }
    }

    /// <summary>The tables and the odometers of one <see cref="Resize"/> call.</summary>
    private ref struct ResizeWalk
    {
        public ReadOnlySpan<int> Taps;
        public ReadOnlySpan<int> Indices;
        public ReadOnlySpan<float> Weights;
        public Span<int> Strides;
        public Span<int> Tables;
        public Span<int> Position;
        public Span<int> Tap;

        /// <summary>Where axis k's taps for the current output position start in the tables.</summary>
        private readonly int Start(int k) => Tables[k] + Position[k] * Taps[k];

        public readonly float Element(ReadOnlySpan<float> x, bool nested, float extrapolation)
        {
            int rank = Position.Length, offset = 0;
            for (int k = 0; k < rank; k++)
            {
                if (Taps[k] == 0)
                    offset += Position[k] * Strides[k];
                else if (Indices[Start(k)] < 0)
                    return extrapolation;
            }
            if (Weights.IsEmpty)
            {
                for (int k = 0; k < rank; k++)
                {
                    if (Taps[k] != 0)
                        offset += Indices[Start(k)] * Strides[k];
                }
                return x[offset];
            }
            return nested ? Nested(x, 0, offset) : Blend(x, offset);
        }

        // Σ over the taps' combinations of (Π weights, innermost axis first) · x, the innermost tap fastest.
        private readonly float Blend(ReadOnlySpan<float> x, int offset)
        {
            int rank = Position.Length;
            Tap.Clear();
            float sum = 0;
            for (bool first = true; ; first = false)
            {
                float weight = 1;
                int at = offset;
                bool weighted = false;
                for (int k = rank - 1; k >= 0; k--)
                {
                    if (Taps[k] == 0)
                        continue;
                    int e = Start(k) + Tap[k];
                    at += Indices[e] * Strides[k];
                    weight = weighted ? weight * Weights[e] : Weights[e];
                    weighted = true;
                }
                float term = weight * x[at];
                sum = first ? term : sum + term;
                int next = rank - 1;
                for (; next >= 0; next--)
                {
                    if (Taps[next] <= 1)
                        continue;
                    if (++Tap[next] < Taps[next])
                        break;
                    Tap[next] = 0;
                }
                if (next < 0)
                    return sum;
            }
        }

        // Σ_j w_j · (the same over the next resized axis inward), from axis k on.
        private readonly float Nested(ReadOnlySpan<float> x, int k, int offset)
        {
            int rank = Position.Length;
            while (k < rank && Taps[k] == 0)
                k++;
            if (k == rank)
                return x[offset];
            int start = Start(k);
            float sum = 0;
            for (int j = 0; j < Taps[k]; j++)
                sum += Weights[start + j] * Nested(x, k + 1, offset + Indices[start + j] * Strides[k]);
            return sum;
        }
    }
}
