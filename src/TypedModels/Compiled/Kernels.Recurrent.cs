using System;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace TypedModels.Compiled;

// The recurrent operators LSTM, GRU and RNN, for inference, in ONNX Runtime's float arithmetic where it decides the
// rounding. Each batch entry's sequence is independent of the others', so each is run alone, step after step, its
// state in the caller's scratch; a step is two matrix-vector products (the input's and the previous hidden state's)
// and the gates' elementwise work.
//
// The products take the weights transposed per direction ([directions, k, gates·hidden], the planner lays them out) so
// that one vector of lanes holds one vector of outputs: every output is a sum over k in order, each term a fused
// multiply-add, from zero, which is how MLAS's SGEMM kernels (which ONNX Runtime's recurrent kernels call) form each
// element on a machine with FMA; a second product is then added to the first as MLAS adds a product to C (beta = 1).
// The sums of the rest follow ONNX Runtime's kernels (deep_cpu_lstm / uni_directional_lstm.cc, deep_cpu_gru.cc,
// rnn.cc), each step rounded to float:
//   LSTM: ((x·Wᵀ + h·Rᵀ) + P⊙C) + (Wb + Rb), clipped, activated; C = C⊙f + i⊙g; H = h(C)⊙o.
//   GRU:  z, r: (x·Wᵀ + h·Rᵀ) + (Wb + Rb); the hidden gate x·Whᵀ + (r⊙H)·Rhᵀ + (Wbh + Rbh), or with linear_before_reset
//         x·Whᵀ + r⊙(H·Rhᵀ + Rbh) + Wbh; H = (1 − z)⊙h + z⊙H.
//   RNN:  (x·Wᵀ + (Wb + Rb)) + h·Rᵀ (ONNX Runtime adds the bias to the input's product first here).
// Sigmoid and tanh are Kernels.Squash.cs's, within 3 ulps of exact (MLAS's rational approximations, which ONNX
// Runtime's kernels use, are within a few ulps too). Steps past an entry's sequence_lens leave its state and write
// zeros to Y; an entry of length 0 has zero final states for LSTM and GRU (ONNX Runtime zeroes them) and its initial
// state for RNN (ONNX's reference; ONNX Runtime's RNN reads before its buffer there).
public static partial class Kernels
{
    /// <summary>An activation function of the recurrent operators: ONNX's list (ONNX Runtime's, which adds Affine and ScaledTanh).</summary>
    public enum RecurrentFunction
    {
        /// <summary>1 / (1 + e^−x).</summary>
        Sigmoid,

        /// <summary>tanh x.</summary>
        Tanh,

        /// <summary>max(x, 0).</summary>
        Relu,

        /// <summary>alpha·x + beta.</summary>
        Affine,

        /// <summary>x, or alpha·x below 0.</summary>
        LeakyRelu,

        /// <summary>x above alpha, else 0.</summary>
        ThresholdedRelu,

        /// <summary>alpha·tanh(beta·x).</summary>
        ScaledTanh,

        /// <summary>min(1, max(0, alpha·x + beta)).</summary>
        HardSigmoid,

        /// <summary>x, or alpha·(e^x − 1) below 0.</summary>
        Elu,

        /// <summary>x / (1 + |x|).</summary>
        Softsign,

        /// <summary>ln(1 + e^x).</summary>
        Softplus,
    }

    /// <summary>A recurrent activation with its alpha and beta (each 0 where the function takes none).</summary>
    public readonly record struct RecurrentActivation(RecurrentFunction Function, float Alpha = 0f, float Beta = 0f);

    /// <summary>
    /// <c>LSTM</c> with ONNX's gate order i, o, f, c. <paramref name="wT"/> is W [directions, 4·hidden, input] with each
    /// direction's matrix transposed ([directions, input, 4·hidden]), <paramref name="rT"/> likewise R; the optional
    /// inputs and outputs are empty when absent. <paramref name="batchMajor"/> is layout 1: X [batch, seq, input], Y
    /// [batch, seq, directions, hidden], the states [batch, directions, hidden]; otherwise X [seq, batch, input], Y
    /// [seq, directions, batch, hidden], the states [directions, batch, hidden]. <paramref name="reverse"/> runs a single
    /// direction backwards; with two directions the second runs backwards with the <c>backward</c> activations.
    /// <paramref name="clip"/> bounds each gate's input (infinity: none). <paramref name="scratch"/> holds 7·hidden
    /// floats, or batch·7·hidden to step every entry together (one product of the hidden states by R per step, which
    /// reads R once for several entries) when their sequences are of one length. <paramref name="projections"/>, when
    /// given, holds the input's products x·Wᵀ of several steps made ahead, together (as ONNX Runtime makes them for the
    /// whole sequence), which reads W once for several rows: as many steps as whole multiples of batch·4·hidden fit.
    /// The results are the same bits whatever the scratch and projections hold.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A sequence length lies outside [0, seq_length].</exception>
    public static void LSTM(ReadOnlySpan<float> x, ReadOnlySpan<float> wT, ReadOnlySpan<float> rT, ReadOnlySpan<float> b,
        ReadOnlySpan<int> sequenceLens, ReadOnlySpan<float> initialH, ReadOnlySpan<float> initialC, ReadOnlySpan<float> p,
        Span<float> y, Span<float> yH, Span<float> yC, Span<float> scratch,
        int seqLength, int batch, int inputSize, int hiddenSize, int directions, bool reverse, bool batchMajor,
        RecurrentActivation f, RecurrentActivation g, RecurrentActivation h,
        RecurrentActivation backwardF, RecurrentActivation backwardG, RecurrentActivation backwardH,
        float clip, bool inputForget, Span<float> projections = default)
    {
        var layout = new RecurrentLayout(seqLength, batch, inputSize, hiddenSize, directions, reverse, batchMajor, 4);
        layout.Check(x, wT, rT, scratch, "LSTM");
        int hidden = hiddenSize, width = 4 * hiddenSize;
        // Every length is checked before anything is written; the entries step together when they share one.
        bool together = batch > 1 && scratch.Length >= (long)batch * (width + 3 * hidden);
        int shared = batch > 0 ? layout.Length(sequenceLens, 0, "LSTM") : 0;
        for (int n = 1; n < batch; n++)
            together &= layout.Length(sequenceLens, n, "LSTM") == shared;
        if (!together)
        {
            for (int d = 0; d < directions; d++)
            {
                var run = new LstmRun(layout, d, width * inputSize, hidden * width, b, p, clip, inputForget, d == 0 ? (f, g, h) : (backwardF, backwardG, backwardH));
                for (int n = 0; n < batch; n++)
                    run.Entries(x, wT, rT, initialH, initialC, y, yH, yC, scratch, projections, n, 1, layout.Length(sequenceLens, n, "LSTM"));
            }
            return;
        }
        var job = new LstmJob
        {
            Layout = layout, Length = shared, Clip = clip, InputForget = inputForget,
            F = f, G = g, H = h, BackwardF = backwardF, BackwardG = backwardG, BackwardH = backwardH, Parts = 1,
        };
        // Entries are independent: a batch worth it is split between threads, each stepping its share together.
        // Pieces: a few per thread, so that the calling thread takes more of them while a worker is late, of four entries
        // or more where the batch allows (Rows' four-row blocks), one per thread at least.
        int parts = Math.Min(batch, Math.Clamp(batch / 4, Workers.Parts, Workers.Parts * Workers.PiecesPerThread));
        if (Workers.Parts > 1 && (long)shared * batch * directions * width * (inputSize + hidden) >= SplitMultiplyAdds)
        {
            unsafe
            {
                fixed (float* X = x, W = wT, R = rT, B = b, H0 = initialH, C0 = initialC, P = p, Y = y, YH = yH, YC = yC, S = scratch, Q = projections)
                {
                    job.Parts = parts;
                    (job.X, job.W, job.R, job.B, job.H0, job.C0, job.P) = (new(X, x.Length), new(W, wT.Length), new(R, rT.Length), new(B, b.Length),
                        new(H0, initialH.Length), new(C0, initialC.Length), new(P, p.Length));
                    (job.Y, job.YH, job.YC, job.S, job.Q) = (new(Y, y.Length), new(YH, yH.Length), new(YC, yC.Length), new(S, scratch.Length), new(Q, projections.Length));
                    Workers.Run(&LstmPart, &job, parts);
                }
            }
            return;
        }
        LstmEntries(job, 0, x, wT, rT, b, initialH, initialC, p, y, yH, yC, scratch, projections);
    }

    // The multiply-adds past which an LSTM's entries are split between threads: about 3 µs of work on one core, several
    // times what handing a part to a spinning worker and waiting for it costs.
    private const long SplitMultiplyAdds = 1L << 18;

    /// <summary>What an LSTM's parts share, by value: where its tensors are, while the caller keeps them pinned.</summary>
    private struct LstmJob
    {
        public RecurrentLayout Layout;
        public int Length, Parts;
        public float Clip;
        public bool InputForget;
        public RecurrentActivation F, G, H, BackwardF, BackwardG, BackwardH;
        public Pinned X, W, R, B, H0, C0, P, Y, YH, YC, S, Q;
    }

    /// <summary>A span's memory, which its owner keeps pinned while another thread reads or writes it.</summary>
    private readonly unsafe struct Pinned(float* pointer, int length)
    {
        private readonly float* _pointer = pointer;
        private readonly int _length = length;

        public Span<float> Span => new(_pointer, _length);
    }

    private static unsafe void LstmPart(void* arguments, int part)
    {
        ref LstmJob job = ref Unsafe.AsRef<LstmJob>(arguments);
        LstmEntries(job, part, job.X.Span, job.W.Span, job.R.Span, job.B.Span, job.H0.Span, job.C0.Span, job.P.Span, job.Y.Span, job.YH.Span, job.YC.Span,
            job.S.Span, job.Q.Span);
    }

    // Part `part` of job.Parts: its share of the entries, with its rows of the scratch and its share of the projections.
    private static void LstmEntries(in LstmJob job, int part, ReadOnlySpan<float> x, ReadOnlySpan<float> wT, ReadOnlySpan<float> rT, ReadOnlySpan<float> b,
        ReadOnlySpan<float> initialH, ReadOnlySpan<float> initialC, ReadOnlySpan<float> p, Span<float> y, Span<float> yH, Span<float> yC,
        Span<float> scratch, Span<float> projections)
    {
        var layout = job.Layout;
        int hidden = layout.HiddenSize, width = 4 * hidden, row = width + 3 * hidden, batch = layout.Batch;
        int first = (int)((long)batch * part / job.Parts), count = (int)((long)batch * (part + 1) / job.Parts) - first;
        int share = projections.Length / job.Parts;
        scratch = scratch.Slice(first * row, count * row);
        projections = projections.Slice(part * share, share);
        int directions = wT.Length / (width * layout.InputSize);
        for (int d = 0; d < directions; d++)
        {
            var run = new LstmRun(layout, d, width * layout.InputSize, hidden * width, b, p, job.Clip, job.InputForget,
                d == 0 ? (job.F, job.G, job.H) : (job.BackwardF, job.BackwardG, job.BackwardH));
            run.Entries(x, wT, rT, initialH, initialC, y, yH, yC, scratch, projections, first, count, job.Length);
        }
    }

    /// <summary>One direction of an LSTM over a run of entries of one sequence length.</summary>
    private readonly ref struct LstmRun(RecurrentLayout layout, int d, int wLength, int rLength, ReadOnlySpan<float> b, ReadOnlySpan<float> p,
        float clip, bool inputForget, (RecurrentActivation F, RecurrentActivation G, RecurrentActivation H) functions)
    {
        private readonly int _hidden = layout.HiddenSize, _width = 4 * layout.HiddenSize;

        // This direction's biases and peepholes, each empty when absent.
        private readonly ReadOnlySpan<float> _wb = b.IsEmpty ? b : b.Slice(d * 8 * layout.HiddenSize, 4 * layout.HiddenSize);
        private readonly ReadOnlySpan<float> _rb = b.IsEmpty ? b : b.Slice(d * 8 * layout.HiddenSize + 4 * layout.HiddenSize, 4 * layout.HiddenSize);
        private readonly ReadOnlySpan<float> _peepholes = p.IsEmpty ? p : p.Slice(d * 3 * layout.HiddenSize, 3 * layout.HiddenSize);

        public void Entries(ReadOnlySpan<float> x, ReadOnlySpan<float> wT, ReadOnlySpan<float> rT, ReadOnlySpan<float> initialH, ReadOnlySpan<float> initialC,
            Span<float> y, Span<float> yH, Span<float> yC, Span<float> scratch, Span<float> projections, int first, int count, int length)
        {
            int hidden = _hidden, width = _width, input = layout.InputSize;
            var w = wT.Slice(d * wLength, wLength);
            var r = rT.Slice(d * rLength, rLength);
            var gatesOfStep = scratch.Slice(0, count * width);
            var states = scratch.Slice(count * width, count * hidden);
            var cells = scratch.Slice(count * (width + hidden), count * hidden);
            var squashed = scratch.Slice(count * (width + 2 * hidden), count * hidden);
            for (int i = 0; i < count; i++)
            {
                layout.Initial(initialH, d, first + i, states.Slice(i * hidden, hidden));
                layout.Initial(initialC, d, first + i, cells.Slice(i * hidden, hidden));
            }
            bool backward = layout.Backward(d);
            // The input's products of `ahead` steps at once, into projections laid out [step, entry, 4·hidden].
            int ahead = count * width == 0 ? 0 : (int)Math.Min(length, projections.Length / ((long)count * width));
            // Consecutive times t are rows a whole step apart in X: one entry's rows in layout 1, every entry's in layout 0.
            int stepRows = layout.BatchMajor ? input : layout.Batch * input;
            for (int s0 = 0; s0 < length; s0 += Math.Max(ahead, 1))
            {
                int steps = ahead == 0 ? 1 : Math.Min(ahead, length - s0);
                int low = backward ? length - s0 - steps : s0;
                if (ahead > 0)
                {
                    if (!layout.BatchMajor && count == layout.Batch)
                        Rows(x.Slice(layout.Input(low, 0)), input, steps * count, w, width, projections, width, input, width, add: false);
                    else
                    {
                        for (int i = 0; i < count; i++)
                            Rows(x.Slice(layout.Input(low, first + i)), stepRows, steps, w, width, projections.Slice(i * width), count * width, input, width, add: false);
                    }
                }
                for (int s = s0; s < s0 + steps; s++)
                {
                    int t = backward ? length - 1 - s : s;
                    Span<float> gates;
                    if (ahead > 0)
                        gates = projections.Slice((t - low) * count * width, count * width);
                    else
                    {
                        gates = gatesOfStep;
                        // Entries of one step are rows input apart in layout 0, a whole sequence apart in layout 1.
                        Rows(x.Slice(layout.Input(t, first)), layout.BatchMajor ? layout.SeqLength * input : input, count, w, width, gates, width, input, width, add: false);
                    }
                    Rows(states, hidden, count, r, width, gates, width, hidden, width, add: true);
                    for (int i = 0; i < count; i++)
                    {
                        var state = states.Slice(i * hidden, hidden);
                        Cell(gates.Slice(i * width, width), state, cells.Slice(i * hidden, hidden), squashed.Slice(i * hidden, hidden));
                        if (!y.IsEmpty)
                            state.CopyTo(y.Slice(layout.Output(t, d, first + i), hidden));
                    }
                }
            }
            for (int i = 0; i < count; i++)
            {
                layout.Finish(y, yH, states.Slice(i * hidden, hidden), d, first + i, length, zeroEmpty: true);
                layout.Finish(default, yC, cells.Slice(i * hidden, hidden), d, first + i, length, zeroEmpty: true);
            }
        }

        // The default LSTM (sigmoid, tanh, tanh; no peepholes, clip or input_forget) with 512-bit vectors: one pass.
        private readonly bool _plain = Vector512.IsHardwareAccelerated && p.IsEmpty && !inputForget && !(clip < float.PositiveInfinity)
            && functions.F.Function == RecurrentFunction.Sigmoid && functions.G.Function == RecurrentFunction.Tanh && functions.H.Function == RecurrentFunction.Tanh;

        // Cell's arithmetic for the default LSTM, sixteen hidden units at a time, every value rounded as Cell rounds it
        // (the same sums, products and squashing functions, in the same order), without its passes over each gate.
        private void PlainCell(Span<float> gates, Span<float> state, Span<float> cell)
        {
            int hidden = _hidden;
            bool bias = !_wb.IsEmpty;
            ref float G = ref MemoryMarshal.GetReference(gates);
            ref float H = ref MemoryMarshal.GetReference(state);
            ref float C = ref MemoryMarshal.GetReference(cell);
            ref float WB = ref MemoryMarshal.GetReference(_wb);
            ref float RB = ref MemoryMarshal.GetReference(_rb);
            int j = 0;
            for (; j + 16 <= hidden; j += 16)
            {
                var i = Vector512.LoadUnsafe(ref G, (nuint)j);
                var o = Vector512.LoadUnsafe(ref G, (nuint)(hidden + j));
                var f = Vector512.LoadUnsafe(ref G, (nuint)(2 * hidden + j));
                var g = Vector512.LoadUnsafe(ref G, (nuint)(3 * hidden + j));
                if (bias)
                {
                    i += Vector512.LoadUnsafe(ref WB, (nuint)j) + Vector512.LoadUnsafe(ref RB, (nuint)j);
                    o += Vector512.LoadUnsafe(ref WB, (nuint)(hidden + j)) + Vector512.LoadUnsafe(ref RB, (nuint)(hidden + j));
                    f += Vector512.LoadUnsafe(ref WB, (nuint)(2 * hidden + j)) + Vector512.LoadUnsafe(ref RB, (nuint)(2 * hidden + j));
                    g += Vector512.LoadUnsafe(ref WB, (nuint)(3 * hidden + j)) + Vector512.LoadUnsafe(ref RB, (nuint)(3 * hidden + j));
                }
                var c = Vector512.LoadUnsafe(ref C, (nuint)j) * Sigmoid512(f) + Sigmoid512(i) * Tanh512(g);
                c.StoreUnsafe(ref C, (nuint)j);
                (Tanh512(c) * Sigmoid512(o)).StoreUnsafe(ref H, (nuint)j);
            }
            for (; j < hidden; j++)
            {
                float i = Unsafe.Add(ref G, j), o = Unsafe.Add(ref G, hidden + j), f = Unsafe.Add(ref G, 2 * hidden + j), g = Unsafe.Add(ref G, 3 * hidden + j);
                if (bias)
                {
                    i += Unsafe.Add(ref WB, j) + Unsafe.Add(ref RB, j);
                    o += Unsafe.Add(ref WB, hidden + j) + Unsafe.Add(ref RB, hidden + j);
                    f += Unsafe.Add(ref WB, 2 * hidden + j) + Unsafe.Add(ref RB, 2 * hidden + j);
                    g += Unsafe.Add(ref WB, 3 * hidden + j) + Unsafe.Add(ref RB, 3 * hidden + j);
                }
                float c = Unsafe.Add(ref C, j) * SigmoidScalar(f) + SigmoidScalar(i) * TanhScalar(g);
                Unsafe.Add(ref C, j) = c;
                Unsafe.Add(ref H, j) = TanhScalar(c) * SigmoidScalar(o);
            }
        }

        // One entry's step after its products: the gates, the cell C = C⊙f + i⊙g and the state H = h(C)⊙o.
        private void Cell(Span<float> gates, Span<float> state, Span<float> cell, Span<float> squashed)
        {
            int hidden = _hidden;
            var input = gates.Slice(0, hidden);
            var output = gates.Slice(hidden, hidden);
            var forget = gates.Slice(2 * hidden, hidden);
            var candidate = gates.Slice(3 * hidden, hidden);
            ReadOnlySpan<float> wb = _wb, rb = _rb, peepholes = _peepholes;
            if (_plain)
            {
                PlainCell(gates, state, cell);
                return;
            }
            if (peepholes.IsEmpty && !inputForget)
            {
                // No peephole reads the cell and no gate reads another: the four gates' sums at once, i, o and f squashed together.
                Gate(gates, wb, rb, clip);
                Activate(functions.F, gates.Slice(0, 3 * hidden));
                Activate(functions.G, candidate);
                CellUpdate(cell, forget, input, candidate);
            }
            else
            {
                Peephole(input, cell, Part(peepholes, 0, hidden));
                Gate(input, Part(wb, 0, hidden), Part(rb, 0, hidden), clip);
                Activate(functions.F, input);
                if (inputForget)
                    TensorPrimitives.Subtract(1f, input, forget);
                else
                {
                    Peephole(forget, cell, Part(peepholes, 2 * hidden, hidden));
                    Gate(forget, Part(wb, 2 * hidden, hidden), Part(rb, 2 * hidden, hidden), clip);
                    Activate(functions.F, forget);
                }
                Gate(candidate, Part(wb, 3 * hidden, hidden), Part(rb, 3 * hidden, hidden), clip);
                Activate(functions.G, candidate);
                CellUpdate(cell, forget, input, candidate);
                // The output gate's peephole sees the new cell.
                Peephole(output, cell, Part(peepholes, hidden, hidden));
                Gate(output, Part(wb, hidden, hidden), Part(rb, hidden, hidden), clip);
                Activate(functions.F, output);
            }
            cell.CopyTo(squashed);
            Activate(functions.H, squashed);
            TensorPrimitives.Multiply(squashed, output, state);
        }
    }

    // C = C⊙f + i⊙g, each product rounded, then their sum.
    private static void CellUpdate(Span<float> cell, ReadOnlySpan<float> forget, ReadOnlySpan<float> input, ReadOnlySpan<float> candidate)
    {
        int j = 0;
        if (Vector.IsHardwareAccelerated)
        {
            for (; j + Vector<float>.Count <= cell.Length; j += Vector<float>.Count)
                (new Vector<float>(cell.Slice(j)) * new Vector<float>(forget.Slice(j)) + new Vector<float>(input.Slice(j)) * new Vector<float>(candidate.Slice(j))).CopyTo(cell.Slice(j));
        }
        for (; j < cell.Length; j++)
            cell[j] = cell[j] * forget[j] + input[j] * candidate[j];
    }

    /// <summary>
    /// <c>GRU</c> with ONNX's gate order z, r, h, laid out as <see cref="LSTM"/>'s (W and R transposed per direction);
    /// <paramref name="linearBeforeReset"/> applies the hidden gate's recurrent product before the reset gate.
    /// <paramref name="scratch"/> holds 6·hidden floats.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A sequence length lies outside [0, seq_length].</exception>
    public static void GRU(ReadOnlySpan<float> x, ReadOnlySpan<float> wT, ReadOnlySpan<float> rT, ReadOnlySpan<float> b,
        ReadOnlySpan<int> sequenceLens, ReadOnlySpan<float> initialH, Span<float> y, Span<float> yH, Span<float> scratch,
        int seqLength, int batch, int inputSize, int hiddenSize, int directions, bool reverse, bool batchMajor,
        RecurrentActivation f, RecurrentActivation g, RecurrentActivation backwardF, RecurrentActivation backwardG,
        float clip, bool linearBeforeReset)
    {
        var layout = new RecurrentLayout(seqLength, batch, inputSize, hiddenSize, directions, reverse, batchMajor, 3);
        layout.Check(x, wT, rT, scratch, "GRU");
        int hidden = hiddenSize, width = 3 * hiddenSize;
        var gates = scratch.Slice(0, width);
        var state = scratch.Slice(width, hidden);
        var reset = scratch.Slice(width + hidden, hidden);
        var update = gates.Slice(0, hidden);
        var resetGate = gates.Slice(hidden, hidden);
        var candidate = gates.Slice(2 * hidden, hidden);
        for (int d = 0; d < directions; d++)
        {
            bool backward = layout.Backward(d);
            var (fd, gd) = d == 0 ? (f, g) : (backwardF, backwardG);
            var w = wT.Slice(d * inputSize * width, inputSize * width);
            var r = rT.Slice(d * hidden * width, hidden * width);
            var wb = b.IsEmpty ? b : b.Slice(d * 2 * width, width);
            var rb = b.IsEmpty ? b : b.Slice(d * 2 * width + width, width);
            for (int n = 0; n < batch; n++)
            {
                int length = layout.Length(sequenceLens, n, "GRU");
                layout.Initial(initialH, d, n, state);
                for (int s = 0; s < length; s++)
                {
                    int t = backward ? length - 1 - s : s;
                    Project(x.Slice(layout.Input(t, n), inputSize), w, width, gates, inputSize, width, add: false);
                    // Only z and r take h·Rᵀ now; the hidden gate's recurrent product waits for r.
                    Project(state, r, width, gates, hidden, 2 * hidden, add: true);
                    Gate(resetGate, Part(wb, hidden, hidden), Part(rb, hidden, hidden), clip);
                    Activate(fd, resetGate);
                    var recurrent = r.Slice(2 * hidden);
                    if (linearBeforeReset)
                    {
                        Project(state, recurrent, width, reset, hidden, hidden, add: false);
                        if (!rb.IsEmpty)
                        {
                            var rbh = rb.Slice(2 * hidden, hidden);
                            for (int j = 0; j < hidden; j++)
                                reset[j] = rbh[j] + reset[j];
                        }
                        for (int j = 0; j < hidden; j++)
                            candidate[j] += reset[j] * resetGate[j];
                        Gate(candidate, Part(wb, 2 * hidden, hidden), [], clip);
                    }
                    else
                    {
                        for (int j = 0; j < hidden; j++)
                            reset[j] = state[j] * resetGate[j];
                        Project(reset, recurrent, width, candidate, hidden, hidden, add: true);
                        Gate(candidate, Part(wb, 2 * hidden, hidden), Part(rb, 2 * hidden, hidden), clip);
                    }
                    Gate(update, Part(wb, 0, hidden), Part(rb, 0, hidden), clip);
                    Activate(fd, update);
                    Activate(gd, candidate);
                    for (int j = 0; j < hidden; j++)
                        state[j] = (1f - update[j]) * candidate[j] + update[j] * state[j];
                    if (!y.IsEmpty)
                        state.CopyTo(y.Slice(layout.Output(t, d, n), hidden));
                }
                layout.Finish(y, yH, state, d, n, length, zeroEmpty: true);
            }
        }
    }

    /// <summary>
    /// <c>RNN</c>: H = f(x·Wᵀ + h·Rᵀ + Wb + Rb), laid out as <see cref="LSTM"/>'s (W and R transposed per direction).
    /// <paramref name="scratch"/> holds 4·hidden floats.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A sequence length lies outside [0, seq_length].</exception>
    public static void RNN(ReadOnlySpan<float> x, ReadOnlySpan<float> wT, ReadOnlySpan<float> rT, ReadOnlySpan<float> b,
        ReadOnlySpan<int> sequenceLens, ReadOnlySpan<float> initialH, Span<float> y, Span<float> yH, Span<float> scratch,
        int seqLength, int batch, int inputSize, int hiddenSize, int directions, bool reverse, bool batchMajor,
        RecurrentActivation f, RecurrentActivation backwardF, float clip)
    {
        var layout = new RecurrentLayout(seqLength, batch, inputSize, hiddenSize, directions, reverse, batchMajor, 1);
        layout.Check(x, wT, rT, scratch, "RNN");
        int hidden = hiddenSize;
        var gates = scratch.Slice(0, hidden);
        var state = scratch.Slice(hidden, hidden);
        for (int d = 0; d < directions; d++)
        {
            bool backward = layout.Backward(d);
            var fd = d == 0 ? f : backwardF;
            var w = wT.Slice(d * inputSize * hidden, inputSize * hidden);
            var r = rT.Slice(d * hidden * hidden, hidden * hidden);
            var wb = b.IsEmpty ? b : b.Slice(d * 2 * hidden, hidden);
            var rb = b.IsEmpty ? b : b.Slice(d * 2 * hidden + hidden, hidden);
            for (int n = 0; n < batch; n++)
            {
                int length = layout.Length(sequenceLens, n, "RNN");
                layout.Initial(initialH, d, n, state);
                for (int s = 0; s < length; s++)
                {
                    int t = backward ? length - 1 - s : s;
                    Project(x.Slice(layout.Input(t, n), inputSize), w, hidden, gates, inputSize, hidden, add: false);
                    Gate(gates, wb, rb, float.PositiveInfinity);
                    Project(state, r, hidden, gates, hidden, hidden, add: true);
                    Gate(gates, [], [], clip);
                    Activate(fd, gates);
                    gates.CopyTo(state);
                    if (!y.IsEmpty)
                        state.CopyTo(y.Slice(layout.Output(t, d, n), hidden));
                }
                layout.Finish(y, yH, state, d, n, length, zeroEmpty: false);
            }
        }
    }

    // v + P⊙C, in place, when there are peepholes: the product rounded, then the sum.
    private static void Peephole(Span<float> v, ReadOnlySpan<float> cell, ReadOnlySpan<float> peepholes)
    {
        int j = 0;
        if (Vector.IsHardwareAccelerated)
        {
            for (; j + Vector<float>.Count <= peepholes.Length; j += Vector<float>.Count)
                (new Vector<float>(v.Slice(j)) + new Vector<float>(cell.Slice(j)) * new Vector<float>(peepholes.Slice(j))).CopyTo(v.Slice(j));
        }
        for (; j < peepholes.Length; j++)
            v[j] += cell[j] * peepholes[j];
    }

    // v + (Wb + Rb), in place, where given (Wb alone when Rb is empty), then clipped to ±clip unless it is infinite.
    private static void Gate(Span<float> v, ReadOnlySpan<float> wb, ReadOnlySpan<float> rb, float clip)
    {
        if (!wb.IsEmpty && !rb.IsEmpty)
        {
            int j = 0;
            if (Vector.IsHardwareAccelerated)
            {
                for (; j + Vector<float>.Count <= v.Length; j += Vector<float>.Count)
                    (new Vector<float>(v.Slice(j)) + (new Vector<float>(wb.Slice(j)) + new Vector<float>(rb.Slice(j)))).CopyTo(v.Slice(j));
            }
            for (; j < v.Length; j++)
                v[j] += wb[j] + rb[j];
        }
        else if (!wb.IsEmpty)
            TensorPrimitives.Add(v, wb.Slice(0, v.Length), v);
        if (clip < float.PositiveInfinity)
        {
            for (int j = 0; j < v.Length; j++)
                v[j] = v[j] > clip ? clip : v[j] < -clip ? -clip : v[j];
        }
    }

    private static ReadOnlySpan<float> Part(ReadOnlySpan<float> values, int start, int length) => values.IsEmpty ? values : values.Slice(start, length);

    /// <summary>d[j] = Σₖ v[k]·m[k·stride + j] for j &lt; n, or d[j] + that sum when <paramref name="add"/>: <see cref="Rows"/> of one row.</summary>
    private static void Project(ReadOnlySpan<float> v, ReadOnlySpan<float> m, int stride, Span<float> d, int k, int n, bool add) =>
        Rows(v, k, 1, m, stride, d, n, k, n, add);

    /// <summary>
    /// d[i·dStride + j] = Σₖ v[i·vStride + k]·m[k·stride + j] for i &lt; rows, j &lt; n, or d + that sum when
    /// <paramref name="add"/>: each sum in k order, every term a fused multiply-add from zero (MLAS's order on FMA
    /// hardware), then stored or added. With 512-bit vectors four rows share each load of m (16 sums in registers) and a
    /// single row keeps eight vectors of sums, enough independent chains to keep both FMA units busy; otherwise a row at a
    /// time, four vectors of outputs at once.
    /// </summary>
    private static void Rows(ReadOnlySpan<float> v, int vStride, int rows, ReadOnlySpan<float> m, int stride, Span<float> d, int dStride, int k, int n, bool add)
    {
        if (rows <= 0 || n <= 0)
            return;
        if (v.Length < (long)(rows - 1) * vStride + k || d.Length < (long)(rows - 1) * dStride + n || (k > 0 && m.Length < (long)(k - 1) * stride + n))
            throw new ArgumentException("The operands are shorter than their dims.");
        ref float V = ref MemoryMarshal.GetReference(v);
        ref float M = ref MemoryMarshal.GetReference(m);
        ref float D = ref MemoryMarshal.GetReference(d);
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            for (; i + 4 <= rows; i += 4)
            {
                ref float v0 = ref Unsafe.Add(ref V, i * vStride);
                ref float d0 = ref Unsafe.Add(ref D, i * dStride);
                int j = 0;
                for (; j + 64 <= n; j += 64)
                    Rows512x4(ref v0, vStride, ref M, stride, ref d0, dStride, j, k, add);
                for (; j < n; j++)
                {
                    for (int r = 0; r < 4; r++)
                        Dot(ref Unsafe.Add(ref v0, r * vStride), ref M, stride, ref Unsafe.Add(ref d0, r * dStride), j, k, add);
                }
            }
            for (; i < rows; i++)
            {
                ref float v0 = ref Unsafe.Add(ref V, i * vStride);
                ref float d0 = ref Unsafe.Add(ref D, i * dStride);
                int j = 0;
                for (; j + 256 <= n; j += 256)
                    Row512x16(ref v0, ref M, stride, ref d0, j, k, add);
                for (; j + 128 <= n; j += 128)
                    Row512x8(ref v0, ref M, stride, ref d0, j, k, add);
                for (; j + 16 <= n; j += 16)
                {
                    var c = Vector512<float>.Zero;
                    for (int q = 0; q < k; q++)
                        c = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref v0, q)), Vector512.LoadUnsafe(ref M, (nuint)(q * stride + j)), c);
                    Store512(c, ref d0, j, add);
                }
                for (; j < n; j++)
                    Dot(ref v0, ref M, stride, ref d0, j, k, add);
            }
            return;
        }
        for (; i < rows; i++)
        {
            ref float v0 = ref Unsafe.Add(ref V, i * vStride);
            ref float d0 = ref Unsafe.Add(ref D, i * dStride);
            int width = Vector<float>.Count;
            int j = 0;
            for (; j + 4 * width <= n; j += 4 * width)
            {
                Vector<float> c0 = default, c1 = default, c2 = default, c3 = default;
                for (int q = 0; q < k; q++)
                {
                    var a = new Vector<float>(Unsafe.Add(ref v0, q));
                    nuint row = (nuint)(q * stride + j);
                    c0 = Vector.FusedMultiplyAdd(a, Vector.LoadUnsafe(ref M, row), c0);
                    c1 = Vector.FusedMultiplyAdd(a, Vector.LoadUnsafe(ref M, row + (nuint)width), c1);
                    c2 = Vector.FusedMultiplyAdd(a, Vector.LoadUnsafe(ref M, row + (nuint)(2 * width)), c2);
                    c3 = Vector.FusedMultiplyAdd(a, Vector.LoadUnsafe(ref M, row + (nuint)(3 * width)), c3);
                }
                Store(c0, ref d0, j, add);
                Store(c1, ref d0, j + width, add);
                Store(c2, ref d0, j + 2 * width, add);
                Store(c3, ref d0, j + 3 * width, add);
            }
            for (; j + width <= n; j += width)
            {
                Vector<float> c = default;
                for (int q = 0; q < k; q++)
                    c = Vector.FusedMultiplyAdd(new Vector<float>(Unsafe.Add(ref v0, q)), Vector.LoadUnsafe(ref M, (nuint)(q * stride + j)), c);
                Store(c, ref d0, j, add);
            }
            for (; j < n; j++)
                Dot(ref v0, ref M, stride, ref d0, j, k, add);
        }
    }

    // Four rows by four vectors of outputs: 16 sums in registers, each load of m shared by the four rows.
    private static void Rows512x4(ref float v, int vStride, ref float m, int stride, ref float d, int dStride, int j, int k, bool add)
    {
        Vector512<float> c00 = default, c01 = default, c02 = default, c03 = default, c10 = default, c11 = default, c12 = default, c13 = default;
        Vector512<float> c20 = default, c21 = default, c22 = default, c23 = default, c30 = default, c31 = default, c32 = default, c33 = default;
        ref float v1 = ref Unsafe.Add(ref v, vStride);
        ref float v2 = ref Unsafe.Add(ref v, 2 * vStride);
        ref float v3 = ref Unsafe.Add(ref v, 3 * vStride);
        for (int q = 0; q < k; q++)
        {
            nuint at = (nuint)(q * stride + j);
            var m0 = Vector512.LoadUnsafe(ref m, at);
            var m1 = Vector512.LoadUnsafe(ref m, at + 16);
            var m2 = Vector512.LoadUnsafe(ref m, at + 32);
            var m3 = Vector512.LoadUnsafe(ref m, at + 48);
            var a = Vector512.Create(Unsafe.Add(ref v, q));
            c00 = Vector512.FusedMultiplyAdd(a, m0, c00);
            c01 = Vector512.FusedMultiplyAdd(a, m1, c01);
            c02 = Vector512.FusedMultiplyAdd(a, m2, c02);
            c03 = Vector512.FusedMultiplyAdd(a, m3, c03);
            a = Vector512.Create(Unsafe.Add(ref v1, q));
            c10 = Vector512.FusedMultiplyAdd(a, m0, c10);
            c11 = Vector512.FusedMultiplyAdd(a, m1, c11);
            c12 = Vector512.FusedMultiplyAdd(a, m2, c12);
            c13 = Vector512.FusedMultiplyAdd(a, m3, c13);
            a = Vector512.Create(Unsafe.Add(ref v2, q));
            c20 = Vector512.FusedMultiplyAdd(a, m0, c20);
            c21 = Vector512.FusedMultiplyAdd(a, m1, c21);
            c22 = Vector512.FusedMultiplyAdd(a, m2, c22);
            c23 = Vector512.FusedMultiplyAdd(a, m3, c23);
            a = Vector512.Create(Unsafe.Add(ref v3, q));
            c30 = Vector512.FusedMultiplyAdd(a, m0, c30);
            c31 = Vector512.FusedMultiplyAdd(a, m1, c31);
            c32 = Vector512.FusedMultiplyAdd(a, m2, c32);
            c33 = Vector512.FusedMultiplyAdd(a, m3, c33);
        }
        for (int r = 0; r < 4; r++)
        {
            var (s0, s1, s2, s3) = r switch { 0 => (c00, c01, c02, c03), 1 => (c10, c11, c12, c13), 2 => (c20, c21, c22, c23), _ => (c30, c31, c32, c33) };
            ref float row = ref Unsafe.Add(ref d, r * dStride);
            Store512(s0, ref row, j, add);
            Store512(s1, ref row, j + 16, add);
            Store512(s2, ref row, j + 32, add);
            Store512(s3, ref row, j + 48, add);
        }
    }

    // One row by sixteen vectors of outputs: each step of k reads one contiguous 1 KiB row of m, which streams from L2
    // half again as fast as two passes of eight vectors over its halves (measured at 64 × 256: 450 against 700 ns).
    private static void Row512x16(ref float v, ref float m, int stride, ref float d, int j, int k, bool add)
    {
        Vector512<float> c0 = default, c1 = default, c2 = default, c3 = default, c4 = default, c5 = default, c6 = default, c7 = default;
        Vector512<float> c8 = default, c9 = default, c10 = default, c11 = default, c12 = default, c13 = default, c14 = default, c15 = default;
        for (int q = 0; q < k; q++)
        {
            ref float at = ref Unsafe.Add(ref m, q * stride + j);
            var a = Vector512.Create(Unsafe.Add(ref v, q));
            c0 = Vector512.FusedMultiplyAdd(a, Vector512.LoadUnsafe(ref at), c0);
            c1 = Vector512.FusedMultiplyAdd(a, Vector512.LoadUnsafe(ref at, 16), c1);
            c2 = Vector512.FusedMultiplyAdd(a, Vector512.LoadUnsafe(ref at, 32), c2);
            c3 = Vector512.FusedMultiplyAdd(a, Vector512.LoadUnsafe(ref at, 48), c3);
            c4 = Vector512.FusedMultiplyAdd(a, Vector512.LoadUnsafe(ref at, 64), c4);
            c5 = Vector512.FusedMultiplyAdd(a, Vector512.LoadUnsafe(ref at, 80), c5);
            c6 = Vector512.FusedMultiplyAdd(a, Vector512.LoadUnsafe(ref at, 96), c6);
            c7 = Vector512.FusedMultiplyAdd(a, Vector512.LoadUnsafe(ref at, 112), c7);
            c8 = Vector512.FusedMultiplyAdd(a, Vector512.LoadUnsafe(ref at, 128), c8);
            c9 = Vector512.FusedMultiplyAdd(a, Vector512.LoadUnsafe(ref at, 144), c9);
            c10 = Vector512.FusedMultiplyAdd(a, Vector512.LoadUnsafe(ref at, 160), c10);
            c11 = Vector512.FusedMultiplyAdd(a, Vector512.LoadUnsafe(ref at, 176), c11);
            c12 = Vector512.FusedMultiplyAdd(a, Vector512.LoadUnsafe(ref at, 192), c12);
            c13 = Vector512.FusedMultiplyAdd(a, Vector512.LoadUnsafe(ref at, 208), c13);
            c14 = Vector512.FusedMultiplyAdd(a, Vector512.LoadUnsafe(ref at, 224), c14);
            c15 = Vector512.FusedMultiplyAdd(a, Vector512.LoadUnsafe(ref at, 240), c15);
        }
        Store512(c0, ref d, j, add);
        Store512(c1, ref d, j + 16, add);
        Store512(c2, ref d, j + 32, add);
        Store512(c3, ref d, j + 48, add);
        Store512(c4, ref d, j + 64, add);
        Store512(c5, ref d, j + 80, add);
        Store512(c6, ref d, j + 96, add);
        Store512(c7, ref d, j + 112, add);
        Store512(c8, ref d, j + 128, add);
        Store512(c9, ref d, j + 144, add);
        Store512(c10, ref d, j + 160, add);
        Store512(c11, ref d, j + 176, add);
        Store512(c12, ref d, j + 192, add);
        Store512(c13, ref d, j + 208, add);
        Store512(c14, ref d, j + 224, add);
        Store512(c15, ref d, j + 240, add);
    }

    // One row by eight vectors of outputs: eight independent chains of fused multiply-adds.
    private static void Row512x8(ref float v, ref float m, int stride, ref float d, int j, int k, bool add)
    {
        Vector512<float> c0 = default, c1 = default, c2 = default, c3 = default, c4 = default, c5 = default, c6 = default, c7 = default;
        for (int q = 0; q < k; q++)
        {
            ref float at = ref Unsafe.Add(ref m, q * stride + j);
            var a = Vector512.Create(Unsafe.Add(ref v, q));
            c0 = Vector512.FusedMultiplyAdd(a, Vector512.LoadUnsafe(ref at), c0);
            c1 = Vector512.FusedMultiplyAdd(a, Vector512.LoadUnsafe(ref at, 16), c1);
            c2 = Vector512.FusedMultiplyAdd(a, Vector512.LoadUnsafe(ref at, 32), c2);
            c3 = Vector512.FusedMultiplyAdd(a, Vector512.LoadUnsafe(ref at, 48), c3);
            c4 = Vector512.FusedMultiplyAdd(a, Vector512.LoadUnsafe(ref at, 64), c4);
            c5 = Vector512.FusedMultiplyAdd(a, Vector512.LoadUnsafe(ref at, 80), c5);
            c6 = Vector512.FusedMultiplyAdd(a, Vector512.LoadUnsafe(ref at, 96), c6);
            c7 = Vector512.FusedMultiplyAdd(a, Vector512.LoadUnsafe(ref at, 112), c7);
        }
        Store512(c0, ref d, j, add);
        Store512(c1, ref d, j + 16, add);
        Store512(c2, ref d, j + 32, add);
        Store512(c3, ref d, j + 48, add);
        Store512(c4, ref d, j + 64, add);
        Store512(c5, ref d, j + 80, add);
        Store512(c6, ref d, j + 96, add);
        Store512(c7, ref d, j + 112, add);
    }

    // One output: the sum in k order as fused multiply-adds from zero, stored or added.
    private static void Dot(ref float v, ref float m, int stride, ref float d, int j, int k, bool add)
    {
        float sum = 0;
        for (int q = 0; q < k; q++)
            sum = MathF.FusedMultiplyAdd(Unsafe.Add(ref v, q), Unsafe.Add(ref m, q * stride + j), sum);
        ref float target = ref Unsafe.Add(ref d, j);
        target = add ? target + sum : sum;
    }

    private static void Store512(Vector512<float> sum, ref float d, int j, bool add) =>
        (add ? Vector512.LoadUnsafe(ref d, (nuint)j) + sum : sum).StoreUnsafe(ref d, (nuint)j);

    private static void Store(Vector<float> sum, ref float d, int j, bool add) =>
        (add ? Vector.LoadUnsafe(ref d, (nuint)j) + sum : sum).StoreUnsafe(ref d, (nuint)j);

    // One activation over a gate, in place.
    private static void Activate(RecurrentActivation activation, Span<float> v)
    {
        float alpha = activation.Alpha, beta = activation.Beta;
        switch (activation.Function)
        {
            case RecurrentFunction.Sigmoid:
                FastSigmoid(v);
                break;
            case RecurrentFunction.Tanh:
                FastTanh(v);
                break;
            case RecurrentFunction.Relu:
                // NaN gives 0, as std::max(0, x) and MLAS's max do.
                for (int j = 0; j < v.Length; j++)
                    v[j] = v[j] > 0 ? v[j] : 0f;
                break;
            case RecurrentFunction.Affine:
                for (int j = 0; j < v.Length; j++)
                    v[j] = alpha * v[j] + beta;
                break;
            case RecurrentFunction.LeakyRelu:
                for (int j = 0; j < v.Length; j++)
                    v[j] = v[j] >= 0 ? v[j] : alpha * v[j];
                break;
            case RecurrentFunction.ThresholdedRelu:
                for (int j = 0; j < v.Length; j++)
                    v[j] = v[j] > alpha ? v[j] : 0f;
                break;
            case RecurrentFunction.ScaledTanh:
                TensorPrimitives.Multiply(v, beta, v);
                TensorPrimitives.Tanh(v, v);
                TensorPrimitives.Multiply(v, alpha, v);
                break;
            case RecurrentFunction.HardSigmoid:
                for (int j = 0; j < v.Length; j++)
                    v[j] = MathF.Min(1f, MathF.Max(0f, alpha * v[j] + beta));
                break;
            case RecurrentFunction.Elu:
                for (int j = 0; j < v.Length; j++)
                    v[j] = v[j] >= 0 ? v[j] : alpha * (MathF.Exp(v[j]) - 1f);
                break;
            case RecurrentFunction.Softsign:
                for (int j = 0; j < v.Length; j++)
                    v[j] = v[j] / (1f + MathF.Abs(v[j]));
                break;
            case RecurrentFunction.Softplus:
                for (int j = 0; j < v.Length; j++)
                    v[j] = MathF.Log(1f + MathF.Exp(v[j]));
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(activation), activation.Function, "Not a recurrent activation.");
        }
    }

    /// <summary>Where a recurrent operator's rows lie, in either layout.</summary>
    private readonly struct RecurrentLayout(int seqLength, int batch, int inputSize, int hiddenSize, int directions, bool reverse, bool batchMajor, int gates)
    {
        public int SeqLength => seqLength;

        public int Batch => batch;

        public int InputSize => inputSize;

        public int HiddenSize => hiddenSize;

        public bool BatchMajor => batchMajor;

        public bool Backward(int direction) => direction == 1 || reverse;

        /// <summary>Entry n's sequence length: sequence_lens[n], or seq_length when it is absent.</summary>
        public int Length(ReadOnlySpan<int> sequenceLens, int n, string op)
        {
            if (sequenceLens.IsEmpty)
                return seqLength;
            int length = sequenceLens[n];
            if ((uint)length > (uint)seqLength)
                throw new ArgumentOutOfRangeException(nameof(sequenceLens), length, $"{op}: sequence_lens[{n}] is outside [0, {seqLength}].");
            return length;
        }

        public int Input(int t, int n) => (batchMajor ? n * seqLength + t : t * batch + n) * inputSize;

        public int Output(int t, int d, int n) => (batchMajor ? (n * seqLength + t) * directions + d : (t * directions + d) * batch + n) * hiddenSize;

        public int State(int d, int n) => (batchMajor ? n * directions + d : d * batch + n) * hiddenSize;

        /// <summary>The initial state of direction d, entry n, or zeros.</summary>
        public void Initial(ReadOnlySpan<float> initial, int d, int n, Span<float> state)
        {
            if (initial.IsEmpty)
                state.Clear();
            else
                initial.Slice(State(d, n), hiddenSize).CopyTo(state);
        }

        /// <summary>Zeros in Y past the entry's length, and its final state (zeros for an empty sequence when <paramref name="zeroEmpty"/>).</summary>
        public void Finish(Span<float> y, Span<float> final, ReadOnlySpan<float> state, int d, int n, int length, bool zeroEmpty)
        {
            if (!y.IsEmpty)
            {
                for (int t = length; t < seqLength; t++)
                    y.Slice(Output(t, d, n), hiddenSize).Clear();
            }
            if (final.IsEmpty)
                return;
            var target = final.Slice(State(d, n), hiddenSize);
            if (length == 0 && zeroEmpty)
                target.Clear();
            else
                state.CopyTo(target);
        }

        public void Check(ReadOnlySpan<float> x, ReadOnlySpan<float> wT, ReadOnlySpan<float> rT, Span<float> scratch, string op)
        {
            int width = gates * hiddenSize;
            if (x.Length < seqLength * batch * inputSize || wT.Length < directions * inputSize * width || rT.Length < directions * hiddenSize * width
                || scratch.Length < width + 3 * hiddenSize)
            {
                throw new ArgumentException($"{op}: the operands are shorter than their dims.");
            }
        }
    }
}
