using System;
using System.IO;
using Microsoft.ML.OnnxRuntime.Tensors;
using TypedModels.Bind;
using TypedModels.Load;
using TypedModels.SeedModel;

namespace TypedModels.Tests;

/// <summary>
/// What a call promises a user, in the words of their own code: errors that name the C# parameter and quote the
/// tensor's own dims, dims worked out from lengths, a call gate no throw can leave shut, and where a model comes from.
/// </summary>
public class CallContractTests
{
    private static readonly TypedModelOptions Cpu = new() { ExecutionProvider = ExecutionProviderPreference.Cpu };

    // --- messages ---

    [Fact]
    public void A_fully_fixed_input_needs_exactly_its_size()
    {
        using var model = new ReshapeModel(Cpu);

        var error = Assert.Throws<ArgumentException>(() => model.Predict([1f, 2, 3, 4], [2, 2, 1]));
        Assert.Equal("shape", error.ParamName);
        Assert.StartsWith("ReshapeModel: input 'shape' has shape [2], so it needs exactly 2 elements; 3 elements were given.", error.Message);
    }

    [Fact]
    public void A_length_error_names_the_parameter_and_quotes_the_onnx_name()
    {
        using var model = new NamesModel(Cpu);

        // input:0 fixes n = 2; x.1 (the parameter x1) has 3 elements.
        var error = Assert.Throws<ArgumentException>(() => model.Predict(input0: [1, 2], @class: [1, 2], x1: [1, 2, 3], input53: [1, 2], 日本語Name: [1, 2]));
        Assert.Equal("x1", error.ParamName);
        Assert.StartsWith("NamesModel: input 'x.1' has shape [n] with n = 2, so it needs exactly 2 elements; 3 elements were given.", error.Message);
    }

    [Fact]
    public void A_length_error_quotes_only_the_tensors_own_dims()
    {
        // Silero's shape: input [?, ?], given by the caller, and state [2, ?, 128], inferred from its length.
        var descriptor = new ModelDescriptor("SileroModel", ["input.dim0", "input.dim1", "state.dim1"],
            [
                new TensorDescriptor("input", TensorElementType.Float, [-1, -2]),
                new TensorDescriptor("state", TensorElementType.Float, [2, -3, 128]),
            ],
            [new TensorDescriptor("output", TensorElementType.Float, [-1, 1])],
            ["inputDim0", "inputDim1", null]);
        var resolver = new ShapeResolver(descriptor, 1L << 28);

        var error = Assert.Throws<ArgumentException>(() => resolver.Resolve([512, 255], [1, 512], new long[3]));
        Assert.Equal("state", error.ParamName);
        Assert.StartsWith("SileroModel: input 'state' has shape [2, state.dim1, 128], so it needs a multiple of 256 elements; 255 elements were given.", error.Message);
    }

    [Fact]
    public void A_disposed_client_names_its_class()
    {
        var model = new NumberModel(Cpu);
        model.Dispose();
        Assert.Equal("NumberModel", Assert.Throws<ObjectDisposedException>(() => model.Predict([1f])).ObjectName);

        var compiled = new CompiledNumberModel();
        compiled.Dispose();
        Assert.Equal("CompiledNumberModel", Assert.Throws<ObjectDisposedException>(() => compiled.Predict([1f])).ObjectName);
    }

    // --- dims ---

    [Fact]
    public void The_last_unknown_dim_of_an_input_is_optional_and_worked_out_from_its_length()
    {
        using var model = new ExplicitModel(Cpu);

        var total = model.Predict([1, 2, 3, 4, 5, 6], rows: 2).Total;
        Assert.Equal([2L, 1L], total.Shape.ToArray());
        Assert.Equal([6f, 15f], total.ToArray());

        // Given, it is checked against the length; the error names its parameter's input.
        var error = Assert.Throws<ArgumentException>(() => model.Predict([1, 2, 3, 4, 5, 6], rows: 2, cols: 4));
        Assert.Equal("x", error.ParamName);
        Assert.StartsWith("ExplicitModel: input 'x' has shape [rows, cols] with rows = 2, cols = 4, so it needs exactly 8 elements; 6 elements were given.", error.Message);

        // Left out where the length cannot tell it (rows = 0 empties x): it shapes no output, so any value does.
        Assert.Equal([0L, 1L], model.Predict([], rows: 0).Total.Shape.ToArray());
    }

    [Fact]
    public void A_dim_only_empty_inputs_carry_no_longer_stops_the_call()
    {
        // The generator makes seq no parameter (b's length gives it); with batch = 0, b is empty whatever seq is. The
        // runtime used to refuse the call (seq "cannot be inferred"); the shared rule takes 0, which shapes no output.
        using var model = new DimsModel(Cpu);

        var r = model.Predict(a: [], b: [], scale: 2);
        Assert.Equal([0L, 3L], r.Scaled.Shape.ToArray());
        Assert.Equal([0L, 1L], r.Total.Shape.ToArray());
    }

    [Fact]
    public void A_dim_an_output_needs_is_not_guessed_for_an_empty_input()
    {
        var descriptor = new ModelDescriptor("PairModel", ["n", "m"],
            [new TensorDescriptor("a", TensorElementType.Float, [-1]), new TensorDescriptor("b", TensorElementType.Float, [-1, -2])],
            [new TensorDescriptor("c", TensorElementType.Float, [-2])]);
        var resolver = new ShapeResolver(descriptor, 1L << 28);

        var error = Assert.Throws<ArgumentException>(() => resolver.Resolve([0, 0], default, new long[2]));
        Assert.Equal("PairModel: the dims 'm' (input 'b' [n, m] is empty with n = 0, so its length says nothing of it) cannot be inferred from the inputs' lengths.", error.Message);
    }

    [Fact]
    public void The_generator_and_the_runtime_decide_parameters_by_one_rule()
    {
        // SymbolInference is one source file in both assemblies; this pins what it decides for the shapes the fixtures use.
        Assert.Equal([SymbolRole.Given, SymbolRole.Optional], SymbolInference.Roles([[-1, -2]], 2));                       // explicit: [rows, cols]
        Assert.Equal([SymbolRole.Inferred, SymbolRole.Inferred], SymbolInference.Roles([[-1, 3], [-1, -2], []], 2));       // dims: a, b, scale
        Assert.Equal([SymbolRole.Given, SymbolRole.Optional, SymbolRole.Inferred], SymbolInference.Roles([[-1, -2], [2, -3, 128], []], 3)); // silero
        Assert.Equal([SymbolRole.Given], SymbolInference.Roles([[-1, -1]], 1));                                              // [n, n]: no length gives n
        Assert.Equal([SymbolRole.Given], SymbolInference.Roles([[0, -1]], 1));                                               // [0, n]: always empty
        Assert.Equal([SymbolRole.Inferred, SymbolRole.None], SymbolInference.Roles([[-1]], 2));                              // a symbol of outputs alone
    }

    // --- the call gate ---

    [Fact]
    public void A_throw_while_copying_in_leaves_the_client_usable_from_another_thread()
    {
        using var model = new SequencesModel(Cpu);

        // The sequence is refused while being copied in, after Bind entered the call.
        Assert.Throws<ArgumentException>(() => model.Predict(parts: [new([1f, 2], 1, 2), new([1f, 2, 3], 2, 2)], extra: [7f, 8]));
        // Another thread would be refused if the call had been left entered (the owning thread may re-enter).
        long count = 0;
        Exception? refused = null;
        var other = new System.Threading.Thread(() =>
        {
            try { count = model.Predict(parts: [new([1f, 2], 1, 2)], extra: [7f, 8]).Count[0]; }
            catch (Exception e) { refused = e; }
        });
        other.Start();
        other.Join();
        Assert.Null(refused);
        Assert.Equal(2L, count);
    }

    [Fact]
    public void The_same_sequence_call_twice_gives_the_same_result()
    {
        // Found by a helper: the second call's output sequence held the first call's tensors too (ONNX Runtime wrote
        // into the values IoBinding kept from the last run).
        using var model = new SequencesModel(Cpu);
        for (int call = 0; call < 3; call++)
        {
            var (longer, joined, count) = model.Predict(parts: [new([1f, 2, 3, 4], 2, 2), new([5f, 6], 1, 2)], extra: [7f, 8]);
            Assert.Equal(3L, count[0]);
            Assert.Equal(3, longer.Count);
            Assert.Equal([4L, 2L], joined.Shape.ToArray());
            Assert.Equal([1f, 2, 3, 4, 5, 6, 7, 8], joined.ToArray());
        }
    }

    // --- where a model comes from ---

    [Fact]
    public void A_source_converts_from_a_path_and_bytes_and_refuses_a_session_of_another_client()
    {
        using var fromPath = new NumberModel(SeedModelFile.Path, Cpu);
        using var fromBytes = new NumberModel(File.ReadAllBytes(SeedModelFile.Path), Cpu);
        Assert.Equal(fromPath.Predict([4f]).Predictions[0], fromBytes.Predict([4f]).Predictions[0]);

        using var session = ModelSession.Load(NumberModel.Descriptor, SeedModelFile.Path, Cpu);
        using (var shared = new NumberModel(session))
            Assert.Equal(fromPath.Predict([4f]).Predictions[0], shared.Predict([4f]).Predictions[0]);
        // The client does not own a shared session: it still runs after that client is gone.
        using (var again = new NumberModel(session))
            Assert.Equal(fromPath.Predict([4f]).Predictions[0], again.Predict([4f]).Predictions[0]);

        var other = Assert.Throws<ArgumentException>(() => new CompiledNumberModel(session));
        Assert.Equal("The session was not loaded for CompiledNumberModel but for NumberModel: load it with CompiledNumberModel.Descriptor. (Parameter 'source')", other.Message);
        var options = Assert.Throws<ArgumentException>(() => new NumberModel(session, Cpu));
        Assert.Equal("options", options.ParamName);
    }
}
