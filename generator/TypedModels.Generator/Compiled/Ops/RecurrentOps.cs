using System.Collections.Generic;
using System.Linq;
using TypedModels.Generator.Models;

namespace TypedModels.Generator.Compiled.Ops;

/// <summary>
/// The recurrent operators <c>LSTM</c>, <c>GRU</c> and <c>RNN</c> (opset 7's semantics; 14 added layout, 22 only
/// widened types): forward, reverse or bidirectional, with the optional bias, sequence_lens (int32, read at run time),
/// initial states, LSTM's peepholes and input_forget, GRU's linear_before_reset, clip, and layout 1 (batch-major). The
/// sequence length and the batch may be the client's symbols; the input and hidden sizes come from the weights, whose
/// dims are fixed. The kernels (<c>Kernels.Recurrent.cs</c>) take each direction's W and R transposed: known weights are
/// laid out so here, at build time; weights given at run time are transposed by a step into the node's scratch.
/// Only the default activations compile: the build step does not carry a string-list attribute, so a node with
/// <c>activations</c> is refused before it gets here (the kernels take any of ONNX's list).
/// </summary>
internal sealed class RecurrentOps : Op
{
    public override IReadOnlyList<string> OpTypes => ["LSTM", "GRU", "RNN"];

    public override int SinceOpset => 7;

    public override void Plan(NodeContext node)
    {
        int gates = node.OpType switch { "LSTM" => 4, "GRU" => 3, _ => 1 };
        var x = node.Data(0);
        var w = node.Data(1);
        var r = node.Data(2);
        if (x.Shape.Length != 3)
            throw new Unsupported($"its input X {node.Text(x.Shape)} is not [seq_length, batch_size, input_size] (or batch-major)");
        if (w.Shape.Length != 3 || r.Shape.Length != 3 || w.Shape.Any(d => !d.IsFixed) || r.Shape.Any(d => !d.IsFixed))
            throw new Unsupported($"its weights W {node.Text(w.Shape)} and R {node.Text(r.Shape)} must have three dims, fixed at build time");

        string direction = node.String("direction") is { Length: > 0 } text ? text : "forward";
        if (direction is not ("forward" or "reverse" or "bidirectional"))
            throw new Unsupported($"its direction '{direction}' is none of forward, reverse, bidirectional");
        long directions = direction == "bidirectional" ? 2 : 1;
        Window.Since(node, "layout", 14);
        long layout = node.Int("layout", 0);
        if (layout is not (0 or 1))
            throw new Unsupported($"its layout {layout} is neither 0 nor 1");
        bool batchMajor = layout == 1;

        long hidden = r.Shape[2].Value;
        long input = w.Shape[2].Value;
        long width = gates * hidden;
        if (node.Attribute("hidden_size") is not null && node.Int("hidden_size", 0) != hidden)
            throw new Unsupported($"its hidden_size {node.Int("hidden_size", 0)} is not R's last dim ({hidden})");
        if (hidden < 1)
            throw new Unsupported("its hidden size is not positive");
        if (w.Shape[0].Value != directions || w.Shape[1].Value != width || r.Shape[0].Value != directions || r.Shape[1].Value != width)
        {
            throw new Unsupported($"its weights W {node.Text(w.Shape)} and R {node.Text(r.Shape)} are not [{directions}, {gates}·{hidden}, input_size] " +
                $"and [{directions}, {gates}·{hidden}, {hidden}] for a {direction} {node.OpType}");
        }
        node.Shapes.Same(x.Shape[2], PlanDim.Fixed(input), "its input's last dim and W's");
        PlanDim sequence = x.Shape[batchMajor ? 1 : 0], batch = x.Shape[batchMajor ? 0 : 1];
        var state = batchMajor ? new[] { batch, PlanDim.Fixed(directions), PlanDim.Fixed(hidden) } : [PlanDim.Fixed(directions), batch, PlanDim.Fixed(hidden)];

        Expect(node, 3, "B", [PlanDim.Fixed(directions), PlanDim.Fixed(2 * width)]);
        if (node.Has(4))
        {
            var lengths = node.Data(4, ["int32"]);
            if (lengths.Shape.Length != 1)
                throw new Unsupported($"its sequence_lens {node.Text(lengths.Shape)} is not one length per batch entry");
            node.Shapes.Same(lengths.Shape[0], batch, "its sequence_lens and its batch");
        }
        Expect(node, 5, "initial_h", state);
        bool lstm = node.OpType == "LSTM";
        if (lstm)
        {
            Expect(node, 6, "initial_c", state);
            Expect(node, 7, "P", [PlanDim.Fixed(directions), PlanDim.Fixed(3 * hidden)]);
        }
        else if (node.InputCount > 6)
        {
            throw new Unsupported($"it has {node.InputCount} inputs; {node.OpType} takes 6");
        }

        float clip = float.PositiveInfinity;
        if (node.Attribute("clip") is not null)
        {
            clip = node.Float("clip", 0);
            if (!(clip > 0))
                throw new Unsupported($"its clip {clip} is not a positive threshold");
        }
        bool flag = lstm ? node.Int("input_forget", 0) != 0 : node.OpType == "GRU" && node.Int("linear_before_reset", 0) != 0;

        // The default activations, per direction (a node that names its own never reaches this planner, see above).
        string[] defaults = node.OpType switch { "LSTM" => ["Sigmoid", "Tanh", "Tanh"], "GRU" => ["Sigmoid", "Tanh"], _ => ["Tanh"] };

        int wT = Transposed(node, 1, w, "W transposed");
        int rT = Transposed(node, 2, r, "R transposed");
        var y = batchMajor ? new[] { batch, sequence, PlanDim.Fixed(directions), PlanDim.Fixed(hidden) } : [sequence, PlanDim.Fixed(directions), batch, PlanDim.Fixed(hidden)];
        int yIndex = node.Wants(0) ? node.Output(y, "float", 0) : -1;
        int yH = node.Wants(1) ? node.Output(state, "float", 1) : -1;
        int yC = lstm && node.Wants(2) ? node.Output(state, "float", 2) : -1;
        // The gates, the hidden state, the cell and one more row of working values (Kernels.LSTM and friends); LSTM's
        // for every entry, which it steps together, and room for the input's products of several steps made ahead,
        // about 64 KiB (the whole sequence at batch 1 for a small layer, none past a step's own rows).
        int scratch = node.Scratch(lstm ? [batch, PlanDim.Fixed(width + 3 * hidden)] : [PlanDim.Fixed(width + 3 * hidden)]);
        int projections = -1;
        if (lstm)
        {
            long steps = System.Math.Max(1, ProjectionFloats / width);
            if (sequence.IsFixed)
                steps = System.Math.Min(steps, sequence.Value);
            projections = node.Scratch([PlanDim.Fixed(steps * width)], "projections");
        }
        node.CountWork([sequence, batch, PlanDim.Fixed(directions), PlanDim.Fixed(width)], PlanDim.Fixed(input + hidden));
        node.Step(new RecurrentStep(node.Name, node.OpType, node.Tensor(0), wT, rT, node.Tensor(3), node.Tensor(4), node.Tensor(5),
            lstm ? node.Tensor(6) : -1, lstm ? node.Tensor(7) : -1, yIndex, yH, yC, scratch, sequence, batch, input, hidden, directions,
            direction == "reverse", batchMajor, defaults.ToEquatableArray(), clip, flag, projections));
    }

    /// <summary>LSTM's room for the input's products made ahead of their steps: 16 Ki floats, whole steps of the batch.</summary>
    private const long ProjectionFloats = 16384;

    // An optional float input, when given, of exactly this shape.
    private static void Expect(NodeContext node, int index, string name, PlanDim[] shape)
    {
        if (!node.Has(index))
            return;
        var value = node.Data(index);
        if (!value.Shape.SequenceEqual(shape))
            throw new Unsupported($"its {name} {node.Text(value.Shape)} is not {node.Text(shape)} (or not known to be at compile time)");
    }

    /// <summary>
    /// Input <paramref name="index"/> ([directions, gates·hidden, k]) as [directions, k, gates·hidden]: known weights
    /// transposed now, into static data; weights given at run time transposed by a step into a scratch tensor.
    /// </summary>
    private static int Transposed(NodeContext node, int index, Value weights, string purpose)
    {
        long directions = weights.Shape[0].Value, rows = weights.Shape[1].Value, k = weights.Shape[2].Value;
        var shape = new[] { weights.Shape[0], weights.Shape[2], weights.Shape[1] };
        if (weights.Floats is { } values)
        {
            var transposed = new float[values.Length];
            for (long d = 0; d < directions; d++)
                for (long row = 0; row < rows; row++)
                    for (long column = 0; column < k; column++)
                        transposed[(d * k + column) * rows + row] = values[(d * rows + row) * k + column];
            return node.Constant(node.Node.Inputs[index] + "/" + purpose, new Value("float", shape) { Floats = transposed });
        }
        int target = node.Scratch(shape, purpose);
        node.Step(new TransposeStep(node.Name, "Transpose", node.Tensor(index), weights.Shape.ToEquatableArray(), new long[] { 0, 2, 1 }.ToEquatableArray(), target, "float"));
        return target;
    }
}

/// <summary>
/// <c>Kernels.LSTM</c>, <c>Kernels.GRU</c> or <c>Kernels.RNN</c>: W and R transposed per direction, absent optional
/// inputs and unwanted outputs <c>default</c>, the activations by name (ONNX's order, repeated for a second direction),
/// <see cref="Flag"/> LSTM's input_forget or GRU's linear_before_reset, <see cref="Projections"/> LSTM's room for the
/// input's products made ahead.
/// </summary>
internal sealed record RecurrentStep(string Node, string OpType, int X, int WT, int RT, int B, int SequenceLens, int InitialH, int InitialC, int P,
    int Y, int YH, int YC, int Scratch, PlanDim Sequence, PlanDim Batch, long Input, long Hidden, long Directions, bool Reverse, bool BatchMajor,
    EquatableArray<string> Activations, float Clip, bool Flag, int Projections = -1) : PlanStep(Node, OpType)
{
    private const string Kernels = "global::TypedModels.Compiled.Kernels";

    public override void Emit(StepWriter w)
    {
        var args = new List<(string, string)>
        {
            ("x", w.Tensor(X)), ("wT", w.Tensor(WT)), ("rT", w.Tensor(RT)), ("b", w.Tensor(B)), ("sequenceLens", w.Tensor(SequenceLens)),
            ("initialH", w.Tensor(InitialH)),
        };
        if (OpType == "LSTM")
            args.AddRange([("initialC", w.Tensor(InitialC)), ("p", w.Tensor(P))]);
        args.AddRange([("y", w.Tensor(Y)), ("yH", w.Tensor(YH))]);
        if (OpType == "LSTM")
            args.Add(("yC", w.Tensor(YC)));
        args.AddRange(
        [
            ("scratch", w.Tensor(Scratch)), ("seqLength", StepWriter.Count(Sequence)), ("batch", StepWriter.Count(Batch)),
            ("inputSize", StepWriter.Number(Input)), ("hiddenSize", StepWriter.Number(Hidden)), ("directions", StepWriter.Number(Directions)),
            ("reverse", StepWriter.Bool(Reverse)), ("batchMajor", StepWriter.Bool(BatchMajor)),
        ]);
        string[] names = OpType switch
        {
            "LSTM" => ["f", "g", "h", "backwardF", "backwardG", "backwardH"],
            "GRU" => ["f", "g", "backwardF", "backwardG"],
            _ => ["f", "backwardF"],
        };
        for (int i = 0; i < names.Length; i++)
            args.Add((names[i], $"new {Kernels}.RecurrentActivation({Kernels}.RecurrentFunction.{Activations[i % Activations.Count]})"));
        args.Add(("clip", StepWriter.Float(Clip)));
        if (OpType == "LSTM")
            args.AddRange([("inputForget", StepWriter.Bool(Flag)), ("projections", w.Tensor(Projections))]);
        else if (OpType == "GRU")
            args.Add(("linearBeforeReset", StepWriter.Bool(Flag)));
        w.Call(OpType, [.. args]);
    }
}
