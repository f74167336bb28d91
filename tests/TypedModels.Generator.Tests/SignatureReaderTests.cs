extern alias buildstep;

using System;
using System.IO;
using System.Linq;
using Google.Protobuf;
using TypedModels.SeedModel;
using TypedModels.SeedModel.Onnx;
using Reader = buildstep::TypedModels.Build.OnnxSignatureReader;
using Signature = buildstep::TypedModels.ModelSignature;

namespace TypedModels.Generator.Tests;

public class SignatureReaderTests
{
    [Fact]
    public void Seed_model_signature_equals_a_full_protobuf_parse()
    {
        byte[] bytes = File.ReadAllBytes(TestHelpers.SeedModelPath);
        var model = ModelProto.Parser.ParseFrom(bytes);
        var signature = Reader.Read(new MemoryStream(bytes));

        AssertMatches(model, signature);
        Assert.Equal(["number"], signature.Inputs.Select(i => i.Name));
        Assert.Equal(["hidden", "predictions"], signature.Outputs.Select(o => o.Name));
        Assert.Equal("[batch, 4]", "[" + string.Join(", ", signature.Outputs[0].Shape!.Value.Select(d => d.ToString())) + "]");
    }

    [Fact]
    public void Model_with_odd_types_and_dims_matches_a_full_parse()
    {
        var model = SeedModelWriter.Build(SeedModelTrainer.Train(steps: 1));
        var graph = model.Graph;
        graph.Input.Add(new ValueInfoProto { Name = "x.1 with, comma", Type = Tensor(7, Dim("seq,len"), new TensorShapeProto.Types.Dimension(), Dim(3)) });
        graph.Input.Add(new ValueInfoProto { Name = "scalar", Type = Tensor(9) });
        graph.Output.Add(new ValueInfoProto
        {
            Name = "sequence",
            Type = new TypeProto { SequenceType = new TypeProto.Types.Sequence { ElemType = Tensor(1, Dim(2)) } },
        });
        graph.Output.Add(new ValueInfoProto { Name = "unshaped", Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = 16 } } });
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "ai.onnx.ml", Version = 3 });
        model.ModelVersion = 5;
        model.Domain = "tests";

        byte[] bytes = model.ToByteArray();
        var signature = Reader.Read(new MemoryStream(bytes));

        AssertMatches(ModelProto.Parser.ParseFrom(bytes), signature);
        var sequence = signature.Outputs.Single(o => o.Name == "sequence");
        Assert.Equal("seq(tensor(float))", sequence.TypeText);
        // A sequence of tensors keeps its tensors' element type and shape, which the client's API is made of.
        Assert.Equal(("float", "2"), (sequence.ElementType, string.Join(",", sequence.Shape!.Value)));
        Assert.Null(signature.Outputs.Single(o => o.Name == "unshaped").Shape);
        Assert.Empty(signature.Inputs.Single(i => i.Name == "scalar").Shape!.Value);

        // The text form round-trips exactly, escapes included.
        string text = buildstep::TypedModels.SignatureText.Write(signature);
        Assert.True(buildstep::TypedModels.SignatureText.TryRead(text, out var read, out _));
        Assert.Equal(signature, read);
    }

    [Fact]
    public void Large_initializers_are_seeked_past_not_read()
    {
        var model = SeedModelWriter.Build(SeedModelTrainer.Train(steps: 1));
        const int megabytes = 64;
        model.Graph.Initializer.Add(new TensorProto
        {
            Name = "big",
            DataType = 1,
            Dims = { megabytes * 1024 * 1024 / 4 },
            RawData = ByteString.CopyFrom(new byte[megabytes * 1024 * 1024]),
        });
        byte[] bytes = model.ToByteArray();
        var stream = new CountingStream(new MemoryStream(bytes));

        var signature = Reader.Read(stream);

        Assert.Equal(["hidden", "predictions"], signature.Outputs.Select(o => o.Name));
        Assert.InRange(stream.BytesRead, 1, 2048);
    }

    [Theory]
    [InlineData("")]
    [InlineData("this is a text file, not a model\n")]
    [InlineData("\x08\x08")] // ir_version only: no graph
    public void Files_that_are_not_onnx_are_refused_with_a_reason(string content)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(content);
        var error = Assert.Throws<InvalidDataException>(() => Reader.Read(new MemoryStream(bytes)));
        Assert.NotEmpty(error.Message);
    }

    [Fact]
    public void Truncated_model_is_refused()
    {
        byte[] bytes = File.ReadAllBytes(TestHelpers.SeedModelPath);
        Assert.Throws<InvalidDataException>(() => Reader.Read(new MemoryStream(bytes, 0, bytes.Length / 2)));
    }

    private static TensorShapeProto.Types.Dimension Dim(long value) => new() { DimValue = value };

    private static TensorShapeProto.Types.Dimension Dim(string symbol) => new() { DimParam = symbol };

    private static TypeProto Tensor(int elementType, params TensorShapeProto.Types.Dimension[] dims) => new()
    {
        TensorType = new TypeProto.Types.Tensor { ElemType = elementType, Shape = new TensorShapeProto { Dim = { dims } } },
    };

    private static void AssertMatches(ModelProto model, Signature signature)
    {
        Assert.Equal(model.IrVersion, signature.IrVersion);
        Assert.Equal(model.ProducerName, signature.ProducerName);
        Assert.Equal(model.ProducerVersion, signature.ProducerVersion);
        Assert.Equal(model.Domain, signature.Domain);
        Assert.Equal(model.ModelVersion, signature.ModelVersion);
        Assert.Equal(model.DocString, signature.DocString);
        Assert.Equal(model.Graph.Name, signature.GraphName);
        Assert.Equal(model.Graph.DocString, signature.GraphDocString);
        Assert.Equal(model.OpsetImport.Select(o => (o.Domain, o.Version)), signature.Opsets.Select(o => (o.Domain, o.Version)));
        Assert.Equal(model.Graph.Input.Select(Describe), signature.Inputs.Select(Describe));
        Assert.Equal(model.Graph.Output.Select(Describe), signature.Outputs.Select(Describe));
    }

    private static string Describe(ValueInfoProto value)
    {
        var type = value.Type;
        if (type?.TensorType is not { } tensor)
            return $"{value.Name}|{type?.ValueCase}|{value.DocString}";
        string shape = tensor.Shape is null ? "*" : string.Join(",", tensor.Shape.Dim.Select(d => d.HasDimValue ? d.DimValue.ToString() : d.HasDimParam && d.DimParam.Length > 0 ? d.DimParam : "?"));
        return $"{value.Name}|Tensor|{Reader.ElementTypeName(tensor.ElemType)}|{shape}|{value.DocString}";
    }

    private static string Describe(buildstep::TypedModels.TensorSignature tensor)
    {
        if (tensor.Kind != buildstep::TypedModels.ValueKind.Tensor)
            return $"{tensor.Name}|{tensor.Kind switch { buildstep::TypedModels.ValueKind.Sequence => "SequenceType", var k => k.ToString() }}|{tensor.DocString}";
        string shape = tensor.Shape is not { } dims ? "*" : string.Join(",", dims.Select(d => d.ToString()));
        return $"{tensor.Name}|Tensor|{tensor.ElementType}|{shape}|{tensor.DocString}";
    }

    private sealed class CountingStream(Stream inner) : Stream
    {
        public long BytesRead { get; private set; }

        public override bool CanRead => true;
        public override bool CanSeek => true;
        public override bool CanWrite => false;
        public override long Length => inner.Length;
        public override long Position { get => inner.Position; set => inner.Position = value; }

        public override int Read(byte[] buffer, int offset, int count)
        {
            int n = inner.Read(buffer, offset, count);
            BytesRead += n;
            return n;
        }

        public override long Seek(long offset, SeekOrigin origin) => inner.Seek(offset, origin);
        public override void Flush() { }
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
