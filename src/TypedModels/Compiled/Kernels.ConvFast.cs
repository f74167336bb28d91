using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace TypedModels.Compiled;

// Conv's fast forms, each picked by the planner at build time from the node's shapes; everything else stays with the
// generic Convolve (Kernels.Conv.cs). All three sum each output in float with FMA, from 0, channel first then taps
// row-major, as Convolve does, and add the bias last:
//   ConvPointwise: 1×1, stride 1, no pads, group 1: per image the matrix product W [M, C] × X [C, spatial].
//   ConvDepthwise: 2-D, group = C = M, dilations 1: per channel, taps in registers, vectorized along the output row at
//     stride 1 over the interior (where every tap lands inside the row), scalar at the borders and at other strides.
//   ConvIm2Col: 1-D or 2-D, group 1: the input's windows copied into scratch as [C·k, positions] (zeros for padding)
//     for a band of output rows at a time, then the same product with W [M, C·k] as the model stores it.
// The product keeps 4 output maps × 2 vectors of positions in registers, each loaded x vector shared by 4 maps; the last
// maps and positions overlap the ones before (recomputing identical values) rather than falling to a scalar tail.
public static partial class Kernels
{
    /// <summary>
    /// The activation a fast Conv applies to its finished output (the planner folds the node that follows the Conv into
    /// it when nothing else reads the Conv's output): the op's own kernel run in place on each finished block while it
    /// is in cache, so it rounds exactly as the separate node would.
    /// </summary>
    public enum ConvActivation
    {
        /// <summary>The sum plus the bias, as it is.</summary>
        None,

        /// <summary><see cref="Relu"/>.</summary>
        Relu,

        /// <summary><see cref="LeakyRelu"/> with alpha.</summary>
        LeakyRelu,

        /// <summary><see cref="HardSigmoid"/> with alpha and beta.</summary>
        HardSigmoid,

        /// <summary><see cref="HardSwish"/>.</summary>
        HardSwish,

        /// <summary><see cref="Sigmoid"/>.</summary>
        Sigmoid,

        /// <summary><see cref="Tanh"/>.</summary>
        Tanh,
    }

    // The activation's kernel over a finished block, in place.
    private static void Activate(Span<float> block, ConvActivation activation, float alpha, float beta)
    {
        switch (activation)
        {
            case ConvActivation.Relu:
                Relu(block, block);
                break;
            case ConvActivation.LeakyRelu:
                LeakyRelu(block, alpha, block);
                break;
            case ConvActivation.HardSigmoid:
                HardSigmoid(block, alpha, beta, block);
                break;
            case ConvActivation.HardSwish:
                HardSwish(block, block);
                break;
            case ConvActivation.Sigmoid:
                Sigmoid(block, block);
                break;
            case ConvActivation.Tanh:
                Tanh(block, block);
                break;
        }
    }

    // Whether the kernels with an epilogue in registers apply the activation there (Finish), not over the finished block.
    private static bool InRegisters(ConvActivation activation) => activation is ConvActivation.None or ConvActivation.Relu or ConvActivation.HardSwish;

    // The sums plus the bias, then Relu (Vector512.Max with 0: Relu's kernel, NaN included) or HardSwish (its kernel's
    // vector form) when that is the activation; any other is left for Activate.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Finish(Vector512<float> sum, Vector512<float> bias, ConvActivation activation)
    {
        var v = sum + bias;
        return activation == ConvActivation.Relu ? Vector512.Max(v, Vector512<float>.Zero) : activation == ConvActivation.HardSwish ? HardSwish(v) : v;
    }

    /// <summary>
    /// <c>Conv</c> with a 1×…×1 kernel, stride 1, no pads and group 1 of <paramref name="x"/> [N, C, D1..Dn] with
    /// <paramref name="w"/> [M, C, 1..1] into <paramref name="d"/> [N, M, D1..Dn], plus <paramref name="b"/> [M] (empty: none),
    /// then <paramref name="activation"/> (with <paramref name="alpha"/> and <paramref name="beta"/> where it takes them).
    /// </summary>
    public static void ConvPointwise(ReadOnlySpan<float> x, ReadOnlySpan<int> xShape, ReadOnlySpan<float> w, ReadOnlySpan<float> b, Span<float> d, ReadOnlySpan<int> dShape,
        ConvActivation activation = ConvActivation.None, float alpha = 0f, float beta = 0f)
    {
        if (SplitImages(ConvForm.Pointwise, x, xShape, w, [dShape[1], xShape[1]], b, [], [], [], d, dShape, 0, activation, alpha, beta))
            return;
        int batch = xShape[0], channels = xShape[1], maps = dShape[1];
        int size = 1;
        for (int i = 2; i < xShape.Length; i++)
            size *= xShape[i];
        for (int n = 0; n < batch; n++)
            ConvProduct(w, maps, channels, x.Slice(n * channels * size, channels * size), size, size, b, d.Slice(n * maps * size, maps * size), size, activation, alpha, beta);
    }

    /// <summary>
    /// Depthwise 2-D <c>Conv</c> (group = C = M, dilations 1) of <paramref name="x"/> [N, C, H, W] with <paramref name="w"/>
    /// [C, 1, kh, kw] into <paramref name="d"/> [N, C, OH, OW], plus <paramref name="b"/> [C] (empty: none); any kernel size,
    /// <paramref name="strides"/> [sh, sw] and <paramref name="pads"/> [top, left, bottom, right]; then
    /// <paramref name="activation"/> (with <paramref name="alpha"/> and <paramref name="beta"/> where it takes them), a map at a time.
    /// </summary>
    public static void ConvDepthwise(ReadOnlySpan<float> x, ReadOnlySpan<int> xShape, ReadOnlySpan<float> w, ReadOnlySpan<int> wShape, ReadOnlySpan<float> b,
        ReadOnlySpan<int> strides, ReadOnlySpan<int> pads, Span<float> d, ReadOnlySpan<int> dShape, Span<float> scratch = default,
        ConvActivation activation = ConvActivation.None, float alpha = 0f, float beta = 0f)
    {
        if (SplitImages(ConvForm.Depthwise, x, xShape, w, wShape, b, strides, [], pads, d, dShape, scratch.Length, activation, alpha, beta))
            return;
        int batch = xShape[0], channels = xShape[1], height = xShape[2], width = xShape[3];
        int kh = wShape[2], kw = wShape[3], oh = dShape[2], ow = dShape[3];
        int sy = strides[0], sx = strides[1], top = pads[0], left = pads[1];
        // Output columns whose taps all land inside the row: ox·sx − left ≥ 0 and ox·sx + kw − 1 − left ≤ width − 1.
        int lo = Math.Min(ow, (left + sx - 1) / sx);
        int span = width - kw + left;
        int hi = Math.Max(lo, span < 0 ? 0 : Math.Min(ow, span / sx + 1));
        int plane = height * width, outPlane = oh * ow, taps = kh * kw;
        if ((long)batch * channels * plane > x.Length || (long)channels * taps > w.Length || (long)batch * channels * outPlane > d.Length || (!b.IsEmpty && b.Length < channels))
            throw new ArgumentException("The spans are shorter than the shapes say.");
        // Where tap kx of output column ox reads along the row: ox·sx + kx − left, which in the row split into its stride
        // phases (Phase) is element ox + offsets[kx]; at stride 1 the row as it is.
        // With room in the scratch and a row of at least a vector, each map is first copied there with its left and right
        // pads as zeros (padded: rows of exactly the (ow − 1)·sx + kw columns read, in phases past stride 1), so that
        // whole output rows are vectors; a padded tap adds w·0. Measured against the borders done one by one (mobile's
        // depthwise layers, interleaved): 5% faster at stride 1, 30% slower at stride 2 (padding then phasing each row
        // costs more than the borders), so stride 1 only.
        int vector = Vector512.IsHardwareAccelerated ? Vector512<float>.Count : Vector256.IsHardwareAccelerated ? Vector256<float>.Count : int.MaxValue;
        // With room for one map in phased rows (PhaseRows), every output row is whole vectors read at fixed offsets.
        int run = ow + (kw - 1) / sx;
        if (kw <= 64 && ow >= vector && scratch.Length >= (long)height * sx * run)
        {
            var rows = scratch.Slice(0, height * sx * run);
            for (int n = 0; n < batch; n++)
                for (int c = 0; c < channels; c++)
                {
                    PhaseRows(x, (n * channels + c) * plane, height, width, sx, left, run, rows, zeros: n == 0 && c == 0);
                    var map = d.Slice((n * channels + c) * outPlane, outPlane);
                    if (kh == 3 && kw == 3 && sy <= 2 && top <= 2 && pads[2] <= 2 && Vector512.IsHardwareAccelerated)
                    {
                        Depthwise3x3(rows, sx * run, run, w.Slice(c * taps, taps), sx, sy, top, height, oh, ow, b.IsEmpty ? 0f : b[c], map, activation);
                        if (!InRegisters(activation))
                            Activate(map, activation, alpha, beta);
                    }
                    else
                    {
                        DepthwisePhased(rows, sx * run, run, w.Slice(c * taps, taps), kh, kw, sx, sy, top, height, oh, ow, b.IsEmpty ? 0f : b[c], map);
                        Activate(map, activation, alpha, beta);
                    }
                }
            return;
        }
        int padded = (ow - 1) * sx + kw;
        bool whole = sx == 1 && kw <= 64 && ow >= vector && padded <= 4096 && scratch.Length >= (long)height * padded;
        bool phased = !whole && sx > 1 && scratch.Length >= plane;
        bool vectors = (sx == 1 || phased || whole) && kw <= 64;
        Span<int> offsets = stackalloc int[vectors ? kw : 0];
        for (int kx = 0; kx < offsets.Length; kx++)
            offsets[kx] = whole ? PhaseOffset(kx, sx, padded) : PhaseOffset(kx - left, sx, width);
        Span<float> line = stackalloc float[whole && sx > 1 ? padded : 0];
        if (whole)
        {
            lo = 0;
            hi = ow;
        }
        for (int n = 0; n < batch; n++)
            for (int c = 0; c < channels; c++)
            {
                var input = x.Slice((n * channels + c) * plane, plane);
                ReadOnlySpan<float> source = input;
                if (whole)
                {
                    Pad(input, height, width, left, padded, sx, scratch, line);
                    source = scratch.Slice(0, height * padded);
                }
                else if (vectors && phased)
                {
                    Phase(input, height, width, sx, scratch);
                    source = scratch.Slice(0, plane);
                }
                var kernel = w.Slice(c * taps, taps);
                var map = d.Slice((n * channels + c) * outPlane, outPlane);
                float bias = b.IsEmpty ? 0f : b[c];
                for (int oy = 0; oy < oh; oy++)
                {
                    int y0 = oy * sy - top;
                    int kyLo = Math.Max(0, -y0), kyHi = Math.Min(kh, height - y0);
                    var row = map.Slice(oy * ow, ow);
                    for (int ox = 0; ox < lo; ox++)
                        row[ox] = DepthwisePoint(input, kernel, width, kw, y0, kyLo, kyHi, ox * sx - left) + bias;
                    int from = lo;
                    if (vectors && kyLo < kyHi)
                        from = DepthwiseRow(source, kernel, whole ? padded : width, kw, y0, kyLo, kyHi, lo, hi, offsets, bias, row);
                    for (int ox = from; ox < hi; ox++)
                        row[ox] = DepthwiseInterior(input, kernel, width, kw, y0, kyLo, kyHi, ox * sx - left) + bias;
                    for (int ox = hi; ox < ow; ox++)
                        row[ox] = DepthwisePoint(input, kernel, width, kw, y0, kyLo, kyHi, ox * sx - left) + bias;
                }
                Activate(map, activation, alpha, beta);
            }
    }

    // The plane at x[at..] as rows of stride phases: input row y becomes `stride` runs of `run` floats, run q holding the
    // columns i·stride + q − left for i < run, zeros where that falls outside the row (written only when `zeros`: they
    // stay from one plane to the next); so tap kx of output column ox reads run kx mod stride at ox + kx / stride, and
    // an output row's taps are whole vectors. Stride 1 copies the row between its pads; stride 2 takes every other column
    // two vectors at a time through a two-source permute (reading at most one float past the row, never past x); others
    // one by one.
    private static void PhaseRows(ReadOnlySpan<float> x, int at, int height, int width, int stride, int left, int run, Span<float> into, bool zeros)
    {
        if ((long)height * stride * run > into.Length || (long)at + (long)height * width > x.Length)
            throw new ArgumentException("The spans are shorter than the plane's shapes.");
        ref float xr = ref MemoryMarshal.GetReference(x);
        ref float ir = ref MemoryMarshal.GetReference(into);
        if (stride == 2 && left <= 1 && width % 2 == 0 && width >= 32 && run >= width / 2 + left && Avx512F.IsSupported)
        {
            // Both phases from one read of each 32 columns: the even ones are run `left` at i, the odd ones run 1 − left
            // at i + left; the pads (run 0's element 0 when left is 1, each run's end past the row) are zeros.
            var even = Vector512.Create(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
            var odd = even + Vector512<int>.One;
            int half = width / 2;
            for (int y = 0; y < height; y++)
            {
                ref float source = ref Unsafe.Add(ref xr, at + y * width);
                ref float evens = ref Unsafe.Add(ref ir, (2 * y + left) * run);
                ref float odds = ref Unsafe.Add(ref ir, (2 * y + 1 - left) * run + left);
                if (zeros)
                {
                    for (int i = half; i < run; i++)
                        Unsafe.Add(ref evens, i) = 0f;
                    for (int i = half + left; i < run; i++)
                        Unsafe.Add(ref ir, (2 * y + 1 - left) * run + i) = 0f;
                    if (left == 1)
                        Unsafe.Add(ref ir, 2 * y * run) = 0f;
                }
                for (int k = 0; k < half; k += 16)
                {
                    int j = Math.Min(k, half - 16);
                    var a = Vector512.LoadUnsafe(ref source, (nuint)(2 * j));
                    var b = Vector512.LoadUnsafe(ref source, (nuint)(2 * j + 16));
                    Avx512F.PermuteVar16x32x2(a, even, b).StoreUnsafe(ref evens, (nuint)j);
                    Avx512F.PermuteVar16x32x2(a, odd, b).StoreUnsafe(ref odds, (nuint)j);
                }
            }
            return;
        }
        for (int q = 0; q < stride; q++)
        {
            int offset = q - left;
            // The run's elements i in [from, to) come from the row: 0 ≤ i·stride + offset < width.
            int from = Math.Min(run, offset >= 0 ? 0 : (-offset + stride - 1) / stride);
            int to = Math.Max(from, Math.Min(run, width - offset <= 0 ? 0 : (width - offset + stride - 1) / stride));
            if (zeros)
            {
                for (int y = 0; y < height; y++)
                {
                    ref float target = ref Unsafe.Add(ref ir, (y * stride + q) * run);
                    for (int i = 0; i < from; i++)
                        Unsafe.Add(ref target, i) = 0f;
                    for (int i = to; i < run; i++)
                        Unsafe.Add(ref target, i) = 0f;
                }
            }
            if (stride == 1 && Vector512.IsHardwareAccelerated && to - from >= Vector512<float>.Count)
            {
                const int V = 16;
                for (int y = 0; y < height; y++)
                {
                    ref float target = ref Unsafe.Add(ref ir, y * run);
                    ref float source = ref Unsafe.Add(ref xr, at + y * width + offset);
                    for (int i = from; i < to; i += V)
                    {
                        int j = Math.Min(i, to - V);
                        Vector512.LoadUnsafe(ref source, (nuint)j).StoreUnsafe(ref target, (nuint)j);
                    }
                }
            }
            else if (stride == 1 && Vector256.IsHardwareAccelerated && to - from >= Vector256<float>.Count)
            {
                const int V = 8;
                for (int y = 0; y < height; y++)
                {
                    ref float target = ref Unsafe.Add(ref ir, y * run);
                    ref float source = ref Unsafe.Add(ref xr, at + y * width + offset);
                    for (int i = from; i < to; i += V)
                    {
                        int j = Math.Min(i, to - V);
                        Vector256.LoadUnsafe(ref source, (nuint)j).StoreUnsafe(ref target, (nuint)j);
                    }
                }
            }
            else if (stride == 2 && Avx512F.IsSupported && to - from >= 16)
            {
                // Elements i..i+15 are the even lanes of the 32 floats from column 2i + offset; the last group overlaps
                // the one before and reads column 2·to + offset − 1 at most, one past the row's last used: the last row
                // when that is past x goes one by one.
                var even = Vector512.Create(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
                for (int y = 0; y < height; y++)
                {
                    ref float target = ref Unsafe.Add(ref ir, (y * stride + q) * run);
                    int source = at + y * width + offset;
                    if (source + 2 * to > x.Length)
                    {
                        for (int i = from; i < to; i++)
                            Unsafe.Add(ref target, i) = x[source + 2 * i];
                        continue;
                    }
                    for (int i = from; i < to; i += 16)
                    {
                        int j = Math.Min(i, to - 16);
                        ref float column = ref Unsafe.Add(ref xr, source + 2 * j);
                        Avx512F.PermuteVar16x32x2(Vector512.LoadUnsafe(ref column), even, Vector512.LoadUnsafe(ref column, 16)).StoreUnsafe(ref target, (nuint)j);
                    }
                }
            }
            else
            {
                for (int y = 0; y < height; y++)
                {
                    var source = x.Slice(at + y * width);
                    var target = into.Slice((y * stride + q) * run, run);
                    for (int i = from; i < to; i++)
                        target[i] = source[i * stride + offset];
                }
            }
        }
    }

    // One depthwise map from its phased rows (PhaseRows; rows `pitch` floats apart, runs `run` apart), a vector of output
    // columns at a time: the map's vectors, row by row and each row's last overlapping the one before, taken eight at a
    // time (eight independent chains of FMAs) while the eight share their rows' range inside the map. Each output sums
    // from 0 the taps of the rows inside the map, row-major, with FMA (a padded column adds w·0), then adds the bias.
    // Needs ow ≥ one vector.
    private static void DepthwisePhased(ReadOnlySpan<float> rows, int pitch, int run, ReadOnlySpan<float> kernel, int kh, int kw, int sx, int sy, int top,
        int height, int oh, int ow, float bias, Span<float> map)
    {
        if ((long)height * pitch > rows.Length || kernel.Length < kh * kw || (long)oh * ow > map.Length || pitch < sx * run || run < ow + (kw - 1) / sx)
            throw new ArgumentException("The spans are shorter than the map's shapes.");
        ref float rr = ref MemoryMarshal.GetReference(rows);
        ref float kr = ref MemoryMarshal.GetReference(kernel);
        ref float dr = ref MemoryMarshal.GetReference(map);
        // Where tap kx reads, from the start of an input row, for output column 0.
        Span<int> offsets = stackalloc int[kw];
        for (int kx = 0; kx < kw; kx++)
            offsets[kx] = kx % sx * run + kx / sx;
        int lanes = Vector512.IsHardwareAccelerated ? Vector512<float>.Count : Vector256<float>.Count;
        int perRow = (ow + lanes - 1) / lanes, items = oh * perRow;
        int t = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            const int V = 16;
            var b = Vector512.Create(bias);
            for (; t + 8 <= items; t += 8)
            {
                int first = t / perRow, last = (t + 7) / perRow;
                int kyLo = Math.Max(0, top - first * sy), kyHi = Math.Min(kh, height - (first * sy - top));
                if (kyLo != Math.Max(0, top - last * sy) || kyHi != Math.Min(kh, height - (last * sy - top)) || kyLo >= kyHi)
                {
                    for (int i = 0; i < 8; i++)
                        DepthwiseVector(ref rr, pitch, ref kr, kw, offsets, sy, top, height, kh, ow, perRow, t + i, b, ref dr);
                    continue;
                }
                int p0 = Item(t, perRow, ow, V, sy, top, kyLo, pitch, out int d0), p1 = Item(t + 1, perRow, ow, V, sy, top, kyLo, pitch, out int d1);
                int p2 = Item(t + 2, perRow, ow, V, sy, top, kyLo, pitch, out int d2), p3 = Item(t + 3, perRow, ow, V, sy, top, kyLo, pitch, out int d3);
                int p4 = Item(t + 4, perRow, ow, V, sy, top, kyLo, pitch, out int d4), p5 = Item(t + 5, perRow, ow, V, sy, top, kyLo, pitch, out int d5);
                int p6 = Item(t + 6, perRow, ow, V, sy, top, kyLo, pitch, out int d6), p7 = Item(t + 7, perRow, ow, V, sy, top, kyLo, pitch, out int d7);
                Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default, a6 = default, a7 = default;
                for (int ky = kyLo; ky < kyHi; ky++)
                {
                    ref float line = ref Unsafe.Add(ref rr, (ky - kyLo) * pitch);
                    ref float taps = ref Unsafe.Add(ref kr, ky * kw);
                    for (int kx = 0; kx < kw; kx++)
                    {
                        ref float at = ref Unsafe.Add(ref line, offsets[kx]);
                        var weight = Vector512.Create(Unsafe.Add(ref taps, kx));
                        a0 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref at, (nuint)p0), weight, a0);
                        a1 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref at, (nuint)p1), weight, a1);
                        a2 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref at, (nuint)p2), weight, a2);
                        a3 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref at, (nuint)p3), weight, a3);
                        a4 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref at, (nuint)p4), weight, a4);
                        a5 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref at, (nuint)p5), weight, a5);
                        a6 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref at, (nuint)p6), weight, a6);
                        a7 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref at, (nuint)p7), weight, a7);
                    }
                }
                (a0 + b).StoreUnsafe(ref dr, (nuint)d0);
                (a1 + b).StoreUnsafe(ref dr, (nuint)d1);
                (a2 + b).StoreUnsafe(ref dr, (nuint)d2);
                (a3 + b).StoreUnsafe(ref dr, (nuint)d3);
                (a4 + b).StoreUnsafe(ref dr, (nuint)d4);
                (a5 + b).StoreUnsafe(ref dr, (nuint)d5);
                (a6 + b).StoreUnsafe(ref dr, (nuint)d6);
                (a7 + b).StoreUnsafe(ref dr, (nuint)d7);
            }
            for (; t < items; t++)
                DepthwiseVector(ref rr, pitch, ref kr, kw, offsets, sy, top, height, kh, ow, perRow, t, b, ref dr);
            return;
        }
        var b8 = Vector256.Create(bias);
        for (; t < items; t++)
        {
            int oy = t / perRow, at = Math.Min(t % perRow * 8, ow - 8), y0 = oy * sy - top;
            int kyLo = Math.Max(0, -y0), kyHi = Math.Min(kh, height - y0);
            var acc = Vector256<float>.Zero;
            for (int ky = kyLo; ky < kyHi; ky++)
            {
                ref float line = ref Unsafe.Add(ref rr, (y0 + ky) * pitch + at);
                for (int kx = 0; kx < kw; kx++)
                    acc = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref line, (nuint)offsets[kx]), Vector256.Create(Unsafe.Add(ref kr, ky * kw + kx)), acc);
            }
            (acc + b8).StoreUnsafe(ref dr, (nuint)(oy * ow + at));
        }
    }

    // A 3×3 depthwise map from its phased rows (as DepthwisePhased; row stride sy 1 or 2, top and bottom pads at most 2,
    // so every output row has a row inside the map): the nine weights in registers, three vectors of output columns at a
    // time (the last ones overlapping the ones before), the input rows read once each, top to bottom, and each row's
    // three taps added to every output row that reads it. So each output still sums from 0 its rows in order (ky
    // ascending, kx ascending within a row, FMA), then adds the bias; then Relu or HardSwish in registers (Finish).
    private static void Depthwise3x3(ReadOnlySpan<float> rows, int pitch, int run, ReadOnlySpan<float> kernel, int sx, int sy, int top, int height, int oh, int ow,
        float bias, Span<float> map, ConvActivation activation)
    {
        const int V = 16;
        if ((long)height * pitch > rows.Length || kernel.Length < 9 || (long)oh * ow > map.Length || pitch < sx * run || run < ow + 2 / sx || ow < V
            || top > 2 || sy is < 1 or > 2 || oh > (height + top + 2 - 3) / sy + 1)
            throw new ArgumentException("The spans are shorter than the map's shapes.");
        ref float rr = ref MemoryMarshal.GetReference(rows);
        ref float dr = ref MemoryMarshal.GetReference(map);
        int o1 = 1 % sx * run + 1 / sx, o2 = 2 % sx * run + 2 / sx;
        var w00 = Vector512.Create(kernel[0]); var w01 = Vector512.Create(kernel[1]); var w02 = Vector512.Create(kernel[2]);
        var w10 = Vector512.Create(kernel[3]); var w11 = Vector512.Create(kernel[4]); var w12 = Vector512.Create(kernel[5]);
        var w20 = Vector512.Create(kernel[6]); var w21 = Vector512.Create(kernel[7]); var w22 = Vector512.Create(kernel[8]);
        var b = Vector512.Create(bias);
        for (int j = 0; j < ow; j += 3 * V)
        {
            int at0 = Math.Min(j, ow - V), at1 = Math.Min(j + V, ow - V), at2 = Math.Min(j + 2 * V, ow - V);
            if (sy == 1)
            {
                // Row iy feeds output rows iy + top − ky: a (ky 2, then finished), m (ky 1) and z (ky 0).
                Vector512<float> a0 = default, a1 = default, a2 = default, m0 = default, m1 = default, m2 = default, z0 = default, z1 = default, z2 = default;
                for (int iy = 0; iy < height; iy++)
                {
                    ref float line = ref Unsafe.Add(ref rr, iy * pitch);
                    var x0 = Vector512.LoadUnsafe(ref line, (nuint)at0);
                    var x1 = Vector512.LoadUnsafe(ref line, (nuint)(at0 + o1));
                    var x2 = Vector512.LoadUnsafe(ref line, (nuint)(at0 + o2));
                    a0 = Vector512.FusedMultiplyAdd(x2, w22, Vector512.FusedMultiplyAdd(x1, w21, Vector512.FusedMultiplyAdd(x0, w20, a0)));
                    m0 = Vector512.FusedMultiplyAdd(x2, w12, Vector512.FusedMultiplyAdd(x1, w11, Vector512.FusedMultiplyAdd(x0, w10, m0)));
                    z0 = Vector512.FusedMultiplyAdd(x2, w02, Vector512.FusedMultiplyAdd(x1, w01, Vector512.FusedMultiplyAdd(x0, w00, z0)));
                    x0 = Vector512.LoadUnsafe(ref line, (nuint)at1);
                    x1 = Vector512.LoadUnsafe(ref line, (nuint)(at1 + o1));
                    x2 = Vector512.LoadUnsafe(ref line, (nuint)(at1 + o2));
                    a1 = Vector512.FusedMultiplyAdd(x2, w22, Vector512.FusedMultiplyAdd(x1, w21, Vector512.FusedMultiplyAdd(x0, w20, a1)));
                    m1 = Vector512.FusedMultiplyAdd(x2, w12, Vector512.FusedMultiplyAdd(x1, w11, Vector512.FusedMultiplyAdd(x0, w10, m1)));
                    z1 = Vector512.FusedMultiplyAdd(x2, w02, Vector512.FusedMultiplyAdd(x1, w01, Vector512.FusedMultiplyAdd(x0, w00, z1)));
                    x0 = Vector512.LoadUnsafe(ref line, (nuint)at2);
                    x1 = Vector512.LoadUnsafe(ref line, (nuint)(at2 + o1));
                    x2 = Vector512.LoadUnsafe(ref line, (nuint)(at2 + o2));
                    a2 = Vector512.FusedMultiplyAdd(x2, w22, Vector512.FusedMultiplyAdd(x1, w21, Vector512.FusedMultiplyAdd(x0, w20, a2)));
                    m2 = Vector512.FusedMultiplyAdd(x2, w12, Vector512.FusedMultiplyAdd(x1, w11, Vector512.FusedMultiplyAdd(x0, w10, m2)));
                    z2 = Vector512.FusedMultiplyAdd(x2, w02, Vector512.FusedMultiplyAdd(x1, w01, Vector512.FusedMultiplyAdd(x0, w00, z2)));
                    int oy = iy + top - 2;
                    if ((uint)oy < (uint)oh)
                        Store3Columns(a0, a1, a2, b, activation, ref Unsafe.Add(ref dr, oy * ow), at0, at1, at2);
                    (a0, a1, a2, m0, m1, m2, z0, z1, z2) = (m0, m1, m2, z0, z1, z2, Vector512<float>.Zero, Vector512<float>.Zero, Vector512<float>.Zero);
                }
                // The last two rows' outputs, their rows below the map left out.
                int last = height + top - 2;
                if ((uint)last < (uint)oh)
                    Store3Columns(a0, a1, a2, b, activation, ref Unsafe.Add(ref dr, last * ow), at0, at1, at2);
                if ((uint)(last + 1) < (uint)oh)
                    Store3Columns(m0, m1, m2, b, activation, ref Unsafe.Add(ref dr, (last + 1) * ow), at0, at1, at2);
            }
            else
            {
                // Row iy feeds output rows (iy + top − ky) / 2 where that divides: with iy + top even, ky 2 of the older
                // output (then finished) and ky 0 of the next; odd, ky 1 of the older.
                Vector512<float> a0 = default, a1 = default, a2 = default;
                int older = top % 2 == 0 ? top / 2 - 1 : (top - 1) / 2;
                for (int iy = 0; iy < height; iy++)
                {
                    ref float line = ref Unsafe.Add(ref rr, iy * pitch);
                    var x0 = Vector512.LoadUnsafe(ref line, (nuint)at0);
                    var x1 = Vector512.LoadUnsafe(ref line, (nuint)(at0 + o1));
                    var x2 = Vector512.LoadUnsafe(ref line, (nuint)(at0 + o2));
                    var y0 = Vector512.LoadUnsafe(ref line, (nuint)at1);
                    var y1 = Vector512.LoadUnsafe(ref line, (nuint)(at1 + o1));
                    var y2 = Vector512.LoadUnsafe(ref line, (nuint)(at1 + o2));
                    var u0 = Vector512.LoadUnsafe(ref line, (nuint)at2);
                    var u1 = Vector512.LoadUnsafe(ref line, (nuint)(at2 + o1));
                    var u2 = Vector512.LoadUnsafe(ref line, (nuint)(at2 + o2));
                    if (((iy + top) & 1) == 0)
                    {
                        a0 = Vector512.FusedMultiplyAdd(x2, w22, Vector512.FusedMultiplyAdd(x1, w21, Vector512.FusedMultiplyAdd(x0, w20, a0)));
                        a1 = Vector512.FusedMultiplyAdd(y2, w22, Vector512.FusedMultiplyAdd(y1, w21, Vector512.FusedMultiplyAdd(y0, w20, a1)));
                        a2 = Vector512.FusedMultiplyAdd(u2, w22, Vector512.FusedMultiplyAdd(u1, w21, Vector512.FusedMultiplyAdd(u0, w20, a2)));
                        if ((uint)older < (uint)oh)
                            Store3Columns(a0, a1, a2, b, activation, ref Unsafe.Add(ref dr, older * ow), at0, at1, at2);
                        older = (iy + top) / 2;
                        a0 = Vector512.FusedMultiplyAdd(x2, w02, Vector512.FusedMultiplyAdd(x1, w01, Vector512.FusedMultiplyAdd(x0, w00, Vector512<float>.Zero)));
                        a1 = Vector512.FusedMultiplyAdd(y2, w02, Vector512.FusedMultiplyAdd(y1, w01, Vector512.FusedMultiplyAdd(y0, w00, Vector512<float>.Zero)));
                        a2 = Vector512.FusedMultiplyAdd(u2, w02, Vector512.FusedMultiplyAdd(u1, w01, Vector512.FusedMultiplyAdd(u0, w00, Vector512<float>.Zero)));
                    }
                    else
                    {
                        a0 = Vector512.FusedMultiplyAdd(x2, w12, Vector512.FusedMultiplyAdd(x1, w11, Vector512.FusedMultiplyAdd(x0, w10, a0)));
                        a1 = Vector512.FusedMultiplyAdd(y2, w12, Vector512.FusedMultiplyAdd(y1, w11, Vector512.FusedMultiplyAdd(y0, w10, a1)));
                        a2 = Vector512.FusedMultiplyAdd(u2, w12, Vector512.FusedMultiplyAdd(u1, w11, Vector512.FusedMultiplyAdd(u0, w10, a2)));
                    }
                }
                if ((uint)older < (uint)oh)
                    Store3Columns(a0, a1, a2, b, activation, ref Unsafe.Add(ref dr, older * ow), at0, at1, at2);
            }
        }
    }

    // Three vectors of an output row, finished (Finish), at columns at0, at1, at2.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store3Columns(Vector512<float> a0, Vector512<float> a1, Vector512<float> a2, Vector512<float> bias, ConvActivation activation, ref float row, int at0, int at1, int at2)
    {
        Finish(a0, bias, activation).StoreUnsafe(ref row, (nuint)at0);
        Finish(a1, bias, activation).StoreUnsafe(ref row, (nuint)at1);
        Finish(a2, bias, activation).StoreUnsafe(ref row, (nuint)at2);
    }

    // Vector item t of a map (row t / perRow, columns from min((t mod perRow)·V, ow − V)): where its taps of row kyLo
    // start in the phased rows, and (out) where it goes in the map.
    private static int Item(int t, int perRow, int ow, int lanes, int sy, int top, int kyLo, int pitch, out int into)
    {
        int oy = t / perRow, at = Math.Min(t % perRow * lanes, ow - lanes);
        into = oy * ow + at;
        return (oy * sy - top + kyLo) * pitch + at;
    }

    // One vector item of DepthwisePhased alone.
    private static void DepthwiseVector(ref float rr, int pitch, ref float kr, int kw, ReadOnlySpan<int> offsets, int sy, int top, int height, int kh, int ow, int perRow, int t,
        Vector512<float> bias, ref float dr)
    {
        const int V = 16;
        int oy = t / perRow, at = Math.Min(t % perRow * V, ow - V), y0 = oy * sy - top;
        int kyLo = Math.Max(0, -y0), kyHi = Math.Min(kh, height - y0);
        var acc = Vector512<float>.Zero;
        for (int ky = kyLo; ky < kyHi; ky++)
        {
            ref float line = ref Unsafe.Add(ref rr, (y0 + ky) * pitch + at);
            for (int kx = 0; kx < kw; kx++)
                acc = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref line, (nuint)offsets[kx]), Vector512.Create(Unsafe.Add(ref kr, ky * kw + kx)), acc);
        }
        (acc + bias).StoreUnsafe(ref dr, (nuint)(oy * ow + at));
    }

    // One output at a border: the taps of rows [kyLo, kyHi) that land inside the row.
    private static float DepthwisePoint(ReadOnlySpan<float> input, ReadOnlySpan<float> kernel, int width, int kw, int y0, int kyLo, int kyHi, int x0)
    {
        float sum = 0f;
        for (int ky = kyLo; ky < kyHi; ky++)
        {
            int at = (y0 + ky) * width;
            for (int kx = 0; kx < kw; kx++)
            {
                int ix = x0 + kx;
                if ((uint)ix < (uint)width)
                    sum = MathF.FusedMultiplyAdd(input[at + ix], kernel[ky * kw + kx], sum);
            }
        }
        return sum;
    }

    // One output inside: every tap of the row lands.
    private static float DepthwiseInterior(ReadOnlySpan<float> input, ReadOnlySpan<float> kernel, int width, int kw, int y0, int kyLo, int kyHi, int x0)
    {
        float sum = 0f;
        for (int ky = kyLo; ky < kyHi; ky++)
        {
            var line = input.Slice((y0 + ky) * width + x0, kw);
            var taps = kernel.Slice(ky * kw, kw);
            for (int kx = 0; kx < taps.Length; kx++)
                sum = MathF.FusedMultiplyAdd(line[kx], taps[kx], sum);
        }
        return sum;
    }

    // The interior [lo, hi) of a stride-1 row a vector at a time, the last vector overlapping the one before; returns
    // where the scalar interior goes on (hi when the vectors covered it).
    private static int DepthwiseRow(ReadOnlySpan<float> input, ReadOnlySpan<float> kernel, int width, int kw, int y0, int kyLo, int kyHi, int lo, int hi,
        ReadOnlySpan<int> offsets, float bias, Span<float> row)
    {
        ref float xr = ref MemoryMarshal.GetReference(input);
        ref float kr = ref MemoryMarshal.GetReference(kernel);
        ref float dr = ref MemoryMarshal.GetReference(row);
        if (Vector512.IsHardwareAccelerated && hi - lo >= Vector512<float>.Count)
        {
            const int V = 16;
            int j = lo;
            // Four vectors at a time: four independent chains of FMAs rather than one waiting on each.
            for (; j + 4 * V <= hi; j += 4 * V)
            {
                Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default;
                for (int ky = kyLo; ky < kyHi; ky++)
                {
                    int line = (y0 + ky) * width + j;
                    for (int kx = 0; kx < kw; kx++)
                    {
                        ref float at = ref Unsafe.Add(ref xr, line + offsets[kx]);
                        var weight = Vector512.Create(Unsafe.Add(ref kr, ky * kw + kx));
                        a0 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref at), weight, a0);
                        a1 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref at, V), weight, a1);
                        a2 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref at, 2 * V), weight, a2);
                        a3 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref at, 3 * V), weight, a3);
                    }
                }
                var b = Vector512.Create(bias);
                (a0 + b).StoreUnsafe(ref dr, (nuint)j);
                (a1 + b).StoreUnsafe(ref dr, (nuint)(j + V));
                (a2 + b).StoreUnsafe(ref dr, (nuint)(j + 2 * V));
                (a3 + b).StoreUnsafe(ref dr, (nuint)(j + 3 * V));
            }
            for (; j < hi; j += V)
            {
                int at = Math.Min(j, hi - V);
                var acc = Vector512<float>.Zero;
                for (int ky = kyLo; ky < kyHi; ky++)
                {
                    int line = (y0 + ky) * width + at;
                    for (int kx = 0; kx < kw; kx++)
                        acc = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref xr, (nuint)(line + offsets[kx])), Vector512.Create(Unsafe.Add(ref kr, ky * kw + kx)), acc);
                }
                (acc + Vector512.Create(bias)).StoreUnsafe(ref dr, (nuint)at);
            }
            return hi;
        }
        if (Vector256.IsHardwareAccelerated && hi - lo >= Vector256<float>.Count)
        {
            const int V = 8;
            for (int j = lo; j < hi; j += V)
            {
                int at = Math.Min(j, hi - V);
                var acc = Vector256<float>.Zero;
                for (int ky = kyLo; ky < kyHi; ky++)
                {
                    int line = (y0 + ky) * width + at;
                    for (int kx = 0; kx < kw; kx++)
                        acc = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref xr, (nuint)(line + offsets[kx])), Vector256.Create(Unsafe.Add(ref kr, ky * kw + kx)), acc);
                }
                (acc + Vector256.Create(bias)).StoreUnsafe(ref dr, (nuint)at);
            }
            return hi;
        }
        return lo;
    }

    // Each row of the map into rows of padded columns: left zeros, the row, zeros to the end (the row cut there), split
    // into stride phases past stride 1 through line.
    private static void Pad(ReadOnlySpan<float> plane, int height, int width, int left, int padded, int stride, Span<float> into, Span<float> line)
    {
        int lead = Math.Min(left, padded), count = Math.Max(0, Math.Min(width, padded - lead));
        for (int y = 0; y < height; y++)
        {
            var target = stride == 1 ? into.Slice(y * padded, padded) : line;
            target.Slice(0, lead).Clear();
            plane.Slice(y * width, count).CopyTo(target.Slice(lead));
            target.Slice(lead + count).Clear();
            if (stride > 1)
                Phase(line, 1, padded, stride, into.Slice(y * padded, padded));
        }
    }

    // Where input column stride·i + u sits, for output column i, in a row split into its stride phases: phase q (q = u
    // mod stride) holds the columns q, q + stride, …, after the phases before it.
    private static int PhaseOffset(int u, int stride, int width)
    {
        int q = ((u % stride) + stride) % stride;
        int start = 0;
        for (int p = 0; p < q; p++)
            start += (width - p + stride - 1) / stride;
        return start + (u - q) / stride;
    }

    // Each row of height rows of width split into its stride phases (see PhaseOffset), so that a strided window reads
    // consecutive elements: stride 2 with AVX-512 two vectors at a time through a two-source permute.
    private static void Phase(ReadOnlySpan<float> plane, int height, int width, int stride, Span<float> into)
    {
        int evens = (width + 1) / 2;
        for (int y = 0; y < height; y++)
        {
            var source = plane.Slice(y * width, width);
            var target = into.Slice(y * width, width);
            int i = 0;
            if (stride == 2 && Avx512F.IsSupported && width >= 32)
            {
                var even = Vector512.Create(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
                var odd = even + Vector512<int>.One;
                for (; i + 32 <= width; i += 32)
                {
                    var a = Vector512.Create(source.Slice(i, 16));
                    var b = Vector512.Create(source.Slice(i + 16, 16));
                    Avx512F.PermuteVar16x32x2(a, even, b).CopyTo(target.Slice(i / 2, 16));
                    Avx512F.PermuteVar16x32x2(a, odd, b).CopyTo(target.Slice(evens + i / 2, 16));
                }
            }
            if (stride == 2)
            {
                for (; i < width; i++)
                    target[(i & 1) == 0 ? i / 2 : evens + i / 2] = source[i];
                continue;
            }
            int at = 0;
            for (int q = 0; q < stride; q++)
                for (int j = q; j < width; j += stride)
                    target[at++] = source[j];
        }
    }

    /// <summary>
    /// 1-D or 2-D <c>Conv</c> with group 1 of <paramref name="x"/> [N, C, (H,) W] with <paramref name="w"/> [M, C, (kh,) kw]
    /// into <paramref name="d"/> [N, M, (OH,) OW], plus <paramref name="b"/> [M] (empty: none), through
    /// <paramref name="scratch"/>: a band of output rows' windows as [C·kh·kw, rows·OW] (its length, a multiple of
    /// C·kh·kw·OW, sets the band), then the product with the weights; then <paramref name="activation"/> (with
    /// <paramref name="alpha"/> and <paramref name="beta"/> where it takes them).
    /// </summary>
    public static void ConvIm2Col(ReadOnlySpan<float> x, ReadOnlySpan<int> xShape, ReadOnlySpan<float> w, ReadOnlySpan<int> wShape, ReadOnlySpan<float> b,
        ReadOnlySpan<int> strides, ReadOnlySpan<int> dilations, ReadOnlySpan<int> pads, Span<float> d, ReadOnlySpan<int> dShape, Span<float> scratch,
        ConvActivation activation = ConvActivation.None, float alpha = 0f, float beta = 0f)
    {
        if (SplitImages(ConvForm.Im2Col, x, xShape, w, wShape, b, strides, dilations, pads, d, dShape, scratch.Length, activation, alpha, beta))
            return;
        bool two = xShape.Length == 4;
        int batch = xShape[0], channels = xShape[1], maps = dShape[1];
        int height = two ? xShape[2] : 1, width = xShape[^1];
        int kh = two ? wShape[2] : 1, kw = wShape[^1];
        int oh = two ? dShape[2] : 1, ow = dShape[^1];
        int sy = two ? strides[0] : 1, sx = strides[^1], dy = two ? dilations[0] : 1, dx = dilations[^1];
        int top = two ? pads[0] : 0, left = two ? pads[1] : pads[0];
        int depth = channels * kh * kw, plane = height * width, positions = oh * ow;
        // A band is some output rows (2-D) or some output columns (1-D, whose one row may be long or of symbolic length).
        int unit = two ? depth * ow : depth * Math.Min(ow, 16);
        // At a stride past 1, when the scratch has room after one band, the image's rows split into their phases (Phase)
        // there, so each window row is a copy; else strided reads.
        // Few taps (C·kh·kw ≤ 32, a stem over RGB, say), dilations 1, at least 4 maps and a vector of output columns:
        // the image in phased rows (PhaseRows) and the sums straight from them, without the windows.
        int run = ow + (kw - 1) / sx;
        if (two && depth <= 32 && dy == 1 && dx == 1 && maps >= 4 && Vector512.IsHardwareAccelerated && ow >= Vector512<float>.Count
            && scratch.Length >= (long)channels * height * sx * run)
        {
            int size = height * sx * run;
            for (int n = 0; n < batch; n++)
            {
                for (int c = 0; c < channels; c++)
                    PhaseRows(x, (n * channels + c) * plane, height, width, sx, left, run, scratch.Slice(c * size, size), zeros: true);
                var output = d.Slice(n * maps * positions, maps * positions);
                bool finished = ConvDirect(scratch.Slice(0, channels * size), size, sx * run, run, w, b, channels, kh, kw, sx, sy, top, height, maps, oh, ow, output, activation);
                if (!finished)
                    Activate(output, activation, alpha, beta);
            }
            return;
        }
        int phasedSize = sx > 1 && scratch.Length >= (long)channels * plane + unit ? channels * plane : 0;
        if (scratch.Length - phasedSize < unit)
            throw new ArgumentException("The scratch holds not one band of windows.");
        int band = two ? Math.Min(oh, (scratch.Length - phasedSize) / (depth * ow)) : Math.Min(ow, (scratch.Length - phasedSize) / depth);
        var phased = scratch.Slice(scratch.Length - phasedSize);
        int phase = phasedSize > 0 ? sx : 1;
        for (int n = 0; n < batch; n++)
        {
            var image = x.Slice(n * channels * plane, channels * plane);
            if (phasedSize > 0)
            {
                Phase(image, channels * height, width, sx, phased);
                image = phased;
            }
            var output = d.Slice(n * maps * positions, maps * positions);
            if (!two)
            {
                Windows1D(image, channels, width, kw, sx, dx, left, phase, ow, band, w, maps, b, output, scratch, activation, alpha, beta);
                continue;
            }
            for (int oy0 = 0; oy0 < oh; oy0 += band)
            {
                int rows = Math.Min(band, oh - oy0), columns = rows * ow;
                var windows = scratch.Slice(0, depth * columns);
                int r = 0;
                for (int c = 0; c < channels; c++)
                    for (int ky = 0; ky < kh; ky++)
                        for (int kx = 0; kx < kw; kx++, r++)
                        {
                            var line = windows.Slice(r * columns, columns);
                            int x0 = kx * dx - left;
                            // Output columns whose input ox·sx + x0 lies in [0, width).
                            int start = x0 >= 0 ? 0 : Math.Min(ow, (-x0 + sx - 1) / sx);
                            int last = width - 1 - x0;
                            int end = Math.Max(start, last < 0 ? 0 : Math.Min(ow, last / sx + 1));
                            int offset = start < end ? PhaseOffset(x0, phase, width) : 0;
                            for (int i = 0; i < rows; i++)
                            {
                                var segment = line.Slice(i * ow, ow);
                                int iy = (oy0 + i) * sy + ky * dy - top;
                                if ((uint)iy >= (uint)height)
                                {
                                    segment.Clear();
                                    continue;
                                }
                                segment.Slice(0, start).Clear();
                                segment.Slice(end).Clear();
                                var source = image.Slice(c * plane + iy * width);
                                if (phase == sx)
                                    source.Slice(offset + start, end - start).CopyTo(segment.Slice(start));
                                else
                                    for (int ox = start; ox < end; ox++)
                                        segment[ox] = source[ox * sx + x0];
                            }
                        }
                ConvProduct(w, maps, depth, windows, columns, columns, b, output.Slice(oy0 * ow), positions, activation, alpha, beta);
            }
        }
    }

    // A Conv with few taps straight from the image's phased rows (PhaseRows: a plane of `size` floats per channel, rows
    // `pitch` floats apart, runs `run` apart): per output row, 8 maps × 3 vectors (DirectRow8x3) or 4 maps × 2 vectors of columns in registers (the last maps
    // and columns overlapping the ones before); each output sums from 0 the taps of its rows inside the image, channel
    // first then row-major, with FMA (a padded column adds w·0), then adds the bias. Maps ≥ 4, ow ≥ 16.
    // Returns whether the activation is applied too (8 × 3 in registers with Relu or HardSwish), else it is left for Activate.
    private static bool ConvDirect(ReadOnlySpan<float> rows, int size, int pitch, int run, ReadOnlySpan<float> w, ReadOnlySpan<float> b, int channels, int kh, int kw,
        int sx, int sy, int top, int height, int maps, int oh, int ow, Span<float> d, ConvActivation activation)
    {
        const int V = 16;
        int taps = kh * kw, depth = channels * taps;
        if ((long)channels * size > rows.Length || (long)height * pitch > size || (long)maps * depth > w.Length || (!b.IsEmpty && b.Length < maps)
            || (long)maps * oh * ow > d.Length || maps < 4 || ow < V || pitch < sx * run || run < ow + (kw - 1) / sx || kw > 64)
            throw new ArgumentException("The spans are shorter than the Conv's shapes.");
        ref float rr = ref MemoryMarshal.GetReference(rows);
        ref float wr = ref MemoryMarshal.GetReference(w);
        ref float dr = ref MemoryMarshal.GetReference(d);
        int positions = oh * ow;
        Span<int> offsets = stackalloc int[kw];
        for (int kx = 0; kx < kw; kx++)
            offsets[kx] = kx % sx * run + kx / sx;
        for (int oy = 0; oy < oh; oy++)
        {
            int y0 = oy * sy - top;
            int kyLo = Math.Max(0, -y0), kyHi = Math.Min(kh, height - y0);
            if (maps >= 8 && ow >= 3 * V)
            {
                DirectRow8x3(ref rr, size, pitch, offsets, ref wr, b, channels, kw, taps, depth, y0, kyLo, kyHi, maps, positions, oy * ow, ow, ref dr, activation);
                continue;
            }
            for (int m0 = 0; m0 < maps; m0 += 4)
            {
                int m = Math.Min(m0, maps - 4);
                ref float w0 = ref Unsafe.Add(ref wr, m * depth);
                ref float w1 = ref Unsafe.Add(ref w0, depth);
                ref float w2 = ref Unsafe.Add(ref w1, depth);
                ref float w3 = ref Unsafe.Add(ref w2, depth);
                var b0 = Vector512.Create(b.IsEmpty ? 0f : b[m]);
                var b1 = Vector512.Create(b.IsEmpty ? 0f : b[m + 1]);
                var b2 = Vector512.Create(b.IsEmpty ? 0f : b[m + 2]);
                var b3 = Vector512.Create(b.IsEmpty ? 0f : b[m + 3]);
                for (int j = 0; j < ow; j += 2 * V)
                {
                    int at0 = Math.Min(j, ow - V), at1 = Math.Min(j + V, ow - V);
                    Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default, c0 = default, c1 = default, c2 = default, c3 = default;
                    for (int c = 0; c < channels; c++)
                        for (int ky = kyLo; ky < kyHi; ky++)
                        {
                            ref float line = ref Unsafe.Add(ref rr, c * size + (y0 + ky) * pitch);
                            int k0 = c * taps + ky * kw;
                            for (int kx = 0; kx < kw; kx++)
                            {
                                ref float at = ref Unsafe.Add(ref line, offsets[kx]);
                                var u = Vector512.LoadUnsafe(ref at, (nuint)at0);
                                var v = Vector512.LoadUnsafe(ref at, (nuint)at1);
                                int k = k0 + kx;
                                var s0 = Vector512.Create(Unsafe.Add(ref w0, k));
                                var s1 = Vector512.Create(Unsafe.Add(ref w1, k));
                                var s2 = Vector512.Create(Unsafe.Add(ref w2, k));
                                var s3 = Vector512.Create(Unsafe.Add(ref w3, k));
                                a0 = Vector512.FusedMultiplyAdd(u, s0, a0);
                                c0 = Vector512.FusedMultiplyAdd(v, s0, c0);
                                a1 = Vector512.FusedMultiplyAdd(u, s1, a1);
                                c1 = Vector512.FusedMultiplyAdd(v, s1, c1);
                                a2 = Vector512.FusedMultiplyAdd(u, s2, a2);
                                c2 = Vector512.FusedMultiplyAdd(v, s2, c2);
                                a3 = Vector512.FusedMultiplyAdd(u, s3, a3);
                                c3 = Vector512.FusedMultiplyAdd(v, s3, c3);
                            }
                        }
                    ref float o = ref Unsafe.Add(ref dr, m * positions + oy * ow);
                    (a0 + b0).StoreUnsafe(ref o, (nuint)at0);
                    (c0 + b0).StoreUnsafe(ref o, (nuint)at1);
                    (a1 + b1).StoreUnsafe(ref o, (nuint)(positions + at0));
                    (c1 + b1).StoreUnsafe(ref o, (nuint)(positions + at1));
                    (a2 + b2).StoreUnsafe(ref o, (nuint)(2 * positions + at0));
                    (c2 + b2).StoreUnsafe(ref o, (nuint)(2 * positions + at1));
                    (a3 + b3).StoreUnsafe(ref o, (nuint)(3 * positions + at0));
                    (c3 + b3).StoreUnsafe(ref o, (nuint)(3 * positions + at1));
                }
            }
        }
        return maps >= 8 && ow >= 3 * V && InRegisters(activation);
    }

    // One output row of ConvDirect with 8 maps × 3 vectors of columns in registers (the last maps and columns overlapping
    // the ones before), in ConvDirect's order, finished in registers (Finish); maps ≥ 8, ow ≥ 48.
    private static void DirectRow8x3(ref float rr, int size, int pitch, ReadOnlySpan<int> offsets, ref float wr, ReadOnlySpan<float> b, int channels, int kw, int taps,
        int depth, int y0, int kyLo, int kyHi, int maps, int positions, int row, int ow, ref float dr, ConvActivation activation)
    {
        const int V = 16;
        Span<float> bias = stackalloc float[8];
        for (int m0 = 0; m0 < maps; m0 += 8)
        {
            int m = Math.Min(m0, maps - 8);
            ref float w0 = ref Unsafe.Add(ref wr, m * depth);
            for (int i = 0; i < 8; i++)
                bias[i] = b.IsEmpty ? 0f : b[m + i];
            for (int j0 = 0; j0 < ow; j0 += 3 * V)
            {
                int j = Math.Min(j0, ow - 3 * V);
                Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default, a6 = default, a7 = default;
                Vector512<float> c0 = default, c1 = default, c2 = default, c3 = default, c4 = default, c5 = default, c6 = default, c7 = default;
                Vector512<float> e0 = default, e1 = default, e2 = default, e3 = default, e4 = default, e5 = default, e6 = default, e7 = default;
                for (int c = 0; c < channels; c++)
                    for (int ky = kyLo; ky < kyHi; ky++)
                    {
                        ref float line = ref Unsafe.Add(ref rr, c * size + (y0 + ky) * pitch + j);
                        ref float wk0 = ref Unsafe.Add(ref w0, c * taps + ky * kw);
                        for (int kx = 0; kx < offsets.Length; kx++)
                        {
                            ref float at = ref Unsafe.Add(ref line, offsets[kx]);
                            ref float wk = ref Unsafe.Add(ref wk0, kx);
                            var u = Vector512.LoadUnsafe(ref at);
                            var v = Vector512.LoadUnsafe(ref at, V);
                            var t = Vector512.LoadUnsafe(ref at, 2 * V);
                            var s = Vector512.Create(wk);
                            a0 = Vector512.FusedMultiplyAdd(u, s, a0); c0 = Vector512.FusedMultiplyAdd(v, s, c0); e0 = Vector512.FusedMultiplyAdd(t, s, e0);
                            s = Vector512.Create(Unsafe.Add(ref wk, depth));
                            a1 = Vector512.FusedMultiplyAdd(u, s, a1); c1 = Vector512.FusedMultiplyAdd(v, s, c1); e1 = Vector512.FusedMultiplyAdd(t, s, e1);
                            s = Vector512.Create(Unsafe.Add(ref wk, 2 * depth));
                            a2 = Vector512.FusedMultiplyAdd(u, s, a2); c2 = Vector512.FusedMultiplyAdd(v, s, c2); e2 = Vector512.FusedMultiplyAdd(t, s, e2);
                            s = Vector512.Create(Unsafe.Add(ref wk, 3 * depth));
                            a3 = Vector512.FusedMultiplyAdd(u, s, a3); c3 = Vector512.FusedMultiplyAdd(v, s, c3); e3 = Vector512.FusedMultiplyAdd(t, s, e3);
                            s = Vector512.Create(Unsafe.Add(ref wk, 4 * depth));
                            a4 = Vector512.FusedMultiplyAdd(u, s, a4); c4 = Vector512.FusedMultiplyAdd(v, s, c4); e4 = Vector512.FusedMultiplyAdd(t, s, e4);
                            s = Vector512.Create(Unsafe.Add(ref wk, 5 * depth));
                            a5 = Vector512.FusedMultiplyAdd(u, s, a5); c5 = Vector512.FusedMultiplyAdd(v, s, c5); e5 = Vector512.FusedMultiplyAdd(t, s, e5);
                            s = Vector512.Create(Unsafe.Add(ref wk, 6 * depth));
                            a6 = Vector512.FusedMultiplyAdd(u, s, a6); c6 = Vector512.FusedMultiplyAdd(v, s, c6); e6 = Vector512.FusedMultiplyAdd(t, s, e6);
                            s = Vector512.Create(Unsafe.Add(ref wk, 7 * depth));
                            a7 = Vector512.FusedMultiplyAdd(u, s, a7); c7 = Vector512.FusedMultiplyAdd(v, s, c7); e7 = Vector512.FusedMultiplyAdd(t, s, e7);
                        }
                    }
                ref float o = ref Unsafe.Add(ref dr, m * positions + row + j);
                Store3(a0, c0, e0, bias[0], activation, ref o);
                Store3(a1, c1, e1, bias[1], activation, ref Unsafe.Add(ref o, positions));
                Store3(a2, c2, e2, bias[2], activation, ref Unsafe.Add(ref o, 2 * positions));
                Store3(a3, c3, e3, bias[3], activation, ref Unsafe.Add(ref o, 3 * positions));
                Store3(a4, c4, e4, bias[4], activation, ref Unsafe.Add(ref o, 4 * positions));
                Store3(a5, c5, e5, bias[5], activation, ref Unsafe.Add(ref o, 5 * positions));
                Store3(a6, c6, e6, bias[6], activation, ref Unsafe.Add(ref o, 6 * positions));
                Store3(a7, c7, e7, bias[7], activation, ref Unsafe.Add(ref o, 7 * positions));
            }
        }
    }

    // 1-D: the windows of output columns [o0, o0 + band) at a time, then their product; image's rows in phases when phase = stride.
    private static void Windows1D(ReadOnlySpan<float> image, int channels, int width, int kw, int sx, int dx, int left, int phase, int ow, int band,
        ReadOnlySpan<float> w, int maps, ReadOnlySpan<float> b, Span<float> output, Span<float> scratch, ConvActivation activation, float alpha, float beta)
    {
        int depth = channels * kw;
        for (int o0 = 0; o0 < ow; o0 += band)
        {
            int columns = Math.Min(band, ow - o0), o1 = o0 + columns;
            var windows = scratch.Slice(0, depth * columns);
            int r = 0;
            for (int c = 0; c < channels; c++)
                for (int kx = 0; kx < kw; kx++, r++)
                {
                    var line = windows.Slice(r * columns, columns);
                    int x0 = kx * dx - left;
                    // Output columns of the band whose input ox·sx + x0 lies in [0, width).
                    int start = x0 >= 0 ? 0 : (-x0 + sx - 1) / sx;
                    int last = width - 1 - x0;
                    int end = last < 0 ? 0 : last / sx + 1;
                    start = Math.Clamp(start, o0, o1);
                    end = Math.Clamp(end, start, o1);
                    line.Slice(0, start - o0).Clear();
                    line.Slice(end - o0).Clear();
                    var source = image.Slice(c * width);
                    if (end > start && phase == sx)
                        source.Slice(PhaseOffset(x0, phase, width) + start, end - start).CopyTo(line.Slice(start - o0));
                    else
                        for (int ox = start; ox < end; ox++)
                            line[ox - o0] = source[ox * sx + x0];
                }
            ConvProduct(w, maps, depth, windows, columns, columns, b, output.Slice(o0), ow, activation, alpha, beta);
        }
    }

    // d[m, j] = b[m] + Σ_k w[m, k] · x[k, j] for m < rows, j < columns: w is [rows, depth], x's rows are xStride apart,
    // d's dStride apart; then the activation, 4 maps at a time while their rows are in cache (the last 4 overlapping the
    // ones before store the same sums again, then activate them once more from those sums).
    private static void ConvProduct(ReadOnlySpan<float> w, int rows, int depth, ReadOnlySpan<float> x, int columns, int xStride, ReadOnlySpan<float> b,
        Span<float> d, int dStride, ConvActivation activation = ConvActivation.None, float alpha = 0f, float beta = 0f)
    {
        if (rows == 0 || columns == 0)
            return;
        if ((long)(depth - 1) * xStride + columns > x.Length || (long)(rows - 1) * dStride + columns > d.Length || (long)rows * depth > w.Length || (!b.IsEmpty && b.Length < rows))
            throw new ArgumentException("The spans are shorter than the product's shapes.");
        if (rows >= 8 && columns >= 3 * Vector512<float>.Count && Vector512.IsHardwareAccelerated && InRegisters(activation))
        {
            Product8x3(w, rows, depth, x, columns, xStride, b, d, dStride, activation);
            return;
        }
        if (activation == ConvActivation.None)
        {
            Product(w, rows, depth, x, columns, xStride, b, d, dStride);
            return;
        }
        int group = Math.Min(rows, 4);
        for (int m0 = 0; m0 < rows; m0 += group)
        {
            int m = Math.Min(m0, rows - group);
            Product(w.Slice(m * depth), group, depth, x, columns, xStride, b.IsEmpty ? b : b.Slice(m), d.Slice(m * dStride), dStride);
            for (int r = 0; r < group; r++)
                Activate(d.Slice((m + r) * dStride, columns), activation, alpha, beta);
        }
    }

    // ConvProduct's sums, the bounds checked.
    private static void Product(ReadOnlySpan<float> w, int rows, int depth, ReadOnlySpan<float> x, int columns, int xStride, ReadOnlySpan<float> b,
        Span<float> d, int dStride)
    {
        if (rows >= 4 && Vector512.IsHardwareAccelerated && columns >= Vector512<float>.Count)
            Product512(w, rows, depth, x, columns, xStride, b, d, dStride);
        else if (rows >= 4 && Vector256.IsHardwareAccelerated && columns >= Vector256<float>.Count)
            Product256(w, rows, depth, x, columns, xStride, b, d, dStride);
        else if (Vector512.IsHardwareAccelerated && columns >= Vector512<float>.Count)
            ProductRows512(w, rows, depth, x, columns, xStride, b, d, dStride);
        else
            ProductScalar(w, rows, depth, x, columns, xStride, b, d, dStride);
    }

    // 8 maps × 3 vectors of positions in registers (24 sums; each loaded x vector shared by 8 maps, each weight by 3
    // vectors), the last maps and positions overlapping the ones before; finished in registers (Finish: Relu or
    // HardSwish as their kernels give them, NaN included). Bounds are checked by ConvProduct; rows ≥ 8 and columns ≥ 48.
    private static void Product8x3(ReadOnlySpan<float> w, int rows, int depth, ReadOnlySpan<float> x, int columns, int xStride, ReadOnlySpan<float> b,
        Span<float> d, int dStride, ConvActivation activation)
    {
        const int V = 16;
        ref float wr = ref MemoryMarshal.GetReference(w);
        ref float xr = ref MemoryMarshal.GetReference(x);
        ref float dr = ref MemoryMarshal.GetReference(d);
        Span<float> bias = stackalloc float[8];
        for (int m0 = 0; m0 < rows; m0 += 8)
        {
            int m = Math.Min(m0, rows - 8);
            ref float w0 = ref Unsafe.Add(ref wr, m * depth);
            for (int i = 0; i < 8; i++)
                bias[i] = b.IsEmpty ? 0f : b[m + i];
            for (int j0 = 0; j0 < columns; j0 += 3 * V)
            {
                int j = Math.Min(j0, columns - 3 * V);
                Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default, a6 = default, a7 = default;
                Vector512<float> c0 = default, c1 = default, c2 = default, c3 = default, c4 = default, c5 = default, c6 = default, c7 = default;
                Vector512<float> e0 = default, e1 = default, e2 = default, e3 = default, e4 = default, e5 = default, e6 = default, e7 = default;
                ref float xk = ref Unsafe.Add(ref xr, j);
                ref float wk = ref w0;
                for (int k = 0; k < depth; k++, xk = ref Unsafe.Add(ref xk, xStride), wk = ref Unsafe.Add(ref wk, 1))
                {
                    var u = Vector512.LoadUnsafe(ref xk);
                    var v = Vector512.LoadUnsafe(ref xk, V);
                    var t = Vector512.LoadUnsafe(ref xk, 2 * V);
                    var s = Vector512.Create(wk);
                    a0 = Vector512.FusedMultiplyAdd(u, s, a0); c0 = Vector512.FusedMultiplyAdd(v, s, c0); e0 = Vector512.FusedMultiplyAdd(t, s, e0);
                    s = Vector512.Create(Unsafe.Add(ref wk, depth));
                    a1 = Vector512.FusedMultiplyAdd(u, s, a1); c1 = Vector512.FusedMultiplyAdd(v, s, c1); e1 = Vector512.FusedMultiplyAdd(t, s, e1);
                    s = Vector512.Create(Unsafe.Add(ref wk, 2 * depth));
                    a2 = Vector512.FusedMultiplyAdd(u, s, a2); c2 = Vector512.FusedMultiplyAdd(v, s, c2); e2 = Vector512.FusedMultiplyAdd(t, s, e2);
                    s = Vector512.Create(Unsafe.Add(ref wk, 3 * depth));
                    a3 = Vector512.FusedMultiplyAdd(u, s, a3); c3 = Vector512.FusedMultiplyAdd(v, s, c3); e3 = Vector512.FusedMultiplyAdd(t, s, e3);
                    s = Vector512.Create(Unsafe.Add(ref wk, 4 * depth));
                    a4 = Vector512.FusedMultiplyAdd(u, s, a4); c4 = Vector512.FusedMultiplyAdd(v, s, c4); e4 = Vector512.FusedMultiplyAdd(t, s, e4);
                    s = Vector512.Create(Unsafe.Add(ref wk, 5 * depth));
                    a5 = Vector512.FusedMultiplyAdd(u, s, a5); c5 = Vector512.FusedMultiplyAdd(v, s, c5); e5 = Vector512.FusedMultiplyAdd(t, s, e5);
                    s = Vector512.Create(Unsafe.Add(ref wk, 6 * depth));
                    a6 = Vector512.FusedMultiplyAdd(u, s, a6); c6 = Vector512.FusedMultiplyAdd(v, s, c6); e6 = Vector512.FusedMultiplyAdd(t, s, e6);
                    s = Vector512.Create(Unsafe.Add(ref wk, 7 * depth));
                    a7 = Vector512.FusedMultiplyAdd(u, s, a7); c7 = Vector512.FusedMultiplyAdd(v, s, c7); e7 = Vector512.FusedMultiplyAdd(t, s, e7);
                }
                ref float o = ref Unsafe.Add(ref dr, m * dStride + j);
                Store3(a0, c0, e0, bias[0], activation, ref o);
                Store3(a1, c1, e1, bias[1], activation, ref Unsafe.Add(ref o, dStride));
                Store3(a2, c2, e2, bias[2], activation, ref Unsafe.Add(ref o, 2 * dStride));
                Store3(a3, c3, e3, bias[3], activation, ref Unsafe.Add(ref o, 3 * dStride));
                Store3(a4, c4, e4, bias[4], activation, ref Unsafe.Add(ref o, 4 * dStride));
                Store3(a5, c5, e5, bias[5], activation, ref Unsafe.Add(ref o, 5 * dStride));
                Store3(a6, c6, e6, bias[6], activation, ref Unsafe.Add(ref o, 6 * dStride));
                Store3(a7, c7, e7, bias[7], activation, ref Unsafe.Add(ref o, 7 * dStride));
            }
        }
    }

    // Three vectors of one map's sums plus its bias, finished (Finish), into o[0..48).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store3(Vector512<float> a, Vector512<float> c, Vector512<float> e, float bias, ConvActivation activation, ref float o)
    {
        var b = Vector512.Create(bias);
        Finish(a, b, activation).StoreUnsafe(ref o);
        Finish(c, b, activation).StoreUnsafe(ref o, 16);
        Finish(e, b, activation).StoreUnsafe(ref o, 32);
    }

    // Fewer than 4 maps: one at a time, a vector of positions at a time.
    private static void ProductRows512(ReadOnlySpan<float> w, int rows, int depth, ReadOnlySpan<float> x, int columns, int xStride, ReadOnlySpan<float> b,
        Span<float> d, int dStride)
    {
        const int V = 16;
        ref float xr = ref MemoryMarshal.GetReference(x);
        ref float dr = ref MemoryMarshal.GetReference(d);
        for (int m = 0; m < rows; m++)
        {
            ref float wm = ref Unsafe.Add(ref MemoryMarshal.GetReference(w), m * depth);
            var bias = Vector512.Create(b.IsEmpty ? 0f : b[m]);
            for (int j = 0; j < columns; j += V)
            {
                int at = Math.Min(j, columns - V);
                var acc = Vector512<float>.Zero;
                ref float xk = ref Unsafe.Add(ref xr, at);
                for (int k = 0; k < depth; k++, xk = ref Unsafe.Add(ref xk, xStride))
                    acc = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref xk), Vector512.Create(Unsafe.Add(ref wm, k)), acc);
                (acc + bias).StoreUnsafe(ref dr, (nuint)(m * dStride + at));
            }
        }
    }

    private static void ProductScalar(ReadOnlySpan<float> w, int rows, int depth, ReadOnlySpan<float> x, int columns, int xStride, ReadOnlySpan<float> b,
        Span<float> d, int dStride)
    {
        for (int m = 0; m < rows; m++)
        {
            var weights = w.Slice(m * depth, depth);
            float bias = b.IsEmpty ? 0f : b[m];
            for (int j = 0; j < columns; j++)
            {
                float sum = 0f;
                for (int k = 0; k < depth; k++)
                    sum = MathF.FusedMultiplyAdd(weights[k], x[k * xStride + j], sum);
                d[m * dStride + j] = sum + bias;
            }
        }
    }

    // Bounds are checked once by ConvProduct; rows ≥ 4 and columns ≥ 16.
    private static void Product512(ReadOnlySpan<float> w, int rows, int depth, ReadOnlySpan<float> x, int columns, int xStride, ReadOnlySpan<float> b,
        Span<float> d, int dStride)
    {
        const int V = 16;
        ref float wr = ref MemoryMarshal.GetReference(w);
        ref float xr = ref MemoryMarshal.GetReference(x);
        ref float dr = ref MemoryMarshal.GetReference(d);
        for (int m0 = 0; m0 < rows; m0 += 4)
        {
            int m = Math.Min(m0, rows - 4);
            ref float w0 = ref Unsafe.Add(ref wr, m * depth);
            ref float w1 = ref Unsafe.Add(ref w0, depth);
            ref float w2 = ref Unsafe.Add(ref w1, depth);
            ref float w3 = ref Unsafe.Add(ref w2, depth);
            var b0 = Vector512.Create(b.IsEmpty ? 0f : b[m]);
            var b1 = Vector512.Create(b.IsEmpty ? 0f : b[m + 1]);
            var b2 = Vector512.Create(b.IsEmpty ? 0f : b[m + 2]);
            var b3 = Vector512.Create(b.IsEmpty ? 0f : b[m + 3]);
            ref float d0 = ref Unsafe.Add(ref dr, m * dStride);
            ref float d1 = ref Unsafe.Add(ref d0, dStride);
            ref float d2 = ref Unsafe.Add(ref d1, dStride);
            ref float d3 = ref Unsafe.Add(ref d2, dStride);
            int j = 0;
            for (; j + 2 * V <= columns; j += 2 * V)
            {
                Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default, c0 = default, c1 = default, c2 = default, c3 = default;
                ref float xk = ref Unsafe.Add(ref xr, j);
                for (int k = 0; k < depth; k++, xk = ref Unsafe.Add(ref xk, xStride))
                {
                    var u = Vector512.LoadUnsafe(ref xk);
                    var v = Vector512.LoadUnsafe(ref xk, V);
                    var s0 = Vector512.Create(Unsafe.Add(ref w0, k));
                    var s1 = Vector512.Create(Unsafe.Add(ref w1, k));
                    var s2 = Vector512.Create(Unsafe.Add(ref w2, k));
                    var s3 = Vector512.Create(Unsafe.Add(ref w3, k));
                    a0 = Vector512.FusedMultiplyAdd(u, s0, a0);
                    c0 = Vector512.FusedMultiplyAdd(v, s0, c0);
                    a1 = Vector512.FusedMultiplyAdd(u, s1, a1);
                    c1 = Vector512.FusedMultiplyAdd(v, s1, c1);
                    a2 = Vector512.FusedMultiplyAdd(u, s2, a2);
                    c2 = Vector512.FusedMultiplyAdd(v, s2, c2);
                    a3 = Vector512.FusedMultiplyAdd(u, s3, a3);
                    c3 = Vector512.FusedMultiplyAdd(v, s3, c3);
                }
                (a0 + b0).StoreUnsafe(ref d0, (nuint)j);
                (c0 + b0).StoreUnsafe(ref d0, (nuint)(j + V));
                (a1 + b1).StoreUnsafe(ref d1, (nuint)j);
                (c1 + b1).StoreUnsafe(ref d1, (nuint)(j + V));
                (a2 + b2).StoreUnsafe(ref d2, (nuint)j);
                (c2 + b2).StoreUnsafe(ref d2, (nuint)(j + V));
                (a3 + b3).StoreUnsafe(ref d3, (nuint)j);
                (c3 + b3).StoreUnsafe(ref d3, (nuint)(j + V));
            }
            for (; j < columns; j += V)
            {
                int at = Math.Min(j, columns - V);
                Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default;
                ref float xk = ref Unsafe.Add(ref xr, at);
                for (int k = 0; k < depth; k++, xk = ref Unsafe.Add(ref xk, xStride))
                {
                    var u = Vector512.LoadUnsafe(ref xk);
                    a0 = Vector512.FusedMultiplyAdd(u, Vector512.Create(Unsafe.Add(ref w0, k)), a0);
                    a1 = Vector512.FusedMultiplyAdd(u, Vector512.Create(Unsafe.Add(ref w1, k)), a1);
                    a2 = Vector512.FusedMultiplyAdd(u, Vector512.Create(Unsafe.Add(ref w2, k)), a2);
                    a3 = Vector512.FusedMultiplyAdd(u, Vector512.Create(Unsafe.Add(ref w3, k)), a3);
                }
                (a0 + b0).StoreUnsafe(ref d0, (nuint)at);
                (a1 + b1).StoreUnsafe(ref d1, (nuint)at);
                (a2 + b2).StoreUnsafe(ref d2, (nuint)at);
                (a3 + b3).StoreUnsafe(ref d3, (nuint)at);
            }
        }
    }

    // As Product512 with 8 lanes; rows ≥ 4 and columns ≥ 8.
    private static void Product256(ReadOnlySpan<float> w, int rows, int depth, ReadOnlySpan<float> x, int columns, int xStride, ReadOnlySpan<float> b,
        Span<float> d, int dStride)
    {
        const int V = 8;
        ref float wr = ref MemoryMarshal.GetReference(w);
        ref float xr = ref MemoryMarshal.GetReference(x);
        ref float dr = ref MemoryMarshal.GetReference(d);
        for (int m0 = 0; m0 < rows; m0 += 4)
        {
            int m = Math.Min(m0, rows - 4);
            ref float w0 = ref Unsafe.Add(ref wr, m * depth);
            ref float w1 = ref Unsafe.Add(ref w0, depth);
            ref float w2 = ref Unsafe.Add(ref w1, depth);
            ref float w3 = ref Unsafe.Add(ref w2, depth);
            var b0 = Vector256.Create(b.IsEmpty ? 0f : b[m]);
            var b1 = Vector256.Create(b.IsEmpty ? 0f : b[m + 1]);
            var b2 = Vector256.Create(b.IsEmpty ? 0f : b[m + 2]);
            var b3 = Vector256.Create(b.IsEmpty ? 0f : b[m + 3]);
            ref float d0 = ref Unsafe.Add(ref dr, m * dStride);
            ref float d1 = ref Unsafe.Add(ref d0, dStride);
            ref float d2 = ref Unsafe.Add(ref d1, dStride);
            ref float d3 = ref Unsafe.Add(ref d2, dStride);
            int j = 0;
            for (; j + 2 * V <= columns; j += 2 * V)
            {
                Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default, c0 = default, c1 = default, c2 = default, c3 = default;
                ref float xk = ref Unsafe.Add(ref xr, j);
                for (int k = 0; k < depth; k++, xk = ref Unsafe.Add(ref xk, xStride))
                {
                    var u = Vector256.LoadUnsafe(ref xk);
                    var v = Vector256.LoadUnsafe(ref xk, V);
                    var s0 = Vector256.Create(Unsafe.Add(ref w0, k));
                    var s1 = Vector256.Create(Unsafe.Add(ref w1, k));
                    var s2 = Vector256.Create(Unsafe.Add(ref w2, k));
                    var s3 = Vector256.Create(Unsafe.Add(ref w3, k));
                    a0 = Vector256.FusedMultiplyAdd(u, s0, a0);
                    c0 = Vector256.FusedMultiplyAdd(v, s0, c0);
                    a1 = Vector256.FusedMultiplyAdd(u, s1, a1);
                    c1 = Vector256.FusedMultiplyAdd(v, s1, c1);
                    a2 = Vector256.FusedMultiplyAdd(u, s2, a2);
                    c2 = Vector256.FusedMultiplyAdd(v, s2, c2);
                    a3 = Vector256.FusedMultiplyAdd(u, s3, a3);
                    c3 = Vector256.FusedMultiplyAdd(v, s3, c3);
                }
                (a0 + b0).StoreUnsafe(ref d0, (nuint)j);
                (c0 + b0).StoreUnsafe(ref d0, (nuint)(j + V));
                (a1 + b1).StoreUnsafe(ref d1, (nuint)j);
                (c1 + b1).StoreUnsafe(ref d1, (nuint)(j + V));
                (a2 + b2).StoreUnsafe(ref d2, (nuint)j);
                (c2 + b2).StoreUnsafe(ref d2, (nuint)(j + V));
                (a3 + b3).StoreUnsafe(ref d3, (nuint)j);
                (c3 + b3).StoreUnsafe(ref d3, (nuint)(j + V));
            }
            for (; j < columns; j += V)
            {
                int at = Math.Min(j, columns - V);
                Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default;
                ref float xk = ref Unsafe.Add(ref xr, at);
                for (int k = 0; k < depth; k++, xk = ref Unsafe.Add(ref xk, xStride))
                {
                    var u = Vector256.LoadUnsafe(ref xk);
                    a0 = Vector256.FusedMultiplyAdd(u, Vector256.Create(Unsafe.Add(ref w0, k)), a0);
                    a1 = Vector256.FusedMultiplyAdd(u, Vector256.Create(Unsafe.Add(ref w1, k)), a1);
                    a2 = Vector256.FusedMultiplyAdd(u, Vector256.Create(Unsafe.Add(ref w2, k)), a2);
                    a3 = Vector256.FusedMultiplyAdd(u, Vector256.Create(Unsafe.Add(ref w3, k)), a3);
                }
                (a0 + b0).StoreUnsafe(ref d0, (nuint)at);
                (a1 + b1).StoreUnsafe(ref d1, (nuint)at);
                (a2 + b2).StoreUnsafe(ref d2, (nuint)at);
                (a3 + b3).StoreUnsafe(ref d3, (nuint)at);
            }
        }
    }
}
