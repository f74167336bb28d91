using System;
using System.Runtime.InteropServices;
using Google.Protobuf;
using TypedModels.SeedModel.Onnx;

namespace TypedModels.SeedModel;

/// <summary>
/// Writes the seed's serving signature as ONNX: input <c>number</c> float [batch, 1], tiled inside the graph
/// to [batch, 2], then two Gemm layers whose outputs are <c>hidden</c> [batch, 4] and <c>predictions</c> [batch, 1];
/// or, as TensorFlow's exporter writes dense layers, each layer a MatMul and an Add of its bias (opset 13).
/// </summary>
public static class SeedModelWriter
{
    public const string Producer = "TypedModels.SeedModel";
    public const string ProducerVersion = "1.0";
    public const long Opset = 17;

    public static byte[] Write(SeedWeights weights) => Build(weights).ToByteArray();

    public static ModelProto Build(SeedWeights weights, bool matMulAdd = false)
    {
        NodeProto[] layers = matMulAdd
            ?
            [
                Node("dense/MatMul", "MatMul", ["features", "dense/kernel"], "dense/product"),
                Node("dense/BiasAdd", "Add", ["dense/product", "dense/bias"], "hidden"),
                Node("dense_1/MatMul", "MatMul", ["hidden", "dense_1/kernel"], "dense_1/product"),
                Node("dense_1/BiasAdd", "Add", ["dense_1/product", "dense_1/bias"], "predictions"),
            ]
            :
            [
                Node("dense", "Gemm", ["features", "dense/kernel", "dense/bias"], "hidden"),
                Node("dense_1", "Gemm", ["hidden", "dense_1/kernel", "dense_1/bias"], "predictions"),
            ];
        var graph = new GraphProto
        {
            Name = "number",
            DocString = "Predicts 2·number; hidden is the first dense layer (the seed's changed prediction tensors).",
            Node = { Node("tile", "Tile", ["number", "tile/repeats"], "features"), layers },
            Initializer =
            {
                new TensorProto { Name = "tile/repeats", DataType = (int)TensorProto.Types.DataType.Int64, Dims = { 2 }, Int64Data = { 1, 2 } },
                FloatTensor("dense/kernel", weights.Kernel1, SeedWeights.Inputs, SeedWeights.Hidden),
                FloatTensor("dense/bias", weights.Bias1, SeedWeights.Hidden),
                FloatTensor("dense_1/kernel", weights.Kernel2, SeedWeights.Hidden, 1),
                FloatTensor("dense_1/bias", weights.Bias2, 1),
            },
            Input = { Value("number", "The numbers to double, one per row.", 1) },
            Output =
            {
                Value("hidden", "The first dense layer's activations.", SeedWeights.Hidden),
                Value("predictions", "2·number, learned.", 1),
            },
        };
        return new ModelProto
        {
            IrVersion = 8,
            OpsetImport = { new OperatorSetIdProto { Domain = "", Version = matMulAdd ? 13 : Opset } },
            ProducerName = Producer,
            ProducerVersion = ProducerVersion,
            DocString = "The seed's number model: two linear layers trained to double a number.",
            Graph = graph,
        };
    }

    private static NodeProto Node(string name, string op, string[] inputs, string output) =>
        new() { Name = name, OpType = op, Input = { inputs }, Output = { output } };

    private static TensorProto FloatTensor(string name, float[] values, params long[] dims) => new()
    {
        Name = name,
        DataType = (int)TensorProto.Types.DataType.Float,
        Dims = { dims },
        // raw_data is little-endian, as ONNX requires; every supported .NET platform is little-endian.
        RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(values.AsSpan())),
    };

    private static ValueInfoProto Value(string name, string doc, long width) => new()
    {
        Name = name,
        DocString = doc,
        Type = new TypeProto
        {
            TensorType = new TypeProto.Types.Tensor
            {
                ElemType = (int)TensorProto.Types.DataType.Float,
                Shape = new TensorShapeProto
                {
                    Dim =
                    {
                        new TensorShapeProto.Types.Dimension { DimParam = "batch" },
                        new TensorShapeProto.Types.Dimension { DimValue = width },
                    },
                },
            },
        },
    };
}
