using System;
using System.Collections.Generic;
using System.Linq;
using TypedModels.Compiled;
using TypedModels.Testing;
using static TypedModels.Compiled.Kernels;

namespace TypedModels.Tests;

/// <summary>
/// LSTM, GRU and RNN against a plain reference written from ONNX's equations in double: every direction, both layouts,
/// with and without the bias, initial states, sequence_lens (a full, a short and an empty sequence), LSTM's peepholes,
/// input_forget and clip, GRU's linear_before_reset, and activations beyond the defaults; at sequence 5, batch 3,
/// input 17, hidden 20 (gate rows of 20 to 80 floats: past a vector's width, with a tail). Each gate sums 37 products
/// in float, whose rounding scales with the terms rather than the sum, and five steps carry it on: the outputs stay
/// within <see cref="Ulps"/> ulps of each output's largest magnitude (measured: up to 6, where a clip bounds the outputs
/// below the terms). None of them allocates.
/// </summary>
public sealed class RecurrentKernelTests
{
    private const int Ulps = 8;
    private const int Sequence = 5, Batch = 3, InputSize = 17, Hidden = 20;

    // A long, a short and an empty sequence.
    private static readonly int[] Lengths = [5, 2, 0];

    public static TheoryData<string, bool> Directions() => new()
    {
        { "forward", false },
        { "reverse", false },
        { "bidirectional", false },
        { "forward", true },
        { "reverse", true },
        { "bidirectional", true },
    };

    [Theory]
    [MemberData(nameof(Directions))]
    public void LSTM_matches_the_equations_with_every_optional_input(string direction, bool batchMajor)
    {
        for (int options = 0; options < 16; options++)
        {
            var c = new Case("LSTM", direction, batchMajor, Bias: (options & 1) != 0, Initial: (options & 2) != 0, Peepholes: (options & 4) != 0,
                Lengths: (options & 8) != 0);
            Check(c);
        }
    }

    [Theory]
    [MemberData(nameof(Directions))]
    public void LSTM_couples_its_input_and_forget_gates_and_clips(string direction, bool batchMajor)
    {
        Check(new Case("LSTM", direction, batchMajor, Bias: true, Initial: true, Peepholes: true, Lengths: true, Flag: true));
        Check(new Case("LSTM", direction, batchMajor, Bias: true, Initial: true, Peepholes: false, Lengths: false, Clip: 0.5f));
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    public void LSTM_split_between_threads_gives_the_same_bits_and_allocates_nothing(bool batchMajor, bool bidirectional)
    {
        // Big enough to split (64 steps of 7 entries, 40 → 64, an odd batch: parts of 3 and 4), run on one thread and on
        // every core the machine has; the worker's part must land where the caller's would have.
        const int seq = 64, batch = 7, input = 40, hidden = 64, width = 4 * hidden;
        int d = bidirectional ? 2 : 1;
        var x = Values(seq * batch * input, 1, -1, 1);
        var wT = Values(d * input * width, 2, -0.2, 0.2);
        var rT = Values(d * hidden * width, 3, -0.2, 0.2);
        var b = Values(d * 2 * width, 4, -0.5, 0.5);
        var h0 = Values(d * batch * hidden, 5, -1, 1);
        var c0 = Values(d * batch * hidden, 6, -1, 1);
        var sig = new RecurrentActivation(RecurrentFunction.Sigmoid);
        var tanh = new RecurrentActivation(RecurrentFunction.Tanh);
        (float[] Y, float[] YH, float[] YC) Run(int threads)
        {
            var (y, yH, yC) = (new float[seq * d * batch * hidden], new float[d * batch * hidden], new float[d * batch * hidden]);
            var scratch = new float[batch * (width + 3 * hidden)];
            var projections = new float[16384];
            Workers.Limit = threads;
            try
            {
                void Call() => LSTM(x, wT, rT, b, [], h0, c0, [], y, yH, yC, scratch, seq, batch, input, hidden, d, false, batchMajor,
                    sig, tanh, tanh, sig, tanh, tanh, float.PositiveInfinity, false, projections);
                Call();
                // This thread's bytes (other tests run beside this one): the workers run the same code as part 0.
                long before = GC.GetAllocatedBytesForCurrentThread();
                Call();
                Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
                Assert.Equal(Math.Min(threads, Environment.ProcessorCount), Workers.Parts);
            }
            finally
            {
                Workers.Limit = 0;
            }
            return (y, yH, yC);
        }
        var one = Run(1);
        var all = Run(Environment.ProcessorCount);
        Assert.True(one.Y.AsSpan().SequenceEqual(all.Y), "Y");
        Assert.True(one.YH.AsSpan().SequenceEqual(all.YH), "Y_h");
        Assert.True(one.YC.AsSpan().SequenceEqual(all.YC), "Y_c");
        Assert.Contains(one.Y, v => v != 0);
    }

    [Theory]
    [MemberData(nameof(Directions))]
    public void GRU_matches_the_equations_with_and_without_linear_before_reset(string direction, bool batchMajor)
    {
        for (int options = 0; options < 16; options++)
        {
            Check(new Case("GRU", direction, batchMajor, Bias: (options & 1) != 0, Initial: (options & 2) != 0, Peepholes: false,
                Lengths: (options & 4) != 0, Flag: (options & 8) != 0));
        }
        Check(new Case("GRU", direction, batchMajor, Bias: true, Initial: true, Peepholes: false, Lengths: false, Clip: 0.3f));
    }

    [Theory]
    [MemberData(nameof(Directions))]
    public void RNN_matches_the_equations(string direction, bool batchMajor)
    {
        for (int options = 0; options < 8; options++)
        {
            Check(new Case("RNN", direction, batchMajor, Bias: (options & 1) != 0, Initial: (options & 2) != 0, Peepholes: false,
                Lengths: (options & 4) != 0));
        }
        Check(new Case("RNN", direction, batchMajor, Bias: true, Initial: false, Peepholes: false, Lengths: true, Clip: 0.4f));
    }

    [Fact]
    public void The_activations_beyond_the_defaults_follow_their_definitions()
    {
        var functions = Enum.GetValues<RecurrentFunction>();
        for (int i = 0; i < functions.Length; i++)
        {
            var a = Activation(functions[i]);
            var b = Activation(functions[(i + 3) % functions.Length]);
            var c = Activation(functions[(i + 7) % functions.Length]);
            Check(new Case("LSTM", "bidirectional", false, true, true, true, true, Activations: [a, b, c, c, a, b]));
            Check(new Case("GRU", "bidirectional", true, true, true, false, true, Activations: [a, b, b, c]));
            Check(new Case("RNN", "bidirectional", false, true, true, false, true, Activations: [a, c]));
        }
    }

    [Fact]
    public void A_sequence_length_outside_the_sequence_throws()
    {
        var c = new Case("RNN", "forward", false, true, true, false, true);
        var data = new Data(c);
        data.Lengths[1] = Sequence + 1;
        Assert.Throws<ArgumentOutOfRangeException>(() => Run(c, data));
        data.Lengths[1] = -1;
        Assert.Throws<ArgumentOutOfRangeException>(() => Run(c, data));
    }

    [Fact]
    public void The_recurrent_kernels_allocate_nothing()
    {
        var cases = new[]
        {
            new Case("LSTM", "bidirectional", true, true, true, true, true),
            new Case("GRU", "bidirectional", false, true, true, false, true, Flag: true),
            new Case("RNN", "reverse", false, true, true, false, true),
        };
        var data = cases.Select(c => new Data(c)).ToArray();
        long allocated = Allocations.PerLoop(warmUp: 3, calls: 10, i =>
        {
            for (int k = 0; k < cases.Length; k++)
                Run(cases[k], data[k]);
        });
        Assert.Equal(0, allocated);
    }

    private static RecurrentActivation Activation(RecurrentFunction function) => function switch
    {
        RecurrentFunction.Affine => new(function, 0.7f, -0.2f),
        RecurrentFunction.LeakyRelu => new(function, 0.1f),
        RecurrentFunction.ThresholdedRelu => new(function, 0.05f),
        RecurrentFunction.ScaledTanh => new(function, 1.3f, 0.6f),
        RecurrentFunction.HardSigmoid => new(function, 0.2f, 0.5f),
        RecurrentFunction.Elu => new(function, 0.8f),
        _ => new(function),
    };

    /// <summary>
    /// One configuration. <see cref="Flag"/> is LSTM's input_forget or GRU's linear_before_reset; <see cref="Activations"/>
    /// lists each direction's (ONNX's order), the defaults when null.
    /// </summary>
    private sealed record Case(string Op, string Direction, bool BatchMajor, bool Bias, bool Initial, bool Peepholes, bool Lengths,
        bool Flag = false, float Clip = float.PositiveInfinity, RecurrentActivation[]? Activations = null)
    {
        public int Gates => Op switch { "LSTM" => 4, "GRU" => 3, _ => 1 };

        public int Directions => Direction == "bidirectional" ? 2 : 1;

        public RecurrentActivation[] Functions => Activations ?? Enumerable.Repeat(Op switch
        {
            "LSTM" => new RecurrentActivation[] { new(RecurrentFunction.Sigmoid), new(RecurrentFunction.Tanh), new(RecurrentFunction.Tanh) },
            "GRU" => [new(RecurrentFunction.Sigmoid), new(RecurrentFunction.Tanh)],
            _ => [new(RecurrentFunction.Tanh)],
        }, Directions).SelectMany(a => a).ToArray();

        public override string ToString() =>
            $"{Op} {Direction}{(BatchMajor ? " batch-major" : "")}{(Bias ? " bias" : "")}{(Initial ? " initial" : "")}{(Peepholes ? " peepholes" : "")}" +
            $"{(Lengths ? " sequence_lens" : "")}{(Flag ? " flag" : "")}{(float.IsFinite(Clip) ? " clip " + Clip : "")}";
    }

    /// <summary>The inputs of a case (weights in ONNX's layout and transposed as the kernels take them) and its outputs.</summary>
    private sealed class Data
    {
        public Data(Case c)
        {
            int d = c.Directions, width = c.Gates * Hidden, seed = c.ToString().Length;
            X = Values(Sequence * Batch * InputSize, seed, -1, 1);
            W = Values(d * width * InputSize, seed + 1, -0.3, 0.3);
            R = Values(d * width * Hidden, seed + 2, -0.3, 0.3);
            B = c.Bias ? Values(d * 2 * width, seed + 3, -0.5, 0.5) : [];
            InitialH = c.Initial ? Values(d * Batch * Hidden, seed + 4, -1, 1) : [];
            InitialC = c.Initial && c.Op == "LSTM" ? Values(d * Batch * Hidden, seed + 5, -1, 1) : [];
            P = c.Peepholes ? Values(d * 3 * Hidden, seed + 6, -0.5, 0.5) : [];
            Lengths = c.Lengths ? [.. RecurrentKernelTests.Lengths] : [];
            WT = Transpose(W, d, width, InputSize);
            RT = Transpose(R, d, width, Hidden);
            Y = new float[Sequence * d * Batch * Hidden];
            YH = new float[d * Batch * Hidden];
            YC = c.Op == "LSTM" ? new float[d * Batch * Hidden] : [];
            Scratch = new float[width + 3 * Hidden];
            Functions = c.Functions;
        }

        public float[] X, W, R, B, InitialH, InitialC, P, WT, RT, Y, YH, YC, Scratch;
        public float[] Projections = [];
        public RecurrentActivation[] Functions;
        public int[] Lengths;
    }

    private static void Run(Case c, Data data)
    {
        var f = data.Functions;
        bool reverse = c.Direction == "reverse";
        switch (c.Op)
        {
            case "LSTM":
                LSTM(data.X, data.WT, data.RT, data.B, data.Lengths, data.InitialH, data.InitialC, data.P, data.Y, data.YH, data.YC, data.Scratch,
                    Sequence, Batch, InputSize, Hidden, c.Directions, reverse, c.BatchMajor, f[0], f[1], f[2], f[^3], f[^2], f[^1], c.Clip, c.Flag, data.Projections);
                break;
            case "GRU":
                GRU(data.X, data.WT, data.RT, data.B, data.Lengths, data.InitialH, data.Y, data.YH, data.Scratch,
                    Sequence, Batch, InputSize, Hidden, c.Directions, reverse, c.BatchMajor, f[0], f[1], f[^2], f[^1], c.Clip, c.Flag);
                break;
            default:
                RNN(data.X, data.WT, data.RT, data.B, data.Lengths, data.InitialH, data.Y, data.YH, data.Scratch,
                    Sequence, Batch, InputSize, Hidden, c.Directions, reverse, c.BatchMajor, f[0], f[^1], c.Clip);
                break;
        }
    }

    private static void Check(Case c)
    {
        var data = new Data(c);
        // Garbage in the outputs and the scratch: the kernels must write every element they own.
        Array.Fill(data.Y, float.NaN);
        Array.Fill(data.YH, float.NaN);
        Array.Fill(data.YC, float.NaN);
        Array.Fill(data.Scratch, float.NaN);
        Run(c, data);
        var (y, yH, yC) = Reference(c, data);
        PoolKernelTests.AssertClose(y, data.Y, Ulps, $"{c}: Y");
        PoolKernelTests.AssertClose(yH, data.YH, Ulps, $"{c}: Y_h");
        if (c.Op == "LSTM")
            PoolKernelTests.AssertClose(yC, data.YC, Ulps, $"{c}: Y_c");

        // Without Y the final states are the same.
        var alone = new Data(c);
        alone.Y = [];
        Run(c, alone);
        Assert.Equal(data.YH, alone.YH);
        Assert.Equal(data.YC, alone.YC);

        // LSTM steps every entry together when the scratch holds a row of working values for each and the lengths are
        // one, and makes the input's products of several steps ahead when it is given room: the same bits either way,
        // with room for every step, for two (a last chunk of one) or for less than a step (none made ahead).
        if (c.Op != "LSTM")
            return;
        int width = 4 * Hidden;

        // The default LSTM takes a one-pass cell; a clip no value reaches takes the general one: the same bits.
        if (!c.Peepholes && !c.Flag && !float.IsFinite(c.Clip))
        {
            var general = new Data(c);
            Run(c with { Clip = float.MaxValue }, general);
            Assert.True(data.Y.AsSpan().SequenceEqual(general.Y), $"{c}: Y through the one-pass cell and the general one");
            Assert.True(data.YC.AsSpan().SequenceEqual(general.YC), $"{c}: Y_c through the one-pass cell and the general one");
        }
        foreach (int steps in new[] { Sequence, 2, 0 })
        {
            var together = new Data(c) { Scratch = new float[Batch * (width + 3 * Hidden)], Projections = new float[steps * Batch * width + (steps == 0 ? width : 0)] };
            Array.Fill(together.Y, float.NaN);
            Array.Fill(together.Scratch, float.NaN);
            Array.Fill(together.Projections, float.NaN);
            Run(c, together);
            Assert.True(data.Y.AsSpan().SequenceEqual(together.Y), $"{c}: Y stepping together, {steps} steps ahead");
            Assert.True(data.YH.AsSpan().SequenceEqual(together.YH), $"{c}: Y_h stepping together, {steps} steps ahead");
            Assert.True(data.YC.AsSpan().SequenceEqual(together.YC), $"{c}: Y_c stepping together, {steps} steps ahead");
        }
    }

    // --- the reference: ONNX's equations in double, one entry and one step at a time ---

    private static (double[] Y, double[] YH, double[] YC) Reference(Case c, Data data)
    {
        int directions = c.Directions, gates = c.Gates, width = gates * Hidden;
        var y = new double[data.Y.Length];
        var yH = new double[data.YH.Length];
        var yC = new double[data.YH.Length];
        var f = c.Functions;
        int perDirection = f.Length / directions;
        for (int d = 0; d < directions; d++)
        {
            bool backward = d == 1 || c.Direction == "reverse";
            var act = f.Skip(d * perDirection).Take(perDirection).ToArray();
            for (int n = 0; n < Batch; n++)
            {
                int length = c.Lengths ? data.Lengths[n] : Sequence;
                var h = new double[Hidden];
                var cell = new double[Hidden];
                for (int j = 0; j < Hidden; j++)
                {
                    h[j] = c.Initial ? data.InitialH[StateIndex(c, d, n, j)] : 0;
                    cell[j] = c.Initial && c.Op == "LSTM" ? data.InitialC[StateIndex(c, d, n, j)] : 0;
                }
                for (int s = 0; s < length; s++)
                {
                    int t = backward ? length - 1 - s : s;
                    var x = new double[InputSize];
                    for (int k = 0; k < InputSize; k++)
                        x[k] = data.X[(c.BatchMajor ? n * Sequence + t : t * Batch + n) * InputSize + k];
                    // Row g of W·x and R·h for direction d.
                    double Wx(int row) => Enumerable.Range(0, InputSize).Sum(k => (double)data.W[(d * width + row) * InputSize + k] * x[k]);
                    double Rv(int row, double[] v) => Enumerable.Range(0, Hidden).Sum(k => (double)data.R[(d * width + row) * Hidden + k] * v[k]);
                    double Wb(int row) => c.Bias ? data.B[d * 2 * width + row] : 0;
                    double Rb(int row) => c.Bias ? data.B[d * 2 * width + width + row] : 0;
                    double Clip(double v) => Math.Min(c.Clip, Math.Max(-c.Clip, v));
                    double P(int gate, int j) => c.Peepholes ? data.P[d * 3 * Hidden + gate * Hidden + j] : 0;
                    var next = new double[Hidden];
                    if (c.Op == "LSTM")
                    {
                        double Pre(int gate, int j) => Wx(gate * Hidden + j) + Rv(gate * Hidden + j, h) + Wb(gate * Hidden + j) + Rb(gate * Hidden + j);
                        var newCell = new double[Hidden];
                        for (int j = 0; j < Hidden; j++)
                        {
                            double i = Apply(act[0], Clip(Pre(0, j) + P(0, j) * cell[j]));
                            double fg = c.Flag ? 1 - i : Apply(act[0], Clip(Pre(2, j) + P(2, j) * cell[j]));
                            double g = Apply(act[1], Clip(Pre(3, j)));
                            newCell[j] = fg * cell[j] + i * g;
                            double o = Apply(act[0], Clip(Pre(1, j) + P(1, j) * newCell[j]));
                            next[j] = o * Apply(act[2], newCell[j]);
                        }
                        cell = newCell;
                    }
                    else if (c.Op == "GRU")
                    {
                        var rh = new double[Hidden];
                        var z = new double[Hidden];
                        var r = new double[Hidden];
                        for (int j = 0; j < Hidden; j++)
                        {
                            z[j] = Apply(act[0], Clip(Wx(j) + Rv(j, h) + Wb(j) + Rb(j)));
                            r[j] = Apply(act[0], Clip(Wx(Hidden + j) + Rv(Hidden + j, h) + Wb(Hidden + j) + Rb(Hidden + j)));
                            rh[j] = r[j] * h[j];
                        }
                        for (int j = 0; j < Hidden; j++)
                        {
                            int row = 2 * Hidden + j;
                            double pre = c.Flag ? Wx(row) + r[j] * (Rv(row, h) + Rb(row)) + Wb(row) : Wx(row) + Rv(row, rh) + Rb(row) + Wb(row);
                            next[j] = (1 - z[j]) * Apply(act[1], Clip(pre)) + z[j] * h[j];
                        }
                    }
                    else
                    {
                        for (int j = 0; j < Hidden; j++)
                            next[j] = Apply(act[0], Clip(Wx(j) + Rv(j, h) + Wb(j) + Rb(j)));
                    }
                    h = next;
                    for (int j = 0; j < Hidden; j++)
                        y[OutputIndex(c, t, d, n, j)] = h[j];
                }
                for (int j = 0; j < Hidden; j++)
                {
                    // An empty sequence: LSTM and GRU give zeros (as ONNX Runtime), RNN its initial state.
                    bool zero = length == 0 && c.Op != "RNN";
                    yH[StateIndex(c, d, n, j)] = zero ? 0 : h[j];
                    yC[StateIndex(c, d, n, j)] = zero ? 0 : cell[j];
                }
            }
        }
        return (y, yH, c.Op == "LSTM" ? yC : []);
    }

    private static double Apply(RecurrentActivation a, double x) => a.Function switch
    {
        RecurrentFunction.Sigmoid => 1 / (1 + Math.Exp(-x)),
        RecurrentFunction.Tanh => Math.Tanh(x),
        RecurrentFunction.Relu => Math.Max(x, 0),
        RecurrentFunction.Affine => a.Alpha * x + a.Beta,
        RecurrentFunction.LeakyRelu => x >= 0 ? x : a.Alpha * x,
        RecurrentFunction.ThresholdedRelu => x > a.Alpha ? x : 0,
        RecurrentFunction.ScaledTanh => a.Alpha * Math.Tanh(a.Beta * x),
        RecurrentFunction.HardSigmoid => Math.Min(1, Math.Max(0, a.Alpha * x + a.Beta)),
        RecurrentFunction.Elu => x >= 0 ? x : a.Alpha * (Math.Exp(x) - 1),
        RecurrentFunction.Softsign => x / (1 + Math.Abs(x)),
        RecurrentFunction.Softplus => Math.Log(1 + Math.Exp(x)),
        _ => throw new ArgumentOutOfRangeException(nameof(a)),
    };

    private static int StateIndex(Case c, int d, int n, int j) => (c.BatchMajor ? n * c.Directions + d : d * Batch + n) * Hidden + j;

    private static int OutputIndex(Case c, int t, int d, int n, int j) =>
        (c.BatchMajor ? (n * Sequence + t) * c.Directions + d : (t * c.Directions + d) * Batch + n) * Hidden + j;

    // [directions, rows, k] → [directions, k, rows].
    private static float[] Transpose(float[] w, int directions, int rows, int k)
    {
        var t = new float[w.Length];
        for (int d = 0; d < directions; d++)
            for (int row = 0; row < rows; row++)
                for (int column = 0; column < k; column++)
                    t[(d * k + column) * rows + row] = w[(d * rows + row) * k + column];
        return t;
    }

    private static float[] Values(int count, int seed, double low, double high)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, count).Select(_ => (float)(low + random.NextDouble() * (high - low)))];
    }
}
