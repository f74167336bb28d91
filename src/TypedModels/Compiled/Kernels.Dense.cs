using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace TypedModels.Compiled;

// A dense layer whose weights the generator laid out at build time (Kernels.PackDense's layout): d[M,N] = x[M,K]·W + bias,
// then an activation, in one pass. W is stored as column panels of DensePanel floats, [⌈N/P⌉][K][P], the last panel
// zero-padded, so the kernel streams each panel from start to end (a row of the panel is two 512-bit vectors, one
// cache line pair) while the product's sums stay in registers: P/width accumulators per row, for up to four rows that
// share each load of the panel. The sums round as ONNX Runtime's (MLAS's) prepacked SGEMM rounds them: each output
// starts at its bias (or 0), and each slice of DenseSliceK = 256 products is summed from zero in k order as fused
// multiply-adds and then added to it. The activation is applied before the store; Sigmoid and Tanh run over each
// finished block of rows with the kernels the unfused steps call, so they round as those do.
public static partial class Kernels
{
    /// <summary>The panel width of <see cref="Dense"/>'s packed weights, in floats: two 512-bit or four 256-bit vectors.</summary>
    public const int DensePanel = 32;

    // The products summed from zero before they are added to an output: MLAS's MLAS_SGEMM_PACKED_STRIDEK.
    private const int DenseSliceK = 256;

    /// <summary>The activation <see cref="Dense"/> applies before it stores.</summary>
    public enum DenseActivation
    {
        /// <summary>The product plus the bias, as it is.</summary>
        None,

        /// <summary>max(x, 0).</summary>
        Relu,

        /// <summary>x, or alpha·x where x is negative.</summary>
        LeakyRelu,

        /// <summary>1 / (1 + e^−x), as <see cref="Sigmoid"/> computes it.</summary>
        Sigmoid,

        /// <summary>tanh x, as <see cref="Tanh"/> computes it.</summary>
        Tanh,
    }

    /// <summary>The length of <paramref name="n"/> × <paramref name="k"/> weights packed for <see cref="Dense"/>: whole panels of <see cref="DensePanel"/> columns.</summary>
    public static int DensePackedLength(int n, int k) => checked((n + DensePanel - 1) / DensePanel * k * DensePanel);

    /// <summary>
    /// Packs B [K,N] (or, with <paramref name="transposed"/>, Bᵀ given as [N,K]) into <see cref="Dense"/>'s panels:
    /// packed[(panel·K + p)·P + c] = B[p, panel·P + c], zero past column N. The generator does this at build time; it is
    /// here for tests and for code that packs its own weights.
    /// </summary>
    public static void PackDense(ReadOnlySpan<float> b, Span<float> packed, int n, int k, bool transposed = false)
    {
        if (b.Length < (long)n * k)
            throw new ArgumentException($"Dense weights: B holds {b.Length} floats; {k}×{n} are needed.", nameof(b));
        int length = DensePackedLength(n, k);
        if (packed.Length < length)
            throw new ArgumentException($"Dense weights: the packed span holds {packed.Length} floats; {length} are needed.", nameof(packed));
        packed.Slice(0, length).Clear();
        for (int j = 0; j < n; j++)
        {
            int panel = j / DensePanel, c = j % DensePanel;
            for (int p = 0; p < k; p++)
                packed[(panel * k + p) * DensePanel + c] = transposed ? b[j * k + p] : b[p * n + j];
        }
    }

    /// <summary>
    /// A dense layer: d[M,N] = activation(x[M,K]·W + bias), W packed by <see cref="PackDense"/> (the generator packs a
    /// constant Gemm's or MatMul's weights so), <paramref name="bias"/> a row of N or empty, <paramref name="alpha"/>
    /// LeakyRelu's slope. Each output is its bias plus the sums of slices of 256 products, each in k order as fused
    /// multiply-adds, as ONNX Runtime sums a prepacked product; nothing is allocated.
    /// </summary>
    /// <exception cref="ArgumentException">A span is shorter than its dims ask, or a dim is negative.</exception>
    public static void Dense(ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> bias, Span<float> d, int m, int n, int k,
        DenseActivation activation = DenseActivation.None, float alpha = 0.01f)
    {
        if (m < 0 || n < 0 || k < 0)
            throw new ArgumentException($"Dense: the dims m={m}, n={n}, k={k} must not be negative.");
        if (x.Length < (long)m * k)
            throw new ArgumentException($"Dense: x holds {x.Length} floats; {m}×{k} are needed.", nameof(x));
        if (w.Length < (long)(n + DensePanel - 1) / DensePanel * k * DensePanel)
            throw new ArgumentException($"Dense: the packed weights hold {w.Length} floats; {DensePackedLength(n, k)} are needed for {k}×{n}.", nameof(w));
        if (!bias.IsEmpty && bias.Length < n)
            throw new ArgumentException($"Dense: the bias holds {bias.Length} floats; {n} are needed.", nameof(bias));
        if (d.Length < (long)m * n)
            throw new ArgumentException($"Dense: d holds {d.Length} floats; {m}×{n} are needed.", nameof(d));
        if (m == 0 || n == 0)
            return;
        var args = new DenseArgs(k, n, !bias.IsEmpty, activation, alpha);
        // A layer worth it is split between threads: by blocks of four rows when every part gets some, else (batch 1,
        // where the weights' streaming is the cost) by panels of columns, each thread streaming its own panels.
        int threads = Workers.Parts, panels = (n + DensePanel - 1) / DensePanel;
        if (threads > 1 && (long)m * n * k >= DenseSplitMultiplyAdds && (m >= 4 * threads || (Vector128.IsHardwareAccelerated && panels >= threads)))
        {
            // Pieces: a few per thread, so that the calling thread takes more of them while a worker is late.
            int parts = Math.Min(threads * Workers.PiecesPerThread, m >= 4 * threads ? m / 4 : panels);
            unsafe
            {
                fixed (float* X = x, W = w, B = bias, D = d)
                {
                    var job = new DenseJob
                    {
                        X = new(X, x.Length), W = new(W, w.Length), B = new(B, bias.Length), D = new(D, d.Length), Args = args, M = m,
                        Parts = parts, ByRows = m >= 4 * threads,
                    };
                    Workers.Run(&DensePart, &job, parts);
                }
            }
            return;
        }
        DenseRange(x, w, bias, d, args, 0, m, 0, n);
    }

    // The multiply-adds past which a dense layer is split between threads: about 2 µs of work on one core.
    private const long DenseSplitMultiplyAdds = 1L << 17;

    private struct DenseJob
    {
        public Pinned X, W, B, D;
        public DenseArgs Args;
        public int M, Parts;
        public bool ByRows;
    }

    private static unsafe void DensePart(void* arguments, int part)
    {
        ref DenseJob job = ref Unsafe.AsRef<DenseJob>(arguments);
        int m = job.M, n = job.Args.N, parts = job.Parts;
        if (job.ByRows)
        {
            // Whole blocks of four rows to each part but the last.
            int i0 = m * part / parts / 4 * 4, i1 = part == parts - 1 ? m : m * (part + 1) / parts / 4 * 4;
            DenseRange(job.X.Span, job.W.Span, job.B.Span, job.D.Span, job.Args, i0, i1, 0, n);
        }
        else
        {
            int panels = (n + DensePanel - 1) / DensePanel;
            int j0 = panels * part / parts * DensePanel, j1 = Math.Min(n, panels * (part + 1) / parts * DensePanel);
            DenseRange(job.X.Span, job.W.Span, job.B.Span, job.D.Span, job.Args, 0, m, j0, j1);
        }
    }

    // Rows [i0, i1) and columns [j0, j1) of the layer (j0 a multiple of the panel width; j1 one too, or n).
    private static void DenseRange(ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> bias, Span<float> d, DenseArgs args,
        int i0, int i1, int j0, int j1)
    {
        int n = args.N;
        ref float X = ref MemoryMarshal.GetReference(x);
        ref float W = ref MemoryMarshal.GetReference(w);
        ref float B = ref MemoryMarshal.GetReference(bias);
        ref float D = ref MemoryMarshal.GetReference(d);
        Span<float> tail = stackalloc float[4 * DensePanel];
        ref float T = ref MemoryMarshal.GetReference(tail);
        int i = i0;
        while (i < i1)
        {
            int rows;
            // The widths are constants to the JIT: one path is compiled in, the others drop out.
            if (Vector512.IsHardwareAccelerated)
            {
                rows = i1 - i >= 4 ? 4 : 1;
                for (int j = j0; j < j1; j += DensePanel)
                {
                    if (rows == 4 && n - j <= 16)
                        Dense512x4Half(ref X, ref W, ref B, ref D, ref T, i, j, args);
                    else if (rows == 4)
                        Dense512x4(ref X, ref W, ref B, ref D, ref T, i, j, args);
                    else if (n - j <= 16)
                        Dense512x1Half(ref X, ref W, ref B, ref D, ref T, i, j, args);
                    else if (j + DensePanel < j1)
                    {
                        Dense512x1x2(ref X, ref W, ref B, ref D, ref T, i, j, args);
                        j += DensePanel;
                    }
                    else
                        Dense512x1(ref X, ref W, ref B, ref D, ref T, i, j, args);
                }
            }
            else if (Vector256.IsHardwareAccelerated)
            {
                rows = i1 - i >= 2 ? 2 : 1;
                for (int j = j0; j < j1; j += DensePanel)
                    Dense256(ref X, ref W, ref B, ref D, ref T, i, j, rows, args);
            }
            else if (Vector128.IsHardwareAccelerated)
            {
                rows = 1;
                for (int j = j0; j < j1; j += DensePanel)
                    Dense128(ref X, ref W, ref B, ref D, ref T, i, j, args);
            }
            else
            {
                // Whole rows only: the layer is never split by columns without vectors.
                rows = 1;
                DenseScalar(ref X, ref W, ref B, ref D, i, args);
            }
            if (args.Activation is DenseActivation.Sigmoid or DenseActivation.Tanh)
            {
                // The finished rows at once, as before the split; a part of the columns row by row.
                for (int r = i; r < i + rows; r++)
                {
                    var block = j0 == 0 && j1 == n ? d.Slice(i * n, rows * n) : d.Slice(r * n + j0, j1 - j0);
                    if (args.Activation == DenseActivation.Sigmoid)
                        Sigmoid(block, block);
                    else
                        Tanh(block, block);
                    if (j0 == 0 && j1 == n)
                        break;
                }
            }
            i += rows;
        }
    }

    private readonly record struct DenseArgs(int K, int N, bool HasBias, DenseActivation Activation, float Alpha);

    // Four rows against the panel at column j: eight 512-bit sums.
    private static void Dense512x4(ref float x, ref float w, ref float bias, ref float d, ref float tail, int i, int j, DenseArgs a)
    {
        int k = a.K;
        ref float panel = ref Unsafe.Add(ref w, (nint)(j / DensePanel) * k * DensePanel);
        ref float x0 = ref Unsafe.Add(ref x, (nint)i * k);
        ref float x1 = ref Unsafe.Add(ref x0, k);
        ref float x2 = ref Unsafe.Add(ref x1, k);
        ref float x3 = ref Unsafe.Add(ref x2, k);
        var (b0, b1) = Bias512(ref bias, ref tail, j, a);
        Vector512<float> t00 = b0, t01 = b1, t10 = b0, t11 = b1, t20 = b0, t21 = b1, t30 = b0, t31 = b1;
        for (int start = 0; start < k; start += DenseSliceK)
        {
            int end = Math.Min(k, start + DenseSliceK);
            Vector512<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default, c30 = default, c31 = default;
            for (int p = start; p < end; p++)
            {
                var w0 = Vector512.LoadUnsafe(ref panel, (nuint)p * DensePanel);
                var w1 = Vector512.LoadUnsafe(ref panel, (nuint)p * DensePanel + 16);
                var v = Vector512.Create(Unsafe.Add(ref x0, p));
                c00 = Vector512.FusedMultiplyAdd(v, w0, c00);
                c01 = Vector512.FusedMultiplyAdd(v, w1, c01);
                v = Vector512.Create(Unsafe.Add(ref x1, p));
                c10 = Vector512.FusedMultiplyAdd(v, w0, c10);
                c11 = Vector512.FusedMultiplyAdd(v, w1, c11);
                v = Vector512.Create(Unsafe.Add(ref x2, p));
                c20 = Vector512.FusedMultiplyAdd(v, w0, c20);
                c21 = Vector512.FusedMultiplyAdd(v, w1, c21);
                v = Vector512.Create(Unsafe.Add(ref x3, p));
                c30 = Vector512.FusedMultiplyAdd(v, w0, c30);
                c31 = Vector512.FusedMultiplyAdd(v, w1, c31);
            }
            (t00, t01, t10, t11) = (t00 + c00, t01 + c01, t10 + c10, t11 + c11);
            (t20, t21, t30, t31) = (t20 + c20, t21 + c21, t30 + c30, t31 + c31);
        }
        Store512(t00, t01, ref d, ref tail, i, j, a);
        Store512(t10, t11, ref d, ref tail, i + 1, j, a);
        Store512(t20, t21, ref d, ref tail, i + 2, j, a);
        Store512(t30, t31, ref d, ref tail, i + 3, j, a);
    }

    // Four rows against a last panel of at most 16 columns (its second half is padding): one 512-bit sum per row, two
    // slices of 256 at once for eight independent chains, added in slice order (the same bits as Dense512x4).
    private static void Dense512x4Half(ref float x, ref float w, ref float bias, ref float d, ref float tail, int i, int j, DenseArgs a)
    {
        int k = a.K;
        ref float panel = ref Unsafe.Add(ref w, (nint)(j / DensePanel) * k * DensePanel);
        ref float x0 = ref Unsafe.Add(ref x, (nint)i * k);
        ref float x1 = ref Unsafe.Add(ref x0, k);
        ref float x2 = ref Unsafe.Add(ref x1, k);
        ref float x3 = ref Unsafe.Add(ref x2, k);
        var (b0, _) = Bias512(ref bias, ref tail, j, a);
        Vector512<float> t0 = b0, t1 = b0, t2 = b0, t3 = b0;
        for (int start = 0; start < k; start += 2 * DenseSliceK)
        {
            int first = Math.Min(k - start, DenseSliceK), second = Math.Max(0, Math.Min(k - start - DenseSliceK, DenseSliceK));
            Vector512<float> c0 = default, c1 = default, c2 = default, c3 = default, e0 = default, e1 = default, e2 = default, e3 = default;
            int p = start;
            for (; p < start + second; p++)
            {
                int q = p + DenseSliceK;
                var w0 = Vector512.LoadUnsafe(ref panel, (nuint)p * DensePanel);
                var u0 = Vector512.LoadUnsafe(ref panel, (nuint)q * DensePanel);
                c0 = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref x0, p)), w0, c0);
                c1 = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref x1, p)), w0, c1);
                c2 = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref x2, p)), w0, c2);
                c3 = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref x3, p)), w0, c3);
                e0 = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref x0, q)), u0, e0);
                e1 = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref x1, q)), u0, e1);
                e2 = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref x2, q)), u0, e2);
                e3 = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref x3, q)), u0, e3);
            }
            for (; p < start + first; p++)
            {
                var w0 = Vector512.LoadUnsafe(ref panel, (nuint)p * DensePanel);
                c0 = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref x0, p)), w0, c0);
                c1 = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref x1, p)), w0, c1);
                c2 = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref x2, p)), w0, c2);
                c3 = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref x3, p)), w0, c3);
            }
            (t0, t1, t2, t3) = (t0 + c0, t1 + c1, t2 + c2, t3 + c3);
            if (second > 0)
                (t0, t1, t2, t3) = (t0 + e0, t1 + e1, t2 + e2, t3 + e3);
        }
        Store512(t0, default, ref d, ref tail, i, j, a);
        Store512(t1, default, ref d, ref tail, i + 1, j, a);
        Store512(t2, default, ref d, ref tail, i + 2, j, a);
        Store512(t3, default, ref d, ref tail, i + 3, j, a);
    }

    // One row against a last panel of at most 16 columns: its real half only (one cache line of each row of the panel),
    // four slices of 256 at once for four independent chains, added in slice order (the same bits as Dense512x1).
    private static void Dense512x1Half(ref float x, ref float w, ref float bias, ref float d, ref float tail, int i, int j, DenseArgs a)
    {
        int k = a.K;
        ref float panel = ref Unsafe.Add(ref w, (nint)(j / DensePanel) * k * DensePanel);
        ref float x0 = ref Unsafe.Add(ref x, (nint)i * k);
        var (t, _) = Bias512(ref bias, ref tail, j, a);
        for (int start = 0; start < k; start += 4 * DenseSliceK)
        {
            // The lengths of the (up to) four slices from start, the first the longest.
            int l0 = Math.Min(k - start, DenseSliceK), l1 = Math.Clamp(k - start - DenseSliceK, 0, DenseSliceK);
            int l2 = Math.Clamp(k - start - 2 * DenseSliceK, 0, DenseSliceK), l3 = Math.Clamp(k - start - 3 * DenseSliceK, 0, DenseSliceK);
            Vector512<float> c0 = default, c1 = default, c2 = default, c3 = default;
            for (int p = 0; p < l0; p++)
            {
                int at = start + p;
                c0 = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref x0, at)), Vector512.LoadUnsafe(ref panel, (nuint)at * DensePanel), c0);
                if (p < l1)
                {
                    at += DenseSliceK;
                    c1 = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref x0, at)), Vector512.LoadUnsafe(ref panel, (nuint)at * DensePanel), c1);
                    if (p < l2)
                    {
                        at += DenseSliceK;
                        c2 = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref x0, at)), Vector512.LoadUnsafe(ref panel, (nuint)at * DensePanel), c2);
                        if (p < l3)
                        {
                            at += DenseSliceK;
                            c3 = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref x0, at)), Vector512.LoadUnsafe(ref panel, (nuint)at * DensePanel), c3);
                        }
                    }
                }
            }
            t += c0;
            if (l1 > 0)
                t += c1;
            if (l2 > 0)
                t += c2;
            if (l3 > 0)
                t += c3;
        }
        Store512(t, default, ref d, ref tail, i, j, a);
    }

    // One row against the panel at column j: two 512-bit sums.
    private static void Dense512x1(ref float x, ref float w, ref float bias, ref float d, ref float tail, int i, int j, DenseArgs a)
    {
        int k = a.K;
        ref float panel = ref Unsafe.Add(ref w, (nint)(j / DensePanel) * k * DensePanel);
        ref float x0 = ref Unsafe.Add(ref x, (nint)i * k);
        var (t0, t1) = Bias512(ref bias, ref tail, j, a);
        int start = 0;
        // Two slices at once: each is summed from zero, so their chains are independent and twice as many fused
        // multiply-adds are in flight; they are added to the output in order, as one slice at a time would add them.
        for (; start + DenseSliceK < k; start += 2 * DenseSliceK)
        {
            int second = Math.Min(k - start - DenseSliceK, DenseSliceK);
            Vector512<float> c0 = default, c1 = default, e0 = default, e1 = default;
            int p = start;
            for (; p < start + second; p++)
            {
                var v = Vector512.Create(Unsafe.Add(ref x0, p));
                var u = Vector512.Create(Unsafe.Add(ref x0, p + DenseSliceK));
                nuint at = (nuint)p * DensePanel, far = (nuint)(p + DenseSliceK) * DensePanel;
                c0 = Vector512.FusedMultiplyAdd(v, Vector512.LoadUnsafe(ref panel, at), c0);
                c1 = Vector512.FusedMultiplyAdd(v, Vector512.LoadUnsafe(ref panel, at + 16), c1);
                e0 = Vector512.FusedMultiplyAdd(u, Vector512.LoadUnsafe(ref panel, far), e0);
                e1 = Vector512.FusedMultiplyAdd(u, Vector512.LoadUnsafe(ref panel, far + 16), e1);
            }
            for (; p < start + DenseSliceK; p++)
            {
                var v = Vector512.Create(Unsafe.Add(ref x0, p));
                c0 = Vector512.FusedMultiplyAdd(v, Vector512.LoadUnsafe(ref panel, (nuint)p * DensePanel), c0);
                c1 = Vector512.FusedMultiplyAdd(v, Vector512.LoadUnsafe(ref panel, (nuint)p * DensePanel + 16), c1);
            }
            (t0, t1) = (t0 + c0, t1 + c1);
            (t0, t1) = (t0 + e0, t1 + e1);
        }
        if (start < k)
        {
            Vector512<float> c0 = default, c1 = default;
            for (int p = start; p < k; p++)
            {
                var v = Vector512.Create(Unsafe.Add(ref x0, p));
                c0 = Vector512.FusedMultiplyAdd(v, Vector512.LoadUnsafe(ref panel, (nuint)p * DensePanel), c0);
                c1 = Vector512.FusedMultiplyAdd(v, Vector512.LoadUnsafe(ref panel, (nuint)p * DensePanel + 16), c1);
            }
            (t0, t1) = (t0 + c0, t1 + c1);
        }
        Store512(t0, t1, ref d, ref tail, i, j, a);
    }

    // One row against the panels at columns j and j + P: four 512-bit sums in two streams, where one panel's two chains
    // of fused multiply-adds wait on their latency (measured 1.27× one panel at a time at 1536 → 128).
    private static void Dense512x1x2(ref float x, ref float w, ref float bias, ref float d, ref float tail, int i, int j, DenseArgs a)
    {
        int k = a.K;
        ref float panel = ref Unsafe.Add(ref w, (nint)(j / DensePanel) * k * DensePanel);
        ref float next = ref Unsafe.Add(ref panel, (nint)k * DensePanel);
        ref float x0 = ref Unsafe.Add(ref x, (nint)i * k);
        var (t0, t1) = Bias512(ref bias, ref tail, j, a);
        var (t2, t3) = Bias512(ref bias, ref tail, j + DensePanel, a);
        int start = 0;
        // Two slices at once, as in Dense512x1: eight independent chains, added in slice order.
        for (; start + DenseSliceK < k; start += 2 * DenseSliceK)
        {
            int second = Math.Min(k - start - DenseSliceK, DenseSliceK);
            Vector512<float> c0 = default, c1 = default, c2 = default, c3 = default, e0 = default, e1 = default, e2 = default, e3 = default;
            int p = start;
            for (; p < start + second; p++)
            {
                var v = Vector512.Create(Unsafe.Add(ref x0, p));
                var u = Vector512.Create(Unsafe.Add(ref x0, p + DenseSliceK));
                nuint at = (nuint)p * DensePanel, far = (nuint)(p + DenseSliceK) * DensePanel;
                c0 = Vector512.FusedMultiplyAdd(v, Vector512.LoadUnsafe(ref panel, at), c0);
                c1 = Vector512.FusedMultiplyAdd(v, Vector512.LoadUnsafe(ref panel, at + 16), c1);
                c2 = Vector512.FusedMultiplyAdd(v, Vector512.LoadUnsafe(ref next, at), c2);
                c3 = Vector512.FusedMultiplyAdd(v, Vector512.LoadUnsafe(ref next, at + 16), c3);
                e0 = Vector512.FusedMultiplyAdd(u, Vector512.LoadUnsafe(ref panel, far), e0);
                e1 = Vector512.FusedMultiplyAdd(u, Vector512.LoadUnsafe(ref panel, far + 16), e1);
                e2 = Vector512.FusedMultiplyAdd(u, Vector512.LoadUnsafe(ref next, far), e2);
                e3 = Vector512.FusedMultiplyAdd(u, Vector512.LoadUnsafe(ref next, far + 16), e3);
            }
            for (; p < start + DenseSliceK; p++)
            {
                var v = Vector512.Create(Unsafe.Add(ref x0, p));
                nuint at = (nuint)p * DensePanel;
                c0 = Vector512.FusedMultiplyAdd(v, Vector512.LoadUnsafe(ref panel, at), c0);
                c1 = Vector512.FusedMultiplyAdd(v, Vector512.LoadUnsafe(ref panel, at + 16), c1);
                c2 = Vector512.FusedMultiplyAdd(v, Vector512.LoadUnsafe(ref next, at), c2);
                c3 = Vector512.FusedMultiplyAdd(v, Vector512.LoadUnsafe(ref next, at + 16), c3);
            }
            (t0, t1, t2, t3) = (t0 + c0, t1 + c1, t2 + c2, t3 + c3);
            (t0, t1, t2, t3) = (t0 + e0, t1 + e1, t2 + e2, t3 + e3);
        }
        if (start < k)
        {
            Vector512<float> c0 = default, c1 = default, c2 = default, c3 = default;
            for (int p = start; p < k; p++)
            {
                var v = Vector512.Create(Unsafe.Add(ref x0, p));
                nuint at = (nuint)p * DensePanel;
                c0 = Vector512.FusedMultiplyAdd(v, Vector512.LoadUnsafe(ref panel, at), c0);
                c1 = Vector512.FusedMultiplyAdd(v, Vector512.LoadUnsafe(ref panel, at + 16), c1);
                c2 = Vector512.FusedMultiplyAdd(v, Vector512.LoadUnsafe(ref next, at), c2);
                c3 = Vector512.FusedMultiplyAdd(v, Vector512.LoadUnsafe(ref next, at + 16), c3);
            }
            (t0, t1, t2, t3) = (t0 + c0, t1 + c1, t2 + c2, t3 + c3);
        }
        Store512(t0, t1, ref d, ref tail, i, j, a);
        Store512(t2, t3, ref d, ref tail, i, j + DensePanel, a);
    }

    // The panel's bias (zero without one, and past column N).
    private static (Vector512<float>, Vector512<float>) Bias512(ref float bias, ref float tail, int j, DenseArgs a)
    {
        if (!a.HasBias)
            return default;
        ref float from = ref BiasPanel(ref bias, ref tail, j, a);
        return (Vector512.LoadUnsafe(ref from), Vector512.LoadUnsafe(ref from, 16));
    }

    // Where the panel at column j finds its bias: the bias itself, or, for a last panel short of P columns, its columns
    // copied to tail and zeros after them.
    private static ref float BiasPanel(ref float bias, ref float tail, int j, DenseArgs a)
    {
        if (j + DensePanel <= a.N)
            return ref Unsafe.Add(ref bias, j);
        int columns = a.N - j;
        for (int c = 0; c < DensePanel; c++)
            Unsafe.Add(ref tail, c) = c < columns ? Unsafe.Add(ref bias, j + c) : 0f;
        return ref tail;
    }

    private static void Store512(Vector512<float> c0, Vector512<float> c1, ref float d, ref float tail, int i, int j, DenseArgs a)
    {
        if (j + DensePanel <= a.N)
        {
            ref float row = ref Unsafe.Add(ref d, (nint)i * a.N + j);
            Activate512(c0, a).StoreUnsafe(ref row);
            Activate512(c1, a).StoreUnsafe(ref row, 16);
            return;
        }
        c0.StoreUnsafe(ref tail);
        c1.StoreUnsafe(ref tail, 16);
        StoreTail(ref tail, ref d, i, j, a);
    }

    private static Vector512<float> Activate512(Vector512<float> v, DenseArgs a) => a.Activation switch
    {
        DenseActivation.Relu => Vector512.Max(v, Vector512<float>.Zero),
        DenseActivation.LeakyRelu => Vector512.ConditionalSelect(Vector512.LessThan(v, Vector512<float>.Zero), v * a.Alpha, v),
        _ => v,
    };

    // One or two rows against the panel at column j: four 256-bit sums a row.
    private static void Dense256(ref float x, ref float w, ref float bias, ref float d, ref float tail, int i, int j, int rows, DenseArgs a)
    {
        int k = a.K;
        ref float panel = ref Unsafe.Add(ref w, (nint)(j / DensePanel) * k * DensePanel);
        ref float x0 = ref Unsafe.Add(ref x, (nint)i * k);
        ref float x1 = ref Unsafe.Add(ref x0, rows == 2 ? k : 0);
        var (b0, b1, b2, b3) = Bias256(ref bias, ref tail, j, a);
        Vector256<float> t00 = b0, t01 = b1, t02 = b2, t03 = b3, t10 = b0, t11 = b1, t12 = b2, t13 = b3;
        for (int start = 0; start < k; start += DenseSliceK)
        {
            int end = Math.Min(k, start + DenseSliceK);
            Vector256<float> c00 = default, c01 = default, c02 = default, c03 = default, c10 = default, c11 = default, c12 = default, c13 = default;
            for (int p = start; p < end; p++)
            {
                var w0 = Vector256.LoadUnsafe(ref panel, (nuint)p * DensePanel);
                var w1 = Vector256.LoadUnsafe(ref panel, (nuint)p * DensePanel + 8);
                var w2 = Vector256.LoadUnsafe(ref panel, (nuint)p * DensePanel + 16);
                var w3 = Vector256.LoadUnsafe(ref panel, (nuint)p * DensePanel + 24);
                var v = Vector256.Create(Unsafe.Add(ref x0, p));
                c00 = Vector256.FusedMultiplyAdd(v, w0, c00);
                c01 = Vector256.FusedMultiplyAdd(v, w1, c01);
                c02 = Vector256.FusedMultiplyAdd(v, w2, c02);
                c03 = Vector256.FusedMultiplyAdd(v, w3, c03);
                v = Vector256.Create(Unsafe.Add(ref x1, p));
                c10 = Vector256.FusedMultiplyAdd(v, w0, c10);
                c11 = Vector256.FusedMultiplyAdd(v, w1, c11);
                c12 = Vector256.FusedMultiplyAdd(v, w2, c12);
                c13 = Vector256.FusedMultiplyAdd(v, w3, c13);
            }
            (t00, t01, t02, t03) = (t00 + c00, t01 + c01, t02 + c02, t03 + c03);
            (t10, t11, t12, t13) = (t10 + c10, t11 + c11, t12 + c12, t13 + c13);
        }
        Store256(t00, t01, t02, t03, ref d, ref tail, i, j, a);
        if (rows == 2)
            Store256(t10, t11, t12, t13, ref d, ref tail, i + 1, j, a);
    }

    private static (Vector256<float>, Vector256<float>, Vector256<float>, Vector256<float>) Bias256(ref float bias, ref float tail, int j, DenseArgs a)
    {
        if (!a.HasBias)
            return default;
        ref float from = ref BiasPanel(ref bias, ref tail, j, a);
        return (Vector256.LoadUnsafe(ref from), Vector256.LoadUnsafe(ref from, 8), Vector256.LoadUnsafe(ref from, 16), Vector256.LoadUnsafe(ref from, 24));
    }

    private static void Store256(Vector256<float> c0, Vector256<float> c1, Vector256<float> c2, Vector256<float> c3, ref float d, ref float tail,
        int i, int j, DenseArgs a)
    {
        if (j + DensePanel <= a.N)
        {
            ref float row = ref Unsafe.Add(ref d, (nint)i * a.N + j);
            Activate256(c0, a).StoreUnsafe(ref row);
            Activate256(c1, a).StoreUnsafe(ref row, 8);
            Activate256(c2, a).StoreUnsafe(ref row, 16);
            Activate256(c3, a).StoreUnsafe(ref row, 24);
            return;
        }
        c0.StoreUnsafe(ref tail);
        c1.StoreUnsafe(ref tail, 8);
        c2.StoreUnsafe(ref tail, 16);
        c3.StoreUnsafe(ref tail, 24);
        StoreTail(ref tail, ref d, i, j, a);
    }

    private static Vector256<float> Activate256(Vector256<float> v, DenseArgs a) => a.Activation switch
    {
        DenseActivation.Relu => Vector256.Max(v, Vector256<float>.Zero),
        DenseActivation.LeakyRelu => Vector256.ConditionalSelect(Vector256.LessThan(v, Vector256<float>.Zero), v * a.Alpha, v),
        _ => v,
    };

    // One row against the panel at column j: eight 128-bit sums (ARM's NEON, or x86 without AVX).
    private static void Dense128(ref float x, ref float w, ref float bias, ref float d, ref float tail, int i, int j, DenseArgs a)
    {
        int k = a.K;
        ref float panel = ref Unsafe.Add(ref w, (nint)(j / DensePanel) * k * DensePanel);
        ref float x0 = ref Unsafe.Add(ref x, (nint)i * k);
        // Sums of one slice in tail[0..P), the running totals (from the bias) in tail[P..2P).
        ref float totals = ref Unsafe.Add(ref tail, DensePanel);
        for (int c = 0; c < DensePanel; c++)
            Unsafe.Add(ref totals, c) = a.HasBias && j + c < a.N ? Unsafe.Add(ref bias, j + c) : 0f;
        for (int start = 0; start < k; start += DenseSliceK)
        {
            int end = Math.Min(k, start + DenseSliceK);
            Vector128<float> c0 = default, c1 = default, c2 = default, c3 = default, c4 = default, c5 = default, c6 = default, c7 = default;
            for (int p = start; p < end; p++)
            {
                ref float row = ref Unsafe.Add(ref panel, (nint)p * DensePanel);
                var v = Vector128.Create(Unsafe.Add(ref x0, p));
                c0 = Vector128.FusedMultiplyAdd(v, Vector128.LoadUnsafe(ref row), c0);
                c1 = Vector128.FusedMultiplyAdd(v, Vector128.LoadUnsafe(ref row, 4), c1);
                c2 = Vector128.FusedMultiplyAdd(v, Vector128.LoadUnsafe(ref row, 8), c2);
                c3 = Vector128.FusedMultiplyAdd(v, Vector128.LoadUnsafe(ref row, 12), c3);
                c4 = Vector128.FusedMultiplyAdd(v, Vector128.LoadUnsafe(ref row, 16), c4);
                c5 = Vector128.FusedMultiplyAdd(v, Vector128.LoadUnsafe(ref row, 20), c5);
                c6 = Vector128.FusedMultiplyAdd(v, Vector128.LoadUnsafe(ref row, 24), c6);
                c7 = Vector128.FusedMultiplyAdd(v, Vector128.LoadUnsafe(ref row, 28), c7);
            }
            (Vector128.LoadUnsafe(ref totals) + c0).StoreUnsafe(ref totals);
            (Vector128.LoadUnsafe(ref totals, 4) + c1).StoreUnsafe(ref totals, 4);
            (Vector128.LoadUnsafe(ref totals, 8) + c2).StoreUnsafe(ref totals, 8);
            (Vector128.LoadUnsafe(ref totals, 12) + c3).StoreUnsafe(ref totals, 12);
            (Vector128.LoadUnsafe(ref totals, 16) + c4).StoreUnsafe(ref totals, 16);
            (Vector128.LoadUnsafe(ref totals, 20) + c5).StoreUnsafe(ref totals, 20);
            (Vector128.LoadUnsafe(ref totals, 24) + c6).StoreUnsafe(ref totals, 24);
            (Vector128.LoadUnsafe(ref totals, 28) + c7).StoreUnsafe(ref totals, 28);
        }
        StoreTail(ref totals, ref d, i, j, a);
    }

    // Without vectors: each sum in the same order as fused multiply-adds, like the vector paths.
    private static void DenseScalar(ref float x, ref float w, ref float bias, ref float d, int i, DenseArgs a)
    {
        int k = a.K;
        for (int j = 0; j < a.N; j++)
        {
            ref float panel = ref Unsafe.Add(ref w, (nint)(j / DensePanel) * k * DensePanel + j % DensePanel);
            float total = a.HasBias ? Unsafe.Add(ref bias, j) : 0f;
            for (int start = 0; start < k; start += DenseSliceK)
            {
                float sum = 0;
                for (int p = start, end = Math.Min(k, start + DenseSliceK); p < end; p++)
                    sum = MathF.FusedMultiplyAdd(Unsafe.Add(ref x, (nint)i * k + p), Unsafe.Add(ref panel, (nint)p * DensePanel), sum);
                total += sum;
            }
            Unsafe.Add(ref d, (nint)i * a.N + j) = Activate(total, a);
        }
    }

    // The epilogue of a panel's sums held in tail: the columns from j that the row has (the last panel's may be fewer).
    private static void StoreTail(ref float tail, ref float d, int i, int j, DenseArgs a)
    {
        int columns = Math.Min(DensePanel, a.N - j);
        ref float row = ref Unsafe.Add(ref d, (nint)i * a.N + j);
        for (int c = 0; c < columns; c++)
            Unsafe.Add(ref row, c) = Activate(Unsafe.Add(ref tail, c), a);
    }

    private static float Activate(float v, DenseArgs a) => a.Activation switch
    {
        DenseActivation.Relu => MathF.Max(v, 0f),
        DenseActivation.LeakyRelu => v < 0 ? a.Alpha * v : v,
        _ => v,
    };
}
