using System;
using Google.Protobuf;
using TypedModels.SeedModel.Onnx;

namespace TypedModels.Conformance;

/// <summary>The conformance run is only as good as its reading of test values and its comparison: both, by hand.</summary>
public sealed class HarnessTests
{
    [Fact]
    public void A_missing_suite_says_where_its_data_comes_from()
    {
        var error = Assert.Throws<System.IO.DirectoryNotFoundException>(() => BackendTest.Discover("/nonexistent/onnx-backend-tests"));
        Assert.Contains("onnx/backend/test/data/node and onnx/backend/test/data/simple from ONNX's repository (github.com/onnx/onnx, commit 6be0677)", error.Message);
    }

    [Fact]
    public void Values_are_read_from_every_field_ONNX_stores_them_in()
    {
        // float16 and the narrow integers travel as int32_data, uint32 as uint64_data, strings as UTF-8 bytes.
        var half = TestTensor.From(new TensorProto { DataType = 10, Dims = { 2 }, Int32Data = { BitConverter.HalfToInt16Bits((Half)1.5f), BitConverter.HalfToInt16Bits((Half)(-2f)) } });
        Assert.Equal([1.5, -2.0], new[] { half.Real(0), half.Real(1) });

        var unsigned = TestTensor.From(new TensorProto { DataType = 12, Dims = { 1 }, Uint64Data = { uint.MaxValue } });
        Assert.Equal(BitConverter.GetBytes(uint.MaxValue), unsigned.Bytes);

        var flags = TestTensor.From(new TensorProto { DataType = 9, Dims = { 3 }, Int32Data = { 1, 0, 1 } });
        Assert.Equal([1, 0, 1], flags.Bytes);

        var raw = TestTensor.From(new TensorProto { DataType = 1, Dims = { 1, 2 }, RawData = ByteString.CopyFrom(BitConverter.GetBytes(3f)).Concat(BitConverter.GetBytes(4f)) });
        Assert.Equal((3.0, 4.0), (raw.Real(0), raw.Real(1)));

        var strings = TestTensor.From(new TensorProto { DataType = 8, Dims = { 2 }, StringData = { ByteString.CopyFromUtf8("日本"), ByteString.Empty } });
        Assert.Equal(["日本", ""], strings.Strings!);

        var bfloat = TestTensor.From(new TensorProto { DataType = 16, Dims = { 1 }, Int32Data = { (int)(BitConverter.SingleToUInt32Bits(-0.5f) >> 16) } });
        Assert.Equal(-0.5, bfloat.Real(0));

        Assert.Throws<NotSupportedException>(() => TestTensor.From(new TensorProto { DataType = 17, Dims = { 1 }, RawData = ByteString.CopyFrom(0) }));
    }

    [Theory]
    [InlineData(100f, 100.1f, true)]      // within rtol 1e-3
    [InlineData(100f, 100.2f, false)]
    [InlineData(0f, 1e-8f, true)]         // within atol 1e-7
    [InlineData(0f, 1e-6f, false)]
    [InlineData(float.NaN, float.NaN, true)]
    [InlineData(float.NaN, 0f, false)]
    [InlineData(float.PositiveInfinity, float.PositiveInfinity, true)]
    [InlineData(float.PositiveInfinity, float.NegativeInfinity, false)]
    public void Floats_compare_with_ONNX_tolerance(float expected, float actual, bool close)
    {
        var want = new TestTensor("y", 1, [1], BitConverter.GetBytes(expected), null);
        var got = new RunOutput("y", 1, [1], BitConverter.GetBytes(actual), null);
        Assert.Equal(close, Tolerance.Compare(got, want) is null);
    }

    [Fact]
    public void Integers_shapes_types_and_sequences_compare_exactly()
    {
        var want = new TestTensor("y", 7, [2], BitConverter.GetBytes(5L).Concat(BitConverter.GetBytes(6L)), null);
        Assert.Null(Tolerance.Compare(new RunOutput("y", 7, [2], want.Bytes, null), want));
        Assert.Equal("values differ", Tolerance.Compare(new RunOutput("y", 7, [2], BitConverter.GetBytes(5L).Concat(BitConverter.GetBytes(7L)), null), want));
        Assert.Equal("shape [1,2], expected [2]", Tolerance.Compare(new RunOutput("y", 7, [1, 2], want.Bytes, null), want));
        Assert.Equal("element type 6, expected 7", Tolerance.Compare(new RunOutput("y", 6, [2], want.Bytes, null), want));

        var element = new RunOutput("s", 7, [2], want.Bytes, null);
        Assert.Null(Tolerance.Compare(new RunOutput("s", 7, [], [], null, [element]), new[] { want }));
        Assert.Equal("1 tensors in the sequence, expected 2", Tolerance.Compare(new RunOutput("s", 7, [], [], null, [element]), new[] { want, want }));
        Assert.Equal("no tensors in the sequence, expected 1", Tolerance.Compare(element, new[] { want }));
    }
}

internal static class ByteArrays
{
    public static byte[] Concat(this byte[] first, byte[] second) => [.. first, .. second];

    public static ByteString Concat(this ByteString first, byte[] second) => ByteString.CopyFrom([.. first.ToByteArray(), .. second]);
}
