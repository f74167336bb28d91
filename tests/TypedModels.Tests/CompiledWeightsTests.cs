using System;
using System.Linq;
using TypedModels.Compiled;

namespace TypedModels.Tests;

/// <summary>Weights over the literal limit travel as base64 data in the generated code, and come back bit for bit.</summary>
public sealed class CompiledWeightsTests
{
    [Fact]
    public void Weights_decode_every_bit_pattern_the_generator_encodes()
    {
        var random = new Random(5);
        float[] values = [0f, -0f, float.NaN, float.PositiveInfinity, float.NegativeInfinity, float.Epsilon, -float.MaxValue, 1e-40f,
            .. Enumerable.Range(0, 1000).Select(_ => BitConverter.Int32BitsToSingle(random.Next(int.MinValue, int.MaxValue)))];
        // As the generator writes them: little-endian bytes, base64, UTF-8.
        var bytes = values.SelectMany(v => BitConverter.GetBytes(v)).ToArray();
        byte[] text = System.Text.Encoding.UTF8.GetBytes(Convert.ToBase64String(bytes));

        float[] decoded = Kernels.Weights<float>(text);

        Assert.Equal(values.Select(BitConverter.SingleToInt32Bits), decoded.Select(BitConverter.SingleToInt32Bits));
    }

    [Fact]
    public void Text_that_is_not_base64_is_refused()
    {
        Assert.Throws<FormatException>(() => Kernels.Weights<float>("not base64!"u8));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(33)]
    public void A_model_whose_weights_travel_as_data_matches_onnx_runtime(int batch)
    {
        using var compiled = new CompiledMidModel();
        using var onnx = new MidModel(new TypedModelOptions { ExecutionProvider = ExecutionProviderPreference.Cpu });
        var random = new Random(batch);
        float[] x = Enumerable.Range(0, batch * CompiledMidModel.XDim1).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();

        var expected = onnx.Predict(x).Y;
        var actual = compiled.Predict(x).Y;

        Assert.Equal(expected.Shape.ToArray(), actual.Shape.ToArray());
        for (int i = 0; i < expected.Length; i++)
            Assert.Equal(expected[i], actual[i], tolerance: 1e-5f);
    }
}
