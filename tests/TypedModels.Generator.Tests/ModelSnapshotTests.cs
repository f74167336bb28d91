using System.Linq;
using TypedModels.SeedModel;
using TypedModels.SeedModel.Onnx;
using static TypedModels.Generator.Tests.TestHelpers;

namespace TypedModels.Generator.Tests;

/// <summary>Generated source for small models that each cover one concern of real exporters, and one that combines them.</summary>
public class ModelSnapshotTests
{
    [Theory]
    [InlineData("types.onnx")]   // every element type, strings included
    [InlineData("dims.onnx")]    // scalars, shared and fixed dims, an output whose shape is known after running
    [InlineData("names.onnx")]   // names that are not C# identifiers, and clashes with generated members
    public void Fixture(string file)
    {
        var (run, output) = Generate(Compilation(), Item(SignatureOf(FixtureModels.All[file]), modelPath: "models/" + file));

        // names.onnx's clashes are told (TM0015, information); nothing else is reported.
        Assert.Empty(run.Diagnostics.Where(d => d.Id != "TM0015"));
        Assert.Equal(file == "names.onnx", run.Diagnostics.Any());
        AssertCompiles(output);
        Snapshot.Verify(Assert.Single(run.GeneratedTrees).ToString(), "Fixture." + file.Replace(".onnx", ""));
    }

    [Fact]
    public void Docs_are_escaped_and_keep_every_line()
    {
        var model = SeedModelWriter.Build(SeedModelTrainer.Train(steps: 1));
        model.DocString = "Doubles <numbers> & more.\nSecond line.";
        model.Graph.Input[0].DocString = "x < 3 && y > 2";
        var (run, output) = Generate(Compilation(), Item(SignatureOf(model)));

        Assert.Empty(run.Diagnostics);
        AssertCompiles(output);
        Snapshot.Verify(Assert.Single(run.GeneratedTrees).ToString(), "Docs");
    }

    [Fact]
    public void Combined_silero_like_signature()
    {
        // The shape of silero VAD v5: an audio chunk [?, ?] whose dims no length determines, a state [2, ?, 128],
        // a scalar sample rate, and outputs with dims only the run knows; plus a string label and an unsupported output.
        var model = SeedModelWriter.Build(SeedModelTrainer.Train(steps: 1));
        var graph = model.Graph;
        graph.Input.Clear();
        graph.Output.Clear();
        graph.Input.Add(Value("input", 1, Dim(), Dim()));
        graph.Input.Add(Value("state", 1, Dim(2), Dim(), Dim(128)));
        graph.Input.Add(Value("sr", 7));
        graph.Input.Add(Value("label", 8, Dim("batch")));
        graph.Output.Add(Value("output", 1, Dim(), Dim(1)));
        graph.Output.Add(Value("stateN", 1, Dim(2), Dim(), Dim(128)));
        graph.Output.Add(new ValueInfoProto { Name = "scores", Type = new TypeProto { SequenceType = new TypeProto.Types.Sequence() } });
        var (run, output) = Generate(Compilation(), Item(SignatureOf(model), modelPath: "models/silero.onnx"));

        Assert.Equal("TM0006", Assert.Single(run.Diagnostics).Id);
        AssertCompiles(output);
        Snapshot.Verify(Assert.Single(run.GeneratedTrees).ToString(), "Combined");
    }

    private static TensorShapeProto.Types.Dimension Dim() => new();

    private static TensorShapeProto.Types.Dimension Dim(long value) => new() { DimValue = value };

    private static TensorShapeProto.Types.Dimension Dim(string name) => new() { DimParam = name };

    private static ValueInfoProto Value(string name, int type, params TensorShapeProto.Types.Dimension[] dims) => new()
    {
        Name = name,
        Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = type, Shape = new TensorShapeProto { Dim = { dims } } } },
    };
}
