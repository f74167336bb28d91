using System;
using System.Collections.Generic;
using System.IO;

namespace TypedModels.Build;

/// <summary>
/// The graph half of the reader, used only for models whose backend may be compiled: nodes with their attributes,
/// and initializers with their data as little-endian bytes. Weights are read only while their total stays under
/// the limit; past it, the rest is seeked past (as for a signature alone) and the graph is refused with the total.
/// A graph attribute (an <c>If</c>'s branches) is read whole, recursively: its bytes are its node's, counted once.
/// </summary>
internal sealed partial class OnnxSignatureReader
{
    private const int NodeInput = 1, NodeOutput = 2, NodeName = 3, NodeOpType = 4, NodeAttributeField = 5, NodeDomain = 7;
    private const int AttrName = 1, AttrFloat = 2, AttrInt = 3, AttrString = 4, AttrTensor = 5, AttrGraph = 6, AttrFloats = 7, AttrInts = 8, AttrType = 20;
    private const int TensorDims = 1, TensorDataType = 2, TensorFloatData = 4, TensorInt32Data = 5, TensorInt64Data = 7,
        TensorRawData = 9, TensorDoubleData = 10, TensorUInt64Data = 11, TensorDataLocation = 14;

    private int _graphDepth;

    private sealed class GraphBuilder(long limit)
    {
        // The graph being read: the model's, or a subgraph's while one is (ReadSubgraph swaps them).
        public List<GraphNode> Nodes = new();
        public List<ConstantTensor> Initializers = new();
        public long Bytes;
        private string? _refused;

        /// <summary>Counts a node or initializer of <paramref name="length"/> bytes; false once the graph is over the limit.</summary>
        public bool Take(long length)
        {
            Bytes += length;
            return _refused is null && Bytes <= limit;
        }

        public void Refuse(string reason) => _refused ??= reason;

        public ModelGraph Build()
        {
            string? refused = _refused ?? (Bytes > limit
                ? string.Format(System.Globalization.CultureInfo.InvariantCulture, "its graph and weights take {0:N0} bytes, over the limit of {1:N0} bytes (CompiledWeightLimit)", Bytes, limit)
                : null);
            return refused is null
                ? new ModelGraph(Nodes.ToEquatableArray(), Initializers.ToEquatableArray(), null)
                : new ModelGraph(EquatableArray<GraphNode>.Empty, EquatableArray<ConstantTensor>.Empty, refused);
        }
    }

    private void ReadNode(long end)
    {
        // A subgraph's nodes were counted with the node that holds them.
        if (_graphDepth == 0 && !_graph!.Take(end - _position))
        {
            SeekTo(end);
            return;
        }
        string name = "", op = "", domain = "";
        var inputs = new List<string>();
        var outputs = new List<string>();
        var attributes = new List<NodeAttribute>();
        while (_position < end)
        {
            var (field, wire) = ReadTag(end);
            switch (field)
            {
                case NodeInput when wire == WireBytes: inputs.Add(ReadString(end)); break;
                case NodeOutput when wire == WireBytes: outputs.Add(ReadString(end)); break;
                case NodeName when wire == WireBytes: name = ReadString(end); break;
                case NodeOpType when wire == WireBytes: op = ReadString(end); break;
                case NodeDomain when wire == WireBytes: domain = ReadString(end); break;
                case NodeAttributeField when wire == WireBytes: attributes.Add(ReadAttribute(ReadLengthEnd(end))); break;
                default: Skip(wire, end); break;
            }
        }
        _graph!.Nodes.Add(new GraphNode(name, op, domain, inputs.ToEquatableArray(), outputs.ToEquatableArray(), attributes.ToEquatableArray()));
    }

    private NodeAttribute ReadAttribute(long end)
    {
        string name = "", text = "";
        long type = 0;
        var ints = new List<long>();
        var floats = new List<float>();
        ConstantTensor? tensor = null;
        ModelGraph? graph = null;
        AttributeKind? seen = null;
        while (_position < end)
        {
            var (field, wire) = ReadTag(end);
            switch (field)
            {
                case AttrName when wire == WireBytes: name = ReadString(end); break;
                case AttrType when wire == WireVarint: type = (long)ReadVarint(end); break;
                case AttrFloat when wire == WireFixed32: floats.Add(ReadFloat(end)); seen = AttributeKind.Float; break;
                case AttrInt when wire == WireVarint: ints.Add((long)ReadVarint(end)); seen = AttributeKind.Int; break;
                case AttrString when wire == WireBytes: text = ReadString(end); seen = AttributeKind.String; break;
                case AttrTensor when wire == WireBytes: tensor = ReadTensor(ReadLengthEnd(end), ""); seen = AttributeKind.Tensor; break;
                case AttrGraph when wire == WireBytes: graph = ReadSubgraph(ReadLengthEnd(end)); seen = AttributeKind.Graph; break;
                case AttrFloats: ReadRepeated(wire, end, WireFixed32, () => floats.Add(ReadFloat(end))); seen = AttributeKind.Floats; break;
                case AttrInts: ReadRepeated(wire, end, WireVarint, () => ints.Add((long)ReadVarint(end))); seen = AttributeKind.Ints; break;
                default: Skip(wire, end); break; // lists of strings, tensors or graphs, sparse tensors: no compiled operator takes them
            }
        }
        // The type field is authoritative when present (an empty list sets no value field).
        var kind = type switch
        {
            1 => AttributeKind.Float,
            2 => AttributeKind.Int,
            3 => AttributeKind.String,
            4 => AttributeKind.Tensor,
            5 => AttributeKind.Graph,
            6 => AttributeKind.Floats,
            7 => AttributeKind.Ints,
            0 => seen ?? AttributeKind.Other,
            _ => AttributeKind.Other,
        };
        if (kind == AttributeKind.Graph && graph is null)
            kind = AttributeKind.Other; // typed a graph, but holds none
        return new NodeAttribute(name, kind, ints.ToEquatableArray(), floats.ToEquatableArray(), text,
            kind == AttributeKind.Tensor ? tensor : null, kind == AttributeKind.Graph ? graph : null);
    }

    /// <summary>
    /// A graph attribute's <c>GraphProto</c>: its nodes (recursively), initializers and output names. Its inputs are
    /// not read: an <c>If</c>'s branches have none, and the planner refuses the operators whose bodies do (Loop, Scan).
    /// </summary>
    private ModelGraph ReadSubgraph(long end)
    {
        var builder = _graph!;
        if (_graphDepth >= TypedModels.ModelGraph.MaxDepth)
        {
            // The signature stays readable (for ONNX Runtime); only the compiled backend is refused.
            builder.Refuse($"its subgraphs nest more than {TypedModels.ModelGraph.MaxDepth} deep");
            SeekTo(end);
            return new TypedModels.ModelGraph(EquatableArray<GraphNode>.Empty, EquatableArray<ConstantTensor>.Empty, null);
        }
        var (outerNodes, outerInitializers) = (builder.Nodes, builder.Initializers);
        (builder.Nodes, builder.Initializers) = (new List<GraphNode>(), new List<ConstantTensor>());
        var outputs = new List<string>();
        _graphDepth++;
        try
        {
            while (_position < end)
            {
                var (field, wire) = ReadTag(end);
                switch (field)
                {
                    case GraphNodeField when wire == WireBytes: ReadNode(ReadLengthEnd(end)); break;
                    case GraphInitializer when wire == WireBytes: builder.Initializers.Add(ReadTensor(ReadLengthEnd(end), "")); break;
                    case GraphOutput when wire == WireBytes: outputs.Add(ReadValueInfo(ReadLengthEnd(end)).Name); break;
                    case GraphSparseInitializer: builder.Refuse("a subgraph has sparse initializers"); Skip(wire, end); break;
                    default: Skip(wire, end); break;
                }
            }
            return new ModelGraph(builder.Nodes.ToEquatableArray(), builder.Initializers.ToEquatableArray(), null, outputs.ToEquatableArray());
        }
        finally
        {
            _graphDepth--;
            (builder.Nodes, builder.Initializers) = (outerNodes, outerInitializers);
        }
    }

    private ConstantTensor ReadInitializer(long end)
    {
        if (_graph!.Take(end - _position))
        {
            var tensor = ReadTensor(end, "");
            _graph.Initializers.Add(tensor);
            return tensor;
        }
        // Over the limit: only the name is needed (to tell initializers from inputs), the data is seeked past.
        string name = ReadTensorName(end);
        return new ConstantTensor(name, "", EquatableArray<long>.Empty, "");
    }

    private ConstantTensor ReadTensor(long end, string name)
    {
        long dataType = 0;
        var dims = new List<long>();
        var data = new MemoryStream();
        while (_position < end)
        {
            var (field, wire) = ReadTag(end);
            switch (field)
            {
                case TensorName when wire == WireBytes: name = ReadString(end); break;
                case TensorDims: ReadRepeated(wire, end, WireVarint, () => dims.Add((long)ReadVarint(end))); break;
                case TensorDataType when wire == WireVarint: dataType = (long)ReadVarint(end); break;
                case TensorRawData when wire == WireBytes: ReadBytes(ReadLengthEnd(end), data); break;
                case TensorFloatData: ReadRepeated(wire, end, WireFixed32, () => ReadBytes(Checked(_position + 4, end), data)); break;
                case TensorDoubleData: ReadRepeated(wire, end, WireFixed64, () => ReadBytes(Checked(_position + 8, end), data)); break;
                case TensorInt32Data: ReadRepeated(wire, end, WireVarint, () => WriteLittleEndian(data, ReadVarint(end), ElementSize(dataType))); break;
                case TensorInt64Data: ReadRepeated(wire, end, WireVarint, () => WriteLittleEndian(data, ReadVarint(end), 8)); break;
                case TensorUInt64Data: ReadRepeated(wire, end, WireVarint, () => WriteLittleEndian(data, ReadVarint(end), ElementSize(dataType))); break;
                case TensorDataLocation when wire == WireVarint:
                    if (ReadVarint(end) == 1)
                        _graph!.Refuse($"the weights of '{name}' are stored in a separate file (external data)");
                    break;
                default: Skip(wire, end); break;
            }
        }
        string type = ElementTypeName(dataType);
        string bytes = ElementSize(dataType) > 0 ? Convert.ToBase64String(data.ToArray()) : "";
        return new ConstantTensor(name, type, dims.ToEquatableArray(), bytes);
    }

    /// <summary>Bytes per element of the types whose data the graph carries; 0 for the others (strings, complex, 4-bit…).</summary>
    private static int ElementSize(long dataType) => dataType switch
    {
        2 or 3 or 9 => 1,
        4 or 5 or 10 or 16 => 2,
        1 or 6 or 12 => 4,
        7 or 11 or 13 => 8,
        _ => 0,
    };

    // A repeated scalar field is packed (one length-delimited run) or not (one tag per value).
    private void ReadRepeated(int wire, long end, int elementWire, Action readOne)
    {
        if (wire == WireBytes && elementWire != WireBytes)
        {
            long stop = ReadLengthEnd(end);
            while (_position < stop)
                readOne();
        }
        else if (wire == elementWire)
        {
            readOne();
        }
        else
        {
            Skip(wire, end);
        }
    }

    private float ReadFloat(long end)
    {
        var bytes = new MemoryStream();
        ReadBytes(Checked(_position + 4, end), bytes);
        return BitConverter.ToSingle(bytes.ToArray(), 0);
    }

    private void ReadBytes(long stop, MemoryStream into)
    {
        var buffer = new byte[Math.Min(4096, Math.Max(1, stop - _position))];
        while (_position < stop)
        {
            int n = _stream.Read(buffer, 0, (int)Math.Min(buffer.Length, stop - _position));
            if (n <= 0)
                throw new InvalidDataException("the file ends inside a tensor's data");
            into.Write(buffer, 0, n);
            _position += n;
        }
    }

    private static void WriteLittleEndian(MemoryStream into, ulong value, int size)
    {
        for (int i = 0; i < size; i++)
            into.WriteByte((byte)(value >> (8 * i)));
    }
}
