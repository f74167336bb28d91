using System;
using System.Numerics.Tensors;

namespace TypedModels.Compiled;

// The pooling family over [N, C, D1..Dn] tensors, any n ≥ 1. The planner has already turned auto_pad and ceil_mode into
// explicit pads and an output shape, so a kernel only walks windows: output coordinate o along a spatial dim starts its
// window at o·stride − pad_begin, and its k-th tap lies dilation·k further on. Taps outside the input are skipped; under
// ceil_mode the last window may run past the end padding (the planner guarantees it starts inside the input or the
// begin padding), and what counts as "padding" for count_include_pad stops at the padded bound, input + pad_end, as in
// ONNX Runtime and the backend tests' data. One walk serves every pool; the operator is a struct folded into it.
public static partial class Kernels
{
    /// <summary>
    /// <c>MaxPool</c> of <paramref name="x"/> [N, C, D1..Dn] into <paramref name="d"/> [N, C, O1..On] (<paramref name="dShape"/>,
    /// from the planner). <paramref name="kernel"/>, <paramref name="strides"/> and <paramref name="dilations"/> have n
    /// entries; <paramref name="pads"/> has 2n, [begin1..beginn, end1..endn]. The first in-bounds tap in row-major window
    /// order is kept unless a later one is strictly greater, as ONNX Runtime and ONNX's reference compare, so ties go
    /// to the earliest and a NaN is kept only when it comes first. <paramref name="indices"/> (empty when the model does not
    /// use it, else one per output) gets the flattened index of each maximum in x, N and C included:
    /// row-major over the spatial dims when <paramref name="storageOrder"/> is 0, column-major when it is 1. A window with
    /// no tap inside the input (with dilations, or a pad as wide as the kernel) gives 0 and index −1, as ONNX's 2-D reference does
    /// (ONNX Runtime writes <see cref="float.MinValue"/> there).
    /// </summary>
    public static void MaxPool(ReadOnlySpan<float> x, ReadOnlySpan<int> xShape, ReadOnlySpan<int> kernel, ReadOnlySpan<int> strides,
        ReadOnlySpan<int> dilations, ReadOnlySpan<int> pads, Span<float> d, ReadOnlySpan<int> dShape, Span<long> indices, int storageOrder = 0)
    {
        var pooling = new MaxPooling(indices, xShape[2..], storageOrder);
        Pool(x, xShape, kernel, strides, dilations, pads, d, dShape, ref pooling);
    }

    /// <summary>
    /// <c>AveragePool</c>, laid out as <see cref="MaxPool"/>: the float sum of a window's in-bounds taps in row-major order,
    /// divided by their number, or with <paramref name="countIncludePad"/> by the number of taps inside the padded
    /// bounds [−pad_begin, D + pad_end) (taps of a ceil_mode window beyond pad_end never count). A window with no
    /// in-bounds tap gives NaN without <paramref name="countIncludePad"/> (0/0, as ONNX's reference; ONNX Runtime writes 0)
    /// and 0 with it.
    /// </summary>
    public static void AveragePool(ReadOnlySpan<float> x, ReadOnlySpan<int> xShape, ReadOnlySpan<int> kernel, ReadOnlySpan<int> strides,
        ReadOnlySpan<int> dilations, ReadOnlySpan<int> pads, bool countIncludePad, Span<float> d, ReadOnlySpan<int> dShape)
    {
        var pooling = new AveragePooling(countIncludePad);
        Pool(x, xShape, kernel, strides, dilations, pads, d, dShape, ref pooling);
    }

    /// <summary>
    /// <c>LpPool</c>, laid out as <see cref="MaxPool"/>: (Σ |x|^p)^(1/p) over a window's in-bounds taps (padding adds 0).
    /// Each term is rounded to float and summed in float, the root taken in float, as ONNX Runtime's kernel does.
    /// </summary>
    public static void LpPool(ReadOnlySpan<float> x, ReadOnlySpan<int> xShape, ReadOnlySpan<int> kernel, ReadOnlySpan<int> strides,
        ReadOnlySpan<int> dilations, ReadOnlySpan<int> pads, int p, Span<float> d, ReadOnlySpan<int> dShape)
    {
        var pooling = new LpPooling(p);
        Pool(x, xShape, kernel, strides, dilations, pads, d, dShape, ref pooling);
    }

    /// <summary>
    /// <c>GlobalAveragePool</c>: the mean of each of <paramref name="channels"/> (N·C) runs of <paramref name="spatial"/>
    /// elements. No elements: NaN, as <see cref="ReduceMean"/>.
    /// </summary>
    public static void GlobalAveragePool(ReadOnlySpan<float> x, int channels, int spatial, Span<float> d)
    {
        for (int c = 0; c < channels; c++)
            d[c] = TensorPrimitives.Sum(x.Slice(c * spatial, spatial)) / spatial;
    }

    /// <summary>
    /// <c>GlobalMaxPool</c>: the largest of each of <paramref name="channels"/> (N·C) runs of <paramref name="spatial"/>
    /// elements, NaN if the run holds one (numpy's max, which ONNX's reference uses). No elements: −∞, as <see cref="ReduceMax"/>.
    /// </summary>
    public static void GlobalMaxPool(ReadOnlySpan<float> x, int channels, int spatial, Span<float> d)
    {
        for (int c = 0; c < channels; c++)
            d[c] = spatial == 0 ? float.NegativeInfinity : TensorPrimitives.Max(x.Slice(c * spatial, spatial));
    }

    // What a pool folds: Begin, then Tap for each in-bounds tap (at: its offset in the N·C plane), then End with the
    // output's index, the plane's, the number of in-bounds taps and the number inside the padded bounds.
    private interface IPooling
    {
        void Begin();

        void Tap(float value, int at);

        float End(int output, int plane, int taps, int padded);
    }

    private static void Pool<TPooling>(ReadOnlySpan<float> x, ReadOnlySpan<int> xShape, ReadOnlySpan<int> kernel, ReadOnlySpan<int> strides,
        ReadOnlySpan<int> dilations, ReadOnlySpan<int> pads, Span<float> d, ReadOnlySpan<int> dShape, ref TPooling pooling)
        where TPooling : IPooling, allows ref struct
    {
        int rank = xShape.Length - 2, last = rank - 1;
        int planes = xShape[0] * xShape[1], inner = 1, outer = 1;
        for (int i = 0; i < rank; i++)
        {
            inner *= xShape[i + 2];
            outer *= dShape[i + 2];
        }
        if (planes == 0 || outer == 0)
            return;
        Span<int> stride = stackalloc int[rank];   // x's row-major stride along each spatial dim
        Span<int> position = stackalloc int[rank]; // the output element's coordinates
        Span<int> first = stackalloc int[rank];    // the window's in-bounds taps along each dim: [first, end)
        Span<int> end = stackalloc int[rank];
        Span<int> tap = stackalloc int[rank];
        for (int i = last, s = 1; i >= 0; s *= xShape[i + 2], i--)
            stride[i] = s;
        for (int plane = 0; plane < planes; plane++)
        {
            var values = x.Slice(plane * inner, inner);
            position.Clear();
            for (int o = 0; o < outer; o++)
            {
                int taps = 1, padded = 1, offset = 0;
                for (int i = 0; i < rank; i++)
                {
                    int size = xShape[i + 2], dilation = dilations[i], start = position[i] * strides[i] - pads[i];
                    int low = start >= 0 ? 0 : (dilation - 1 - start) / dilation;
                    int high = Math.Max(low, Math.Min(kernel[i], Taps(size - start, dilation)));
                    padded *= Math.Min(kernel[i], Taps(size + pads[rank + i] - start, dilation));
                    taps *= high - low;
                    first[i] = tap[i] = low;
                    end[i] = high;
                    offset += (start + low * dilation) * stride[i];
                }
                pooling.Begin();
                if (taps > 0)
                {
                    // The last dim's taps as one loop, an odometer over the others.
                    int count = end[last] - first[last], step = dilations[last];
                    while (true)
                    {
                        for (int t = 0, at = offset; t < count; t++, at += step)
                            pooling.Tap(values[at], at);
                        int i = last - 1;
                        for (; i >= 0; i--)
                        {
                            int jump = dilations[i] * stride[i];
                            offset += jump;
                            if (++tap[i] < end[i])
                                break;
                            offset -= (end[i] - first[i]) * jump;
                            tap[i] = first[i];
                        }
                        if (i < 0)
                            break;
                    }
                }
                int index = plane * outer + o;
                d[index] = pooling.End(index, plane, taps, padded);
                for (int i = last; i >= 0; i--)
                {
                    if (++position[i] < dShape[i + 2])
                        break;
                    position[i] = 0;
                }
            }
        }
    }

    // How many of the taps 0, dilation, 2·dilation, … fall below length: ⌈length / dilation⌉, none when length ≤ 0.
    private static int Taps(int length, int dilation) => length <= 0 ? 0 : (length + dilation - 1) / dilation;

    private ref struct MaxPooling(Span<long> indices, ReadOnlySpan<int> spatial, int storageOrder) : IPooling
    {
        private readonly Span<long> _indices = indices;
        private readonly ReadOnlySpan<int> _spatial = spatial;
        private readonly long _plane = Product(spatial);
        private float _max;
        private int _at;

        public void Begin() => _at = -1;

        public void Tap(float value, int at)
        {
            if (_at < 0 || value > _max)
                (_max, _at) = (value, at);
        }

        public readonly float End(int output, int plane, int taps, int padded)
        {
            if (!_indices.IsEmpty)
                _indices[output] = _at < 0 ? -1 : plane * _plane + (storageOrder == 0 ? _at : ColumnMajor(_at));
            return _at < 0 ? 0 : _max;
        }

        // A row-major offset in the plane, re-read column-major: the first spatial dim varies fastest.
        private readonly long ColumnMajor(int at)
        {
            long index = 0, stride = _plane;
            for (int i = _spatial.Length - 1; i >= 0; i--)
            {
                stride /= _spatial[i];
                index += at % _spatial[i] * stride;
                at /= _spatial[i];
            }
            return index;
        }

        private static long Product(ReadOnlySpan<int> dims)
        {
            long product = 1;
            foreach (int dim in dims)
                product *= dim;
            return product;
        }
    }

    private struct AveragePooling(bool countIncludePad) : IPooling
    {
        private float _sum;

        public void Begin() => _sum = 0;

        public void Tap(float value, int at) => _sum += value;

        public readonly float End(int output, int plane, int taps, int padded) =>
            taps == 0 ? (countIncludePad ? 0 : float.NaN) : _sum / (countIncludePad ? padded : taps);
    }

    private struct LpPooling(int p) : IPooling
    {
        private float _sum;

        public void Begin() => _sum = 0;

        // |x|^p in double rounded to float, ONNX Runtime's std::pow(float, int64); for p = 1 and 2 the float forms round alike.
        public void Tap(float value, int at) => _sum += p switch
        {
            1 => MathF.Abs(value),
            2 => value * value,
            _ => (float)Math.Pow(MathF.Abs(value), p),
        };

        public readonly float End(int output, int plane, int taps, int padded) => MathF.Pow(_sum, 1f / p);
    }
}
