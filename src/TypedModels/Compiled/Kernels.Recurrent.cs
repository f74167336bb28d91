using System;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

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
// Sigmoid and tanh are TensorPrimitives' (MLAS and ONNX Runtime's own rational approximations are within a few ulps of
// them). Steps past an entry's sequence_lens leave its state and write zeros to Y; an entry of length 0 has zero final
// states for LSTM and GRU (ONNX Runtime zeroes them) and its initial state for RNN (ONNX's reference; ONNX Runtime's
// RNN reads before its buffer there).
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
    /// <paramref name="clip"/> bounds each gate's input (infinity: none); <paramref name="scratch"/> holds 7·hidden floats.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A sequence length lies outside [0, seq_length].</exception>
    public static void LSTM(ReadOnlySpan<float> x, ReadOnlySpan<float> wT, ReadOnlySpan<float> rT, ReadOnlySpan<float> b,
        ReadOnlySpan<int> sequenceLens, ReadOnlySpan<float> initialH, ReadOnlySpan<float> initialC, ReadOnlySpan<float> p,
        Span<float> y, Span<float> yH, Span<float> yC, Span<float> scratch,
        int seqLength, int batch, int inputSize, int hiddenSize, int directions, bool reverse, bool batchMajor,
        RecurrentActivation f, RecurrentActivation g, RecurrentActivation h,
        RecurrentActivation backwardF, RecurrentActivation backwardG, RecurrentActivation backwardH,
        float clip, bool inputForget)
    {
        var layout = new RecurrentLayout(seqLength, batch, inputSize, hiddenSize, directions, reverse, batchMajor, 4);
        layout.Check(x, wT, rT, scratch, "LSTM");
        int hidden = hiddenSize, width = 4 * hiddenSize;
        var gates = scratch.Slice(0, width);
        var state = scratch.Slice(width, hidden);
        var cell = scratch.Slice(width + hidden, hidden);
        var squashed = scratch.Slice(width + 2 * hidden, hidden);
        var input = gates.Slice(0, hidden);
        var output = gates.Slice(hidden, hidden);
        var forget = gates.Slice(2 * hidden, hidden);
        var candidate = gates.Slice(3 * hidden, hidden);
        for (int d = 0; d < directions; d++)
        {
            bool backward = layout.Backward(d);
            var (fd, gd, hd) = d == 0 ? (f, g, h) : (backwardF, backwardG, backwardH);
            var w = wT.Slice(d * inputSize * width, inputSize * width);
            var r = rT.Slice(d * hidden * width, hidden * width);
            var wb = b.IsEmpty ? b : b.Slice(d * 2 * width, width);
            var rb = b.IsEmpty ? b : b.Slice(d * 2 * width + width, width);
            var peepholes = p.IsEmpty ? p : p.Slice(d * 3 * hidden, 3 * hidden);
            for (int n = 0; n < batch; n++)
            {
                int length = layout.Length(sequenceLens, n, "LSTM");
                layout.Initial(initialH, d, n, state);
                layout.Initial(initialC, d, n, cell);
                for (int s = 0; s < length; s++)
                {
                    int t = backward ? length - 1 - s : s;
                    Project(x.Slice(layout.Input(t, n), inputSize), w, width, gates, inputSize, width, add: false);
                    Project(state, r, width, gates, hidden, width, add: true);

                    Peephole(input, cell, Part(peepholes, 0, hidden));
                    Gate(input, Part(wb, 0, hidden), Part(rb, 0, hidden), clip);
                    Activate(fd, input);
                    if (inputForget)
                    {
                        for (int j = 0; j < hidden; j++)
                            forget[j] = 1f - input[j];
                    }
                    else
                    {
                        Peephole(forget, cell, Part(peepholes, 2 * hidden, hidden));
                        Gate(forget, Part(wb, 2 * hidden, hidden), Part(rb, 2 * hidden, hidden), clip);
                        Activate(fd, forget);
                    }
                    Gate(candidate, Part(wb, 3 * hidden, hidden), Part(rb, 3 * hidden, hidden), clip);
                    Activate(gd, candidate);
                    for (int j = 0; j < hidden; j++)
                        cell[j] = cell[j] * forget[j] + input[j] * candidate[j];
                    // The output gate's peephole sees the new cell.
                    Peephole(output, cell, Part(peepholes, hidden, hidden));
                    Gate(output, Part(wb, hidden, hidden), Part(rb, hidden, hidden), clip);
                    Activate(fd, output);
                    cell.CopyTo(squashed);
                    Activate(hd, squashed);
                    for (int j = 0; j < hidden; j++)
                        state[j] = squashed[j] * output[j];
                    if (!y.IsEmpty)
                        state.CopyTo(y.Slice(layout.Output(t, d, n), hidden));
                }
                layout.Finish(y, yH, state, d, n, length, zeroEmpty: true);
                layout.Finish(default, yC, cell, d, n, length, zeroEmpty: true);
            }
        }
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

    // v + P⊙C, in place, when there are peepholes.
    private static void Peephole(Span<float> v, ReadOnlySpan<float> cell, ReadOnlySpan<float> peepholes)
    {
        for (int j = 0; j < peepholes.Length; j++)
            v[j] += cell[j] * peepholes[j];
    }

    // v + (Wb + Rb), in place, where given (Wb alone when Rb is empty), then clipped to ±clip unless it is infinite.
    private static void Gate(Span<float> v, ReadOnlySpan<float> wb, ReadOnlySpan<float> rb, float clip)
    {
        if (!wb.IsEmpty && !rb.IsEmpty)
        {
            for (int j = 0; j < v.Length; j++)
                v[j] += wb[j] + rb[j];
        }
        else if (!wb.IsEmpty)
        {
            for (int j = 0; j < v.Length; j++)
                v[j] += wb[j];
        }
        if (clip < float.PositiveInfinity)
        {
            for (int j = 0; j < v.Length; j++)
                v[j] = v[j] > clip ? clip : v[j] < -clip ? -clip : v[j];
        }
    }

    private static ReadOnlySpan<float> Part(ReadOnlySpan<float> values, int start, int length) => values.IsEmpty ? values : values.Slice(start, length);

    /// <summary>
    /// d[j] = Σₖ v[k]·m[k·stride + j] for j &lt; n, or d[j] + that sum when <paramref name="add"/>: each sum in k order,
    /// every term a fused multiply-add from zero (MLAS's order on FMA hardware), a vector of outputs at a time.
    /// </summary>
    private static void Project(ReadOnlySpan<float> v, ReadOnlySpan<float> m, int stride, Span<float> d, int k, int n, bool add)
    {
        if (v.Length < k || d.Length < n || (k > 0 && m.Length < (k - 1) * stride + n))
            throw new ArgumentException("The operands are shorter than their dims.");
        ref float V = ref MemoryMarshal.GetReference(v);
        ref float M = ref MemoryMarshal.GetReference(m);
        ref float D = ref MemoryMarshal.GetReference(d);
        int width = Vector<float>.Count;
        int j = 0;
        for (; j + 4 * width <= n; j += 4 * width)
        {
            Vector<float> c0 = default, c1 = default, c2 = default, c3 = default;
            for (int p = 0; p < k; p++)
            {
                var a = new Vector<float>(Unsafe.Add(ref V, p));
                nuint row = (nuint)(p * stride + j);
                c0 = Vector.FusedMultiplyAdd(a, Vector.LoadUnsafe(ref M, row), c0);
                c1 = Vector.FusedMultiplyAdd(a, Vector.LoadUnsafe(ref M, row + (nuint)width), c1);
                c2 = Vector.FusedMultiplyAdd(a, Vector.LoadUnsafe(ref M, row + (nuint)(2 * width)), c2);
                c3 = Vector.FusedMultiplyAdd(a, Vector.LoadUnsafe(ref M, row + (nuint)(3 * width)), c3);
            }
            Store(c0, ref D, j, add);
            Store(c1, ref D, j + width, add);
            Store(c2, ref D, j + 2 * width, add);
            Store(c3, ref D, j + 3 * width, add);
        }
        for (; j + width <= n; j += width)
        {
            Vector<float> c = default;
            for (int p = 0; p < k; p++)
                c = Vector.FusedMultiplyAdd(new Vector<float>(Unsafe.Add(ref V, p)), Vector.LoadUnsafe(ref M, (nuint)(p * stride + j)), c);
            Store(c, ref D, j, add);
        }
        for (; j < n; j++)
        {
            float sum = 0;
            for (int p = 0; p < k; p++)
                sum = MathF.FusedMultiplyAdd(Unsafe.Add(ref V, p), Unsafe.Add(ref M, p * stride + j), sum);
            ref float target = ref Unsafe.Add(ref D, j);
            target = add ? target + sum : sum;
        }
    }

    private static void Store(Vector<float> sum, ref float d, int j, bool add) =>
        (add ? Vector.LoadUnsafe(ref d, (nuint)j) + sum : sum).StoreUnsafe(ref d, (nuint)j);

    // One activation over a gate, in place.
    private static void Activate(RecurrentActivation activation, Span<float> v)
    {
        float alpha = activation.Alpha, beta = activation.Beta;
        switch (activation.Function)
        {
            case RecurrentFunction.Sigmoid:
                if (!v.IsEmpty)
                    TensorPrimitives.Sigmoid(v, v);
                break;
            case RecurrentFunction.Tanh:
                TensorPrimitives.Tanh(v, v);
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
