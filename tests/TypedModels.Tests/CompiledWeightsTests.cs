using System;
using System.Linq;
using System.Numerics;
using TypedModels.Compiled;

namespace TypedModels.Tests;

/// <summary>Weights over the literal limit travel as a string of 15 bits a character in the generated code, and come back bit for bit.</summary>
public sealed class CompiledWeightsTests
{
    /// <summary>The generator's packing, written independently: the bytes as one little-endian number, cut into 15-bit digits from the least significant, each at U+4000.</summary>
    private static string Pack(byte[] bytes)
    {
        var number = new BigInteger(bytes, isUnsigned: true, isBigEndian: false);
        var text = new System.Text.StringBuilder();
        for (int i = 0; i < (bytes.Length * 8 + 14) / 15; i++, number >>= 15)
            text.Append((char)(0x4000 + (int)(number & 0x7FFF)));
        return text.ToString();
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(15)]
    [InlineData(1008)]
    public void Weights_decode_every_bit_pattern_the_generator_encodes(int random)
    {
        var generator = new Random(5);
        float[] values = [0f, -0f, float.NaN, float.PositiveInfinity, float.NegativeInfinity, float.Epsilon, -float.MaxValue, 1e-40f,
            .. Enumerable.Range(0, random).Select(_ => BitConverter.Int32BitsToSingle(generator.Next(int.MinValue, int.MaxValue)))];
        var bytes = values.SelectMany(v => BitConverter.GetBytes(v)).ToArray();

        float[] decoded = Kernels.Weights<float>(values.Length, Pack(bytes));

        Assert.Equal(values.Select(BitConverter.SingleToInt32Bits), decoded.Select(BitConverter.SingleToInt32Bits));
    }

    [Fact]
    public void Every_element_width_unpacks_to_its_values()
    {
        long[] longs = [long.MinValue, -1, 0, 1, long.MaxValue, 0x0123456789ABCDEF];
        byte[] small = [0, 1, 127, 128, 255];
        double[] doubles = [Math.PI, -0d, double.NaN, double.Epsilon];

        Assert.Equal(longs, Kernels.Weights<long>(longs.Length, Pack(longs.SelectMany(BitConverter.GetBytes).ToArray())));
        Assert.Equal(small, Kernels.Weights<byte>(small.Length, Pack(small)));
        Assert.Equal(doubles.Select(BitConverter.DoubleToInt64Bits),
            Kernels.Weights<double>(doubles.Length, Pack(doubles.SelectMany(BitConverter.GetBytes).ToArray())).Select(BitConverter.DoubleToInt64Bits));
    }

    [Fact]
    public void Text_the_generator_does_not_write_is_refused()
    {
        string packed = Pack(new byte[8]);
        Assert.Throws<FormatException>(() => Kernels.Weights<float>(2, "not packed"));
        Assert.Throws<FormatException>(() => Kernels.Weights<float>(3, packed));
        Assert.Throws<FormatException>(() => Kernels.Weights<float>(2, packed[..^1] + "!"));
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
