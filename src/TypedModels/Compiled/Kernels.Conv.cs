using System;
using System.Numerics.Tensors;

namespace TypedModels.Compiled;

// Convolution and its transpose, in the direct form: no im2col buffer, since nothing here allocates and the arena holds
// no scratch. auto_pad, output_padding and output_shape are the planner's, settled at build time into begin/end pads and
// an output shape, so the kernels see neither. Both fill one output map at a time: for each input channel of the map's
// group, and each kernel tap in row-major order, the tap's weight times the input it reaches is added along whole rows of
// the map, over the positions where the tap lands inside the input (padding is zero, so those taps are skipped, not
// read). Every output element thus sums its terms in float in the order a direct convolution does, channel first, then
// taps row-major, starting from 0, with the bias added last. Rows at stride 1 are vectorized; anything faster (blocking,
// packed weights, a GEMM form) is the next issue's.
public static partial class Kernels
{
    /// <summary>
    /// <c>Conv</c> of <paramref name="x"/> [N, C, D1..Dn] (any n ≥ 1) with <paramref name="w"/> [M, C/group, k1..kn] into
    /// <paramref name="d"/> of shape <paramref name="dShape"/> [N, M, O1..On], plus <paramref name="b"/> [M] per output map
    /// (empty: no bias). Input channels and output maps are split into <paramref name="group"/> equal groups (group = C is
    /// depthwise); map m reads the channels of group m / (M/group).
    /// </summary>
    /// <remarks>
    /// <paramref name="strides"/> and <paramref name="dilations"/> have one entry per spatial dim; <paramref name="pads"/> is
    /// [begin1..beginn, end1..endn], auto_pad already resolved. Along dim i, output position o reads input
    /// o·stride + k·dilation − begin for tap k, zero outside the input; the end pads only size the output, which
    /// <paramref name="dShape"/> already says (see <see cref="ConvOutputSize"/>).
    /// </remarks>
    public static void Conv(ReadOnlySpan<float> x, ReadOnlySpan<int> xShape, ReadOnlySpan<float> w, ReadOnlySpan<int> wShape, ReadOnlySpan<float> b, int group,
        ReadOnlySpan<int> strides, ReadOnlySpan<int> dilations, ReadOnlySpan<int> pads, Span<float> d, ReadOnlySpan<int> dShape) =>
        Convolve(x, xShape, w, wShape, b, group, strides, dilations, pads, d, dShape, transpose: false);

    /// <summary>
    /// <c>ConvTranspose</c> of <paramref name="x"/> [N, C, D1..Dn] (any n ≥ 1) with <paramref name="w"/> [C, M/group, k1..kn]
    /// into <paramref name="d"/> of shape <paramref name="dShape"/> [N, M, O1..On], plus <paramref name="b"/> [M] per output map
    /// (empty: no bias): each input element scatters its weighted kernel into the output. Channel c feeds the maps of group
    /// c / (C/group).
    /// </summary>
    /// <remarks>
    /// <paramref name="strides"/> and <paramref name="dilations"/> have one entry per spatial dim; <paramref name="pads"/> is
    /// [begin1..beginn, end1..endn], resolved by the planner from pads, auto_pad, output_padding and output_shape. Along
    /// dim i, input position p with tap k lands on output p·stride + k·dilation − begin, kept when inside [0, O); the end
    /// pads (and output_padding) only size the output, which <paramref name="dShape"/> already says (see
    /// <see cref="ConvTransposeOutputSize"/>).
    /// </remarks>
    public static void ConvTranspose(ReadOnlySpan<float> x, ReadOnlySpan<int> xShape, ReadOnlySpan<float> w, ReadOnlySpan<int> wShape, ReadOnlySpan<float> b, int group,
        ReadOnlySpan<int> strides, ReadOnlySpan<int> dilations, ReadOnlySpan<int> pads, Span<float> d, ReadOnlySpan<int> dShape) =>
        Convolve(x, xShape, w, wShape, b, group, strides, dilations, pads, d, dShape, transpose: true);

    /// <summary>
    /// <c>Conv</c>'s output size along one spatial dim: ⌊(input + padBegin + padEnd − ((kernel − 1)·dilation + 1)) / stride⌋ + 1,
    /// or 0 where the dilated kernel is wider than the padded input (a model ONNX rejects).
    /// </summary>
    /// <remarks>
    /// auto_pad, which the planner resolves into pads before this: VALID is no padding. SAME_UPPER and SAME_LOWER make the
    /// output ⌈input / stride⌉ with total = max(0, (output − 1)·stride + (kernel − 1)·dilation + 1 − input) pads, the odd one
    /// at the end for SAME_UPPER (begin = ⌊total / 2⌋) and at the begin for SAME_LOWER (begin = total − ⌊total / 2⌋).
    /// </remarks>
    public static int ConvOutputSize(int input, int kernel, int stride, int dilation, int padBegin, int padEnd)
    {
        int span = input + padBegin + padEnd - ((kernel - 1) * dilation + 1);
        return span < 0 ? 0 : span / stride + 1;
    }

    /// <summary>
    /// <c>ConvTranspose</c>'s output size along one spatial dim:
    /// stride·(input − 1) + outputPadding + (kernel − 1)·dilation + 1 − padBegin − padEnd.
    /// </summary>
    /// <remarks>
    /// What the planner resolves, as ONNX's reference does (and the conformance data agree): output_padding lengthens the
    /// output at the end only, the begin pads stay. An explicit output_shape is the output as given, with the pads given
    /// (none: begin 0), the difference added or cut at the end. SAME_UPPER and SAME_LOWER take output_shape, or
    /// input·stride without one, and split total = stride·(input − 1) + outputPadding + (kernel − 1)·dilation + 1 − output
    /// into begin = ⌊total / 2⌋ for SAME_UPPER, total − ⌊total / 2⌋ for SAME_LOWER, and end = total − begin.
    /// </remarks>
    public static int ConvTransposeOutputSize(int input, int kernel, int stride, int dilation, int padBegin, int padEnd, int outputPadding) =>
        stride * (input - 1) + outputPadding + (kernel - 1) * dilation + 1 - padBegin - padEnd;

    // Both ops as one walk. A tap's terms along a dim are j·stride + offset for j in a range: for Conv j is the output
    // position and the sum the input's; for ConvTranspose j is the input position and the sum the output's. The leading
    // spatial dims are walked per row, the last one is the row.
    private static void Convolve(ReadOnlySpan<float> x, ReadOnlySpan<int> xShape, ReadOnlySpan<float> w, ReadOnlySpan<int> wShape, ReadOnlySpan<float> b, int group,
        ReadOnlySpan<int> strides, ReadOnlySpan<int> dilations, ReadOnlySpan<int> pads, Span<float> d, ReadOnlySpan<int> dShape, bool transpose)
    {
        int rank = xShape.Length - 2, last = rank - 1;
        int batch = xShape[0], channels = xShape[1], maps = dShape[1];
        int groupChannels = channels / group, groupMaps = maps / group;
        var inputDims = xShape.Slice(2);
        var kernelDims = wShape.Slice(2);
        var outputDims = dShape.Slice(2);

        // Row-major strides of one input map and one output map; the tap being added; each dim's range of j for that tap;
        // the current row's leading coordinates.
        Span<int> scratch = stackalloc int[6 * rank];
        var inputStrides = scratch.Slice(0, rank);
        var outputStrides = scratch.Slice(rank, rank);
        var tap = scratch.Slice(2 * rank, rank);
        var start = scratch.Slice(3 * rank, rank);
        var end = scratch.Slice(4 * rank, rank);
        var position = scratch.Slice(5 * rank, rank);
        int inputSize = 1, outputSize = 1, kernelSize = 1;
        for (int i = last; i >= 0; i--)
        {
            inputStrides[i] = inputSize;
            outputStrides[i] = outputSize;
            inputSize *= inputDims[i];
            outputSize *= outputDims[i];
            kernelSize *= kernelDims[i];
        }
        // The dims j runs over, and the dims its terms must land inside.
        var walked = transpose ? inputDims : outputDims;
        var reached = transpose ? outputDims : inputDims;

        for (int n = 0; n < batch; n++)
            for (int m = 0; m < maps; m++)
            {
                int g = m / groupMaps;
                var map = d.Slice((n * maps + m) * outputSize, outputSize);
                map.Clear();
                for (int cc = 0; cc < groupChannels; cc++)
                {
                    int c = g * groupChannels + cc;
                    var input = x.Slice((n * channels + c) * inputSize, inputSize);
                    var kernel = transpose
                        ? w.Slice((c * groupMaps + m - g * groupMaps) * kernelSize, kernelSize)
                        : w.Slice((m * groupChannels + cc) * kernelSize, kernelSize);
                    tap.Clear();
                    for (int k = 0; k < kernelSize; k++)
                    {
                        bool any = true;
                        for (int i = 0; i < rank && any; i++)
                        {
                            (start[i], end[i]) = Inside(tap[i] * dilations[i] - pads[i], strides[i], walked[i], reached[i]);
                            any = start[i] < end[i];
                        }
                        if (any)
                            AddTap(input, map, kernel[k], tap, start, end, position, strides, dilations, pads, inputStrides, outputStrides, transpose);
                        for (int i = last; i >= 0; i--)
                        {
                            if (++tap[i] < kernelDims[i])
                                break;
                            tap[i] = 0;
                        }
                    }
                }
                if (!b.IsEmpty)
                    AddScalar(map, b[m]);
            }
    }

    // One tap's weight times the input it reaches, added to every output row it lands on: the leading coordinates walk
    // their ranges, the last dim is a row of end − start terms, contiguous on the walked side.
    private static void AddTap(ReadOnlySpan<float> input, Span<float> map, float weight, ReadOnlySpan<int> tap, ReadOnlySpan<int> start, ReadOnlySpan<int> end,
        Span<int> position, ReadOnlySpan<int> strides, ReadOnlySpan<int> dilations, ReadOnlySpan<int> pads,
        ReadOnlySpan<int> inputStrides, ReadOnlySpan<int> outputStrides, bool transpose)
    {
        int last = tap.Length - 1;
        start.Slice(0, last).CopyTo(position);
        int count = end[last] - start[last], stride = strides[last];
        while (true)
        {
            // The row's first term: j on the walked side, j·stride + offset on the reached side.
            int walked = 0, reached = 0;
            for (int i = 0; i <= last; i++)
            {
                int j = i < last ? position[i] : start[last];
                int r = j * strides[i] + tap[i] * dilations[i] - pads[i];
                walked += j * (transpose ? inputStrides[i] : outputStrides[i]);
                reached += r * (transpose ? outputStrides[i] : inputStrides[i]);
            }
            if (transpose)
                AddRow(input.Slice(walked), 1, map.Slice(reached), stride, weight, count);
            else
                AddRow(input.Slice(reached), stride, map.Slice(walked), 1, weight, count);

            int dim = last - 1;
            for (; dim >= 0; dim--)
            {
                if (++position[dim] < end[dim])
                    break;
                position[dim] = start[dim];
            }
            if (dim < 0)
                return;
        }
    }

    // d[j·dStride] += weight · x[j·xStride] for j < count.
    private static void AddRow(ReadOnlySpan<float> x, int xStride, Span<float> d, int dStride, float weight, int count)
    {
        if (xStride == 1 && dStride == 1 && count >= VectorMinimum)
        {
            var row = d.Slice(0, count);
            TensorPrimitives.MultiplyAdd(x.Slice(0, count), weight, row, row);
            return;
        }
        for (int j = 0; j < count; j++)
            d[j * dStride] += weight * x[j * xStride];
    }

    private static void AddScalar(Span<float> d, float value)
    {
        if (d.Length >= VectorMinimum)
        {
            TensorPrimitives.Add(d, value, d);
            return;
        }
        for (int i = 0; i < d.Length; i++)
            d[i] += value;
    }

    // The range [start, end) of j in [0, count) where j·stride + offset lies in [0, limit).
    private static (int Start, int End) Inside(int offset, int stride, int count, int limit)
    {
        int start = offset >= 0 ? 0 : (-offset + stride - 1) / stride;
        int highest = limit - 1 - offset;
        int end = highest < 0 ? 0 : Math.Min(count, highest / stride + 1);
        return (start, Math.Max(start, end));
    }
}
