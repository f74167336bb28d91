using System;
using System.IO;
using System.Linq;
using Microsoft.ML.OnnxRuntime;
using TypedModels.SeedModel;
using TypedModels.Testing;

namespace TypedModels.Tests;

public class FixtureModelTests
{
    private static readonly TypedModelOptions Cpu = new() { ExecutionProvider = ExecutionProviderPreference.Cpu };

    [Fact]
    public void Committed_fixtures_are_what_the_program_writes()
    {
        foreach (var name in FixtureModels.All.Keys)
        {
            // explicit.onnx is embedded instead of copied (see the project file).
            string path = Path.Combine(AppContext.BaseDirectory, name);
            using var committed = File.Exists(path)
                ? File.OpenRead(path)
                : typeof(FixtureModelTests).Assembly.GetManifestResourceStream("TypedModels/" + name)!;
            var bytes = new MemoryStream();
            committed.CopyTo(bytes);
            Assert.Equal(FixtureModels.Write(name), bytes.ToArray());
        }
    }

    [Fact]
    public void Every_element_type_round_trips_through_its_natural_dotnet_type()
    {
        using var model = new TypesModel(Cpu);
        var r = model.Predict(
            xFloat: [1.5f, -2f],
            xUint8: [0, 255],
            xInt8: [-128, 127],
            xUint16: [0, 65535],
            xInt16: [-32768, 32767],
            xInt32: [int.MinValue, int.MaxValue],
            xInt64: [long.MinValue, long.MaxValue],
            xString: ["héllo", ""],
            xBool: [true, false],
            xFloat16: [(Half)0.5f, Half.MaxValue],
            xDouble: [Math.PI, double.Epsilon],
            xUint32: [0, uint.MaxValue],
            xUint64: [0, ulong.MaxValue],
            xBfloat16: [(BFloat16)1.5f, (BFloat16)(-3f)]);

        Assert.Equal([1.5f, -2f], r.YFloat.ToArray());
        Assert.Equal([(byte)0, (byte)255], r.YUint8.ToArray());
        Assert.Equal([(sbyte)-128, (sbyte)127], r.YInt8.ToArray());
        Assert.Equal([(ushort)0, (ushort)65535], r.YUint16.ToArray());
        Assert.Equal([(short)-32768, (short)32767], r.YInt16.ToArray());
        Assert.Equal([int.MinValue, int.MaxValue], r.YInt32.ToArray());
        Assert.Equal([long.MinValue, long.MaxValue], r.YInt64.ToArray());
        Assert.Equal(["héllo", ""], r.YString.ToArray());
        Assert.Equal([true, false], r.YBool.ToArray());
        Assert.Equal([(Half)0.5f, Half.MaxValue], r.YFloat16.ToArray());
        Assert.Equal([Math.PI, double.Epsilon], r.YDouble.ToArray());
        Assert.Equal([0u, uint.MaxValue], r.YUint32.ToArray());
        Assert.Equal([0ul, ulong.MaxValue], r.YUint64.ToArray());
        Assert.Equal([(BFloat16)1.5f, (BFloat16)(-3f)], r.YBfloat16.ToArray());
        Assert.Equal([2L], r.YString.Shape.ToArray());
    }

    [Fact]
    public void Scalars_shared_dims_and_outputs_known_only_after_running()
    {
        using var model = new DimsModel(Cpu);
        float[] a = [1, 2, 3, 4, 5, 6];

        var r = model.Predict(a, b: [1, 0, 2, 0, 0, 0, 3, 4], scale: 2);
        Assert.Equal([2L, 3L], r.Scaled.Shape.ToArray());
        Assert.Equal([2f, 4, 6, 8, 10, 12], r.Scaled.ToArray());
        Assert.Equal([2L, 1L], r.Total.Shape.ToArray());
        Assert.Equal([3f, 7f], r.Total.ToArray());
        // NonZero: row indices then column indices of the 4 non-zero elements of b [2, 4].
        Assert.Equal([2L, 4L], r.Where.Shape.ToArray());
        Assert.Equal([0L, 0, 1, 1, 0, 2, 2, 3], r.Where.ToArray());

        // Same shapes, other values: the data-dependent output takes its new shape.
        r = model.Predict(a, b: [0, 0, 0, 5, 0, 0, 0, 0], scale: 1);
        Assert.Equal([2L, 1L], r.Where.Shape.ToArray());
        Assert.Equal([0L, 3], r.Where.ToArray());
        Assert.Equal(DimsModel.ADim1, 3);
    }

    [Fact]
    public void Repeated_shapes_with_runtime_known_outputs_allocate_nothing()
    {
        using var model = new DimsModel(Cpu);
        float[] a = [1, 2, 3], b = [1, 0, 2, 0];
        float sum = 0;
        Assert.Equal(0, Allocations.PerLoop(warmUp: 10, calls: 1_000, i => sum += model.Predict(a, b, i).Total[0]));
        Assert.True(sum > 0);
    }

    [Fact]
    public void Odd_names_bind_by_their_original_names()
    {
        using var model = new NamesModel(Cpu);
        var r = model.Predict(input0: [1], @class: [2], x1: [3], input53: [4], 日本語Name: [5]);

        Assert.Equal(1, r.OnnxAdd3[0]);
        Assert.Equal(2, r.OnnxAdd32[0]);
        Assert.Equal(3, r.Predict[0]);
        Assert.Equal(4, r.Result2[0]);
        Assert.Equal(5, r.K12[0]);
        Assert.Equal(["onnx::Add_3", "onnx::Add 3", "Predict", "Result", "{\"k\": [1, 2]}"], NamesModel.Descriptor.Outputs.Select(o => o.Name));
    }

    // --- sequences of tensors ---

    [Fact]
    public void Sequences_go_in_as_tensors_with_their_own_shapes_and_come_out_read_from_each_run()
    {
        using var model = new SequencesModel(Cpu);
        var (longer, joined, count) = model.Predict(parts: [new([1f, 2, 3, 4], 2, 2), new([5f, 6], 1, 2)], extra: [7f, 8]);

        Assert.Equal(3L, count[0]);
        Assert.Equal(3, longer.Count);
        Assert.Equal([[2L, 2], [1L, 2], [1L, 2]], Enumerable.Range(0, longer.Count).Select(i => longer[i].Shape.ToArray()));
        Assert.Equal([7f, 8], longer[2].ToArray());
        Assert.Equal([4L, 2], joined.Shape.ToArray());
        Assert.Equal([1f, 2, 3, 4, 5, 6, 7, 8], joined.ToArray());

        // A shorter sequence on the next call: nothing of the last one is left over.
        var second = model.Predict(parts: [new([9f, 10], 1, 2)], extra: [11f, 12, 13, 14]);
        Assert.Equal(2L, second.Count[0]);
        Assert.Equal(2, second.Longer.Count);
        Assert.Equal([9f, 10, 11, 12, 13, 14], second.Joined.ToArray());
        Assert.Equal([2L, 2], second.Longer[1].Shape.ToArray());
    }

    [Fact]
    public void A_sequence_tensor_whose_length_does_not_fit_its_shape_is_refused_before_running()
    {
        using var model = new SequencesModel(Cpu);
        var error = Assert.Throws<ArgumentException>(() => model.Predict(parts: [new([1f, 2], 1, 2), new([1f, 2, 3], 2, 2)], extra: [7f, 8]));

        Assert.Equal("parts", error.ParamName);
        Assert.StartsWith("SequencesModel: input 'parts' is a sequence of Float tensors; tensor 1 has shape [2, 2], so it needs 4 elements; 3 elements were given.", error.Message);
        Assert.Equal(2L, model.Predict(parts: [new([1f, 2], 1, 2)], extra: [7f, 8]).Count[0]);
    }

    [Fact]
    public void An_empty_sequence_is_refused_with_the_reason()
    {
        using var model = new SequencesModel(Cpu);
        var error = Assert.Throws<ArgumentException>(() => model.Predict(parts: [], extra: [7f, 8]));

        Assert.Contains("SequencesModel: input 'parts' is a sequence of Float tensors, and ONNX Runtime cannot take an empty sequence as an input", error.Message);
        Assert.Equal(2L, model.Predict(parts: [new([1f, 2], 1, 2)], extra: [7f, 8]).Count[0]);
    }

    [Fact]
    public void A_model_whose_input_is_no_longer_a_sequence_is_refused_at_load()
    {
        string other = Path.Combine(AppContext.BaseDirectory, "types.onnx");
        var error = Assert.Throws<InvalidOperationException>(() => new SequencesModel(other, Cpu));
        Assert.Contains("input 'parts' is missing", error.Message);
        Assert.Equal("parts", Assert.Single(SequencesModel.Descriptor.Inputs, i => i.IsSequence).Name);
        Assert.True(SequencesModel.Descriptor.Outputs[0].IsSequence);
    }
}
