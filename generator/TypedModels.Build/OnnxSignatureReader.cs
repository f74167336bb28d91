using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;

namespace TypedModels.Build;

/// <summary>
/// Reads a <see cref="ModelSignature"/> from an ONNX file by scanning the protobuf wire format itself: the few
/// fields a signature needs are read, everything else (<c>node</c>, <c>initializer</c>, <c>value_info</c>) is
/// seeked past. A general protobuf parser skips a field by reading it, which for a model means every weight byte;
/// here a 1 GB model costs the same few hundred bytes as a 1 KB one. No third-party dependency: this runs inside
/// whatever MSBuild loads the task.
/// </summary>
internal sealed partial class OnnxSignatureReader
{
    // Field numbers from onnx.proto.
    private const int ModelIrVersion = 1, ModelProducerName = 2, ModelProducerVersion = 3, ModelDomain = 4,
        ModelVersion = 5, ModelDocString = 6, ModelGraph = 7, ModelOpsetImport = 8;
    private const int GraphNodeField = 1, GraphSparseInitializer = 15, GraphName = 2, GraphInitializer = 5, GraphDocString = 10, GraphInput = 11, GraphOutput = 12;
    private const int TensorName = 8;
    private const int ValueInfoName = 1, ValueInfoType = 2, ValueInfoDocString = 3;
    private const int TypeTensor = 1, TypeSequence = 4, TypeMap = 5, TypeSparseTensor = 8, TypeOptional = 9;
    private const int TensorElemType = 1, TensorShape = 2;
    private const int ShapeDim = 1, DimValue = 1, DimParam = 2;
    private const int OpsetDomain = 1, OpsetVersion = 2;

    // Names and doc strings are small; a length beyond this inside a signature field means the file is not ONNX.
    private const int MaxStringBytes = 16 * 1024 * 1024;
    private const int MaxTypeDepth = 32;

    private readonly Stream _stream;
    private readonly GraphBuilder? _graph;
    private long _position;

    private OnnxSignatureReader(Stream stream, long? graphLimit)
    {
        _stream = stream;
        _graph = graphLimit is { } limit ? new GraphBuilder(limit) : null;
    }

    /// <summary>
    /// Reads the signature of the model in <paramref name="stream"/>, which should be seekable; with
    /// <paramref name="graphLimit"/>, its graph too (nodes and weights), unless they take more than that many bytes.
    /// </summary>
    /// <exception cref="InvalidDataException">The stream is not an ONNX model.</exception>
    public static ModelSignature Read(Stream stream, long? graphLimit = null) => new OnnxSignatureReader(stream, graphLimit).ReadModel(stream.Length);

    private ModelSignature ReadModel(long end)
    {
        long irVersion = 0, modelVersion = 0;
        string producer = "", producerVersion = "", domain = "", doc = "";
        GraphSignature? graph = null;
        var opsets = new List<OpsetImport>();
        while (_position < end)
        {
            var (field, wire) = ReadTag(end);
            switch (field)
            {
                case ModelIrVersion when wire == WireVarint: irVersion = (long)ReadVarint(end); break;
                case ModelProducerName when wire == WireBytes: producer = ReadString(end); break;
                case ModelProducerVersion when wire == WireBytes: producerVersion = ReadString(end); break;
                case ModelDomain when wire == WireBytes: domain = ReadString(end); break;
                case ModelVersion when wire == WireVarint: modelVersion = (long)ReadVarint(end); break;
                case ModelDocString when wire == WireBytes: doc = ReadString(end); break;
                case ModelGraph when wire == WireBytes: graph = ReadGraph(ReadLengthEnd(end)); break;
                case ModelOpsetImport when wire == WireBytes: opsets.Add(ReadOpset(ReadLengthEnd(end))); break;
                default: Skip(wire, end); break;
            }
        }
        if (graph is null || irVersion <= 0)
            throw new InvalidDataException("it has no graph or no IR version, so it is not an ONNX model");
        // Old exporters list initializers among the inputs too; they have defaults and are not the caller's to give.
        var inputs = graph.Inputs.Where(i => !graph.Initializers.Contains(i.Name));
        return new ModelSignature(irVersion, producer, producerVersion, domain, modelVersion, doc,
            graph.Name, graph.DocString, opsets.ToEquatableArray(), inputs.ToEquatableArray(), graph.Outputs.ToEquatableArray(), _graph?.Build());
    }

    private sealed record GraphSignature(string Name, string DocString, List<TensorSignature> Inputs, List<TensorSignature> Outputs, HashSet<string> Initializers);

    private GraphSignature ReadGraph(long end)
    {
        var graph = new GraphSignature("", "", new List<TensorSignature>(), new List<TensorSignature>(), new HashSet<string>(StringComparer.Ordinal));
        while (_position < end)
        {
            var (field, wire) = ReadTag(end);
            switch (field)
            {
                case GraphName when wire == WireBytes: graph = graph with { Name = ReadString(end) }; break;
                case GraphDocString when wire == WireBytes: graph = graph with { DocString = ReadString(end) }; break;
                case GraphInput when wire == WireBytes: graph.Inputs.Add(ReadValueInfo(ReadLengthEnd(end))); break;
                case GraphOutput when wire == WireBytes: graph.Outputs.Add(ReadValueInfo(ReadLengthEnd(end))); break;
                case GraphInitializer when wire == WireBytes && _graph is not null: graph.Initializers.Add(ReadInitializer(ReadLengthEnd(end)).Name); break;
                case GraphInitializer when wire == WireBytes: graph.Initializers.Add(ReadTensorName(ReadLengthEnd(end))); break;
                case GraphNodeField when wire == WireBytes && _graph is not null: ReadNode(ReadLengthEnd(end)); break;
                case GraphSparseInitializer when _graph is not null: _graph.Refuse("it has sparse initializers"); Skip(wire, end); break;
                default: Skip(wire, end); break; // node, value_info, ...: seeked past
            }
        }
        return graph;
    }

    /// <summary>An initializer's name; its data (raw or packed, before or after the name) is seeked past.</summary>
    private string ReadTensorName(long end)
    {
        string name = "";
        while (_position < end)
        {
            var (field, wire) = ReadTag(end);
            switch (field)
            {
                case TensorName when wire == WireBytes: name = ReadString(end); break;
                default: Skip(wire, end); break;
            }
        }
        return name;
    }

    private TensorSignature ReadValueInfo(long end)
    {
        string name = "", doc = "";
        var type = new TypeInfo(ValueKind.Unknown, "", null, "unknown");
        while (_position < end)
        {
            var (field, wire) = ReadTag(end);
            switch (field)
            {
                case ValueInfoName when wire == WireBytes: name = ReadString(end); break;
                case ValueInfoType when wire == WireBytes: type = ReadType(ReadLengthEnd(end), 0); break;
                case ValueInfoDocString when wire == WireBytes: doc = ReadString(end); break;
                default: Skip(wire, end); break;
            }
        }
        return new TensorSignature(name, type.Kind, type.ElementType, type.Shape, type.Text, doc);
    }

    private sealed record TypeInfo(ValueKind Kind, string ElementType, EquatableArray<Dim>? Shape, string Text);

    private TypeInfo ReadType(long end, int depth)
    {
        if (depth > MaxTypeDepth)
            throw new InvalidDataException("a type is nested too deeply");
        var type = new TypeInfo(ValueKind.Unknown, "", null, "unknown");
        while (_position < end)
        {
            var (field, wire) = ReadTag(end);
            if (wire != WireBytes)
            {
                Skip(wire, end);
                continue;
            }
            switch (field)
            {
                case TypeTensor:
                case TypeSparseTensor:
                    var (element, shape) = ReadTensorType(ReadLengthEnd(end));
                    var kind = field == TypeTensor ? ValueKind.Tensor : ValueKind.SparseTensor;
                    type = new TypeInfo(kind, element, shape, (kind == ValueKind.Tensor ? "tensor(" : "sparse_tensor(") + element + ")");
                    break;
                case TypeSequence:
                case TypeOptional:
                    var inner = ReadWrappedType(ReadLengthEnd(end), depth);
                    // A sequence of tensors keeps its element's type and shape: the client can carry it.
                    type = field == TypeSequence
                        ? inner.Kind == ValueKind.Tensor
                            ? new TypeInfo(ValueKind.Sequence, inner.ElementType, inner.Shape, "seq(" + inner.Text + ")")
                            : new TypeInfo(ValueKind.Sequence, "", null, "seq(" + inner.Text + ")")
                        : new TypeInfo(ValueKind.Optional, "", null, "optional(" + inner.Text + ")");
                    break;
                case TypeMap:
                    type = new TypeInfo(ValueKind.Map, "", null, ReadMapType(ReadLengthEnd(end), depth));
                    break;
                default:
                    Skip(wire, end);
                    break;
            }
        }
        return type;
    }

    private (string Element, EquatableArray<Dim>? Shape) ReadTensorType(long end)
    {
        string element = ElementTypeName(0);
        EquatableArray<Dim>? shape = null;
        while (_position < end)
        {
            var (field, wire) = ReadTag(end);
            if (field == TensorElemType && wire == WireVarint)
                element = ElementTypeName((long)ReadVarint(end));
            else if (field == TensorShape && wire == WireBytes)
                shape = ReadShape(ReadLengthEnd(end));
            else
                Skip(wire, end);
        }
        return (element, shape);
    }

    private EquatableArray<Dim> ReadShape(long end)
    {
        var dims = new List<Dim>();
        while (_position < end)
        {
            var (field, wire) = ReadTag(end);
            if (field == ShapeDim && wire == WireBytes)
                dims.Add(ReadDim(ReadLengthEnd(end)));
            else
                Skip(wire, end);
        }
        return dims.ToEquatableArray();
    }

    private Dim ReadDim(long end)
    {
        var dim = Dim.Unknown;
        while (_position < end)
        {
            var (field, wire) = ReadTag(end);
            if (field == DimValue && wire == WireVarint)
                dim = Dim.Fixed((long)ReadVarint(end));
            else if (field == DimParam && wire == WireBytes)
                dim = ReadString(end) is { Length: > 0 } symbol ? Dim.Named(symbol) : Dim.Unknown;
            else
                Skip(wire, end);
        }
        // A negative dim_value is how some exporters write "unknown".
        return dim.IsFixed || dim.Symbol is not null ? dim : Dim.Unknown;
    }

    private TypeInfo ReadWrappedType(long end, int depth)
    {
        var type = new TypeInfo(ValueKind.Unknown, "", null, "unknown");
        while (_position < end)
        {
            var (field, wire) = ReadTag(end);
            if (field == 1 && wire == WireBytes)
                type = ReadType(ReadLengthEnd(end), depth + 1);
            else
                Skip(wire, end);
        }
        return type;
    }

    private string ReadMapType(long end, int depth)
    {
        string key = ElementTypeName(0), value = "unknown";
        while (_position < end)
        {
            var (field, wire) = ReadTag(end);
            if (field == 1 && wire == WireVarint)
                key = ElementTypeName((long)ReadVarint(end));
            else if (field == 2 && wire == WireBytes)
                value = ReadType(ReadLengthEnd(end), depth + 1).Text;
            else
                Skip(wire, end);
        }
        return "map(" + key + "," + value + ")";
    }

    private OpsetImport ReadOpset(long end)
    {
        string domain = "";
        long version = 0;
        while (_position < end)
        {
            var (field, wire) = ReadTag(end);
            if (field == OpsetDomain && wire == WireBytes)
                domain = ReadString(end);
            else if (field == OpsetVersion && wire == WireVarint)
                version = (long)ReadVarint(end);
            else
                Skip(wire, end);
        }
        return new OpsetImport(domain, version);
    }

    /// <summary>The ONNX name of a <c>TensorProto.DataType</c> value.</summary>
    public static string ElementTypeName(long dataType) => ElementTypes.Name(dataType);

    // --- the wire format ---

    private const int WireVarint = 0, WireFixed64 = 1, WireBytes = 2, WireFixed32 = 5;

    private (int Field, int Wire) ReadTag(long end)
    {
        ulong tag = ReadVarint(end);
        int field = (int)(tag >> 3), wire = (int)(tag & 7);
        if (field <= 0 || tag >> 3 > int.MaxValue || wire is not (WireVarint or WireFixed64 or WireBytes or WireFixed32))
            throw new InvalidDataException($"byte {_position} holds no valid protobuf field");
        return (field, wire);
    }

    private ulong ReadVarint(long end)
    {
        ulong value = 0;
        for (int shift = 0; shift < 64; shift += 7)
        {
            if (_position >= end)
                throw new InvalidDataException("a number runs past the end of its message");
            int b = _stream.ReadByte();
            if (b < 0)
                throw new InvalidDataException("the file ends inside a number");
            _position++;
            value |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
                return value;
        }
        throw new InvalidDataException("a number is longer than 10 bytes");
    }

    private long ReadLengthEnd(long end)
    {
        ulong length = ReadVarint(end);
        if (length > (ulong)(end - _position))
            throw new InvalidDataException($"a field of {length} bytes at byte {_position} runs past the end of its message");
        return _position + (long)length;
    }

    private string ReadString(long end)
    {
        long stop = ReadLengthEnd(end);
        int length = (int)Math.Min(stop - _position, MaxStringBytes + 1L);
        if (length > MaxStringBytes)
            throw new InvalidDataException("a name or doc string is longer than 16 MB");
        var bytes = new byte[length];
        int read = 0;
        while (read < length)
        {
            int n = _stream.Read(bytes, read, length - read);
            if (n <= 0)
                throw new InvalidDataException("the file ends inside a string");
            read += n;
        }
        _position += length;
        return Encoding.UTF8.GetString(bytes);
    }

    private void Skip(int wire, long end)
    {
        switch (wire)
        {
            case WireVarint: ReadVarint(end); return;
            case WireFixed64: SeekTo(Checked(_position + 8, end)); return;
            case WireFixed32: SeekTo(Checked(_position + 4, end)); return;
            default: SeekTo(ReadLengthEnd(end)); return;
        }
    }

    private long Checked(long target, long end) =>
        target <= end ? target : throw new InvalidDataException("a fixed-size field runs past the end of its message");

    private void SeekTo(long target)
    {
        if (_stream.CanSeek)
        {
            _stream.Seek(target - _position, SeekOrigin.Current);
        }
        else
        {
            var buffer = new byte[4096];
            for (long left = target - _position; left > 0;)
            {
                int n = _stream.Read(buffer, 0, (int)Math.Min(buffer.Length, left));
                if (n <= 0)
                    throw new InvalidDataException("the file ends inside a field");
                left -= n;
            }
        }
        _position = target;
    }
}
