using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;

namespace TypedModels;

/// <summary>
/// The text form of a <see cref="ModelSignature"/> that the build step writes beside the compilation and the
/// generator reads as an additional file. One record per line, tab-separated fields, with <c>\</c> escapes, e.g.
/// <code>
/// typedmodels-signature	1
/// input	number	tensor	float	[$batch,1]	tensor(float)	The numbers to double.
/// </code>
/// Dims are a number (fixed), <c>$name</c> (symbolic) or <c>?</c> (unknown); a shape is <c>*</c> when the rank is unknown.
/// Writing and reading live in one file so the two halves cannot drift apart.
/// </summary>
internal static class SignatureText
{
    public const string Header = "typedmodels-signature\t1";

    public static string Write(ModelSignature s)
    {
        var text = new StringBuilder();
        text.Append(Header).Append('\n');
        Line(text, "ir_version", Number(s.IrVersion));
        Line(text, "producer", s.ProducerName, s.ProducerVersion);
        Line(text, "domain", s.Domain);
        Line(text, "model_version", Number(s.ModelVersion));
        Line(text, "doc", s.DocString);
        Line(text, "graph", s.GraphName, s.GraphDocString);
        foreach (var opset in s.Opsets)
            Line(text, "opset", opset.Domain, Number(opset.Version));
        foreach (var input in s.Inputs)
            Tensor(text, "input", input);
        foreach (var output in s.Outputs)
            Tensor(text, "output", output);
        if (s.Graph is { } graph)
            Graph(text, graph);
        return text.ToString();
    }

    public static string WriteError(SignatureError error)
    {
        var text = new StringBuilder();
        text.Append(Header).Append('\n');
        Line(text, "error", error.Kind.ToString(), error.Message);
        return text.ToString();
    }

    /// <summary>Parses what <see cref="Write"/> or <see cref="WriteError"/> produced; never throws.</summary>
    public static bool TryRead(string text, out ModelSignature? signature, out SignatureError? error)
    {
        signature = null;
        error = null;
        try
        {
            return Read(text, out signature, out error);
        }
        catch (Exception e) when (e is FormatException or OverflowException or ArgumentException or IndexOutOfRangeException)
        {
            error = new SignatureError(SignatureErrorKind.Unreadable, "the signature file is malformed (" + e.Message + "); rebuild the project");
            return false;
        }
    }

    private static bool Read(string text, out ModelSignature? signature, out SignatureError? error)
    {
        signature = null;
        error = null;
        var lines = text.Replace("\r\n", "\n").Split('\n');
        if (lines.Length == 0 || lines[0] != Header)
            throw new FormatException("unexpected header");

        long irVersion = 0, modelVersion = 0;
        string producer = "", producerVersion = "", domain = "", doc = "", graph = "", graphDoc = "";
        var opsets = new List<OpsetImport>();
        var inputs = new List<TensorSignature>();
        var outputs = new List<TensorSignature>();
        List<GraphNode>? nodes = null;
        List<ConstantTensor>? initializers = null;
        string? refused = null;
        // The graph attributes being read, innermost on top: records go to the innermost one's lists.
        var open = new Stack<(NodeAttribute Attribute, List<GraphNode> Nodes, List<ConstantTensor> Initializers)>();
        List<GraphNode> Nodes() => open.Count > 0 ? open.Peek().Nodes : nodes ??= new();
        List<ConstantTensor> Initializers() => open.Count > 0 ? open.Peek().Initializers : initializers ??= new();
        for (int i = 1; i < lines.Length; i++)
        {
            if (lines[i].Length == 0)
                continue;
            var f = Split(lines[i], '\t');
            switch (f[0])
            {
                case "error":
                    error = new SignatureError((SignatureErrorKind)Enum.Parse(typeof(SignatureErrorKind), f[1]), f[2]);
                    return false;
                case "ir_version": irVersion = ParseLong(f[1]); break;
                case "producer": producer = f[1]; producerVersion = f[2]; break;
                case "domain": domain = f[1]; break;
                case "model_version": modelVersion = ParseLong(f[1]); break;
                case "doc": doc = f[1]; break;
                case "graph": graph = f[1]; graphDoc = f[2]; break;
                case "opset": opsets.Add(new OpsetImport(f[1], ParseLong(f[2]))); break;
                case "input": inputs.Add(ReadTensor(f)); break;
                case "output": outputs.Add(ReadTensor(f)); break;
                case "graph_refused": refused = f[1]; break;
                case "node": Nodes().Add(new GraphNode(f[1], f[2], f[3], ReadNames(f[4]), ReadNames(f[5]), EquatableArray<NodeAttribute>.Empty)); break;
                case "attr":
                    var attribute = ReadAttribute(f);
                    if (attribute.Kind == AttributeKind.Graph)
                    {
                        if (Nodes().Count == 0)
                            throw new FormatException("an attribute before any node");
                        if (open.Count >= ModelGraph.MaxDepth)
                            throw new FormatException($"subgraphs nest more than {ModelGraph.MaxDepth} deep");
                        open.Push((attribute, new(), new()));
                    }
                    else
                    {
                        AddAttribute(Nodes(), attribute);
                    }
                    break;
                case "subgraph_end":
                    if (open.Count == 0)
                        throw new FormatException("a subgraph's end without its start");
                    var (graphAttribute, subNodes, subInitializers) = open.Pop();
                    AddAttribute(Nodes(), graphAttribute with { Graph = graphAttribute.Graph! with { Nodes = subNodes.ToEquatableArray(), Initializers = subInitializers.ToEquatableArray() } });
                    break;
                case "initializer": Initializers().Add(ReadConstant(f[1], f, 2)); break;
                default: throw new FormatException("unknown record '" + f[0] + "'");
            }
        }
        if (open.Count > 0)
            throw new FormatException("a subgraph is not closed");
        signature = new ModelSignature(irVersion, producer, producerVersion, domain, modelVersion, doc, graph, graphDoc,
            opsets.ToEquatableArray(), inputs.ToEquatableArray(), outputs.ToEquatableArray(),
            nodes is null && initializers is null && refused is null ? null
                : new ModelGraph((nodes ?? new()).ToEquatableArray(), (initializers ?? new()).ToEquatableArray(), refused));
        return true;
    }

    // The graph: a record per node, its attributes on the records after it, then the initializers. Lists of names
    // are bracketed (an empty name is an optional input left out); floats are written as their bits, exactly. A graph
    // attribute's record (its output names) is followed by its subgraph's records, written the same way, and a
    // subgraph_end; a model with no subgraph writes none of these.
    private static void Graph(StringBuilder text, ModelGraph graph)
    {
        if (graph.Refused is { } reason)
        {
            Line(text, "graph_refused", reason);
            return;
        }
        // An empty graph still writes a record, so that reading it back gives a graph, not none.
        if (graph.Nodes.Count == 0 && graph.Initializers.Count == 0)
            Line(text, "graph_refused", "its graph has no nodes");
        Body(text, graph);
    }

    private static void Body(StringBuilder text, ModelGraph graph)
    {
        foreach (var node in graph.Nodes)
        {
            Line(text, "node", node.Name, node.OpType, node.Domain, Names(node.Inputs), Names(node.Outputs));
            foreach (var a in node.Attributes)
            {
                switch (a.Kind)
                {
                    case AttributeKind.Int:
                    case AttributeKind.Ints:
                        Line(text, "attr", a.Name, a.Kind.ToString(), string.Join(",", a.Ints.Select(Number)));
                        break;
                    case AttributeKind.Float:
                    case AttributeKind.Floats:
                        Line(text, "attr", a.Name, a.Kind.ToString(), string.Join(",", a.Floats.Select(FloatBits)));
                        break;
                    case AttributeKind.Tensor:
                        Line(text, "attr", a.Name, a.Kind.ToString(), a.Tensor!.ElementType, Dims(a.Tensor.Dims), a.Tensor.Data);
                        break;
                    case AttributeKind.Graph:
                        var subgraph = a.Graph ?? new ModelGraph(EquatableArray<GraphNode>.Empty, EquatableArray<ConstantTensor>.Empty, null);
                        Line(text, "attr", a.Name, a.Kind.ToString(), Names(subgraph.Outputs));
                        Body(text, subgraph);
                        Line(text, "subgraph_end");
                        break;
                    default:
                        Line(text, "attr", a.Name, a.Kind.ToString(), a.Text);
                        break;
                }
            }
        }
        foreach (var t in graph.Initializers)
            Line(text, "initializer", t.Name, t.ElementType, Dims(t.Dims), t.Data);
    }

    private static NodeAttribute ReadAttribute(string[] f)
    {
        var kind = (AttributeKind)Enum.Parse(typeof(AttributeKind), f[2]);
        var none = new NodeAttribute(f[1], kind, EquatableArray<long>.Empty, EquatableArray<float>.Empty, "", null);
        var items = f[3].Length == 0 ? new string[0] : f[3].Split(',');
        return kind switch
        {
            AttributeKind.Int or AttributeKind.Ints => none with { Ints = items.Select(ParseLong).ToEquatableArray() },
            AttributeKind.Float or AttributeKind.Floats => none with { Floats = items.Select(ParseFloatBits).ToEquatableArray() },
            AttributeKind.Tensor => none with { Tensor = ReadConstant(f[1], f, 3) },
            AttributeKind.Graph => none with { Graph = new ModelGraph(EquatableArray<GraphNode>.Empty, EquatableArray<ConstantTensor>.Empty, null, ReadNames(f[3])) },
            _ => none with { Text = f[3] },
        };
    }

    private static void AddAttribute(List<GraphNode> nodes, NodeAttribute attribute)
    {
        if (nodes.Count == 0)
            throw new FormatException("an attribute before any node");
        var node = nodes[nodes.Count - 1];
        nodes[nodes.Count - 1] = node with { Attributes = node.Attributes.Concat(new[] { attribute }).ToEquatableArray() };
    }

    private static ConstantTensor ReadConstant(string name, string[] f, int at) =>
        new(name, f[at], ReadShape(f[at + 1])!.Value.Select(d => d.Value).ToEquatableArray(), f[at + 2]);

    private static string Dims(EquatableArray<long> dims) => "[" + string.Join(",", dims.Select(Number)) + "]";

    private static string Names(EquatableArray<string> names) => "[" + string.Join(",", names.Select(n => Escape(n, commas: true))) + "]";

    private static EquatableArray<string> ReadNames(string field)
    {
        if (field.Length < 2 || field[0] != '[' || field[field.Length - 1] != ']')
            throw new FormatException("bad name list '" + field + "'");
        var body = field.Substring(1, field.Length - 2);
        return body.Length == 0 ? EquatableArray<string>.Empty : Split(body, ',').ToEquatableArray();
    }

    private static string FloatBits(float value) =>
        BitConverter.ToInt32(BitConverter.GetBytes(value), 0).ToString("x8", CultureInfo.InvariantCulture);

    private static float ParseFloatBits(string text) =>
        BitConverter.ToSingle(BitConverter.GetBytes(int.Parse(text, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture)), 0);

    private static void Tensor(StringBuilder text, string record, TensorSignature t) =>
        Line(text, record, t.Name, t.Kind.ToString(), t.ElementType, Shape(t.Shape), t.TypeText, t.DocString);

    private static TensorSignature ReadTensor(string[] f) =>
        new(f[1], (ValueKind)Enum.Parse(typeof(ValueKind), f[2]), f[3], ReadShape(f[4]), f[5], f[6]);

    // Shapes are escaped twice over: dims inside the brackets first, then the whole field as a line field.
    private static string Shape(EquatableArray<Dim>? shape)
    {
        if (shape is not { } dims)
            return "*";
        var parts = new string[dims.Count];
        for (int i = 0; i < parts.Length; i++)
            parts[i] = dims[i].IsFixed ? Number(dims[i].Value) : dims[i].Symbol is { } s ? "$" + Escape(s, commas: true) : "?";
        return "[" + string.Join(",", parts) + "]";
    }

    private static EquatableArray<Dim>? ReadShape(string field)
    {
        if (field == "*")
            return null;
        if (field.Length < 2 || field[0] != '[' || field[field.Length - 1] != ']')
            throw new FormatException("bad shape '" + field + "'");
        var body = field.Substring(1, field.Length - 2);
        if (body.Length == 0)
            return EquatableArray<Dim>.Empty;
        var dims = new List<Dim>();
        foreach (var part in Split(body, ','))
            dims.Add(part == "?" ? Dim.Unknown : part.StartsWith("$", StringComparison.Ordinal) ? Dim.Named(part.Substring(1)) : Dim.Fixed(ParseLong(part)));
        return dims.ToEquatableArray();
    }

    private static void Line(StringBuilder text, string record, params string[] fields)
    {
        text.Append(record);
        foreach (var field in fields)
            text.Append('\t').Append(Escape(field, commas: false));
        text.Append('\n');
    }

    private static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static long ParseLong(string text) => long.Parse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);

    private static string Escape(string value, bool commas)
    {
        var text = new StringBuilder(value.Length);
        foreach (char c in value)
        {
            switch (c)
            {
                case '\\': text.Append("\\\\"); break;
                case '\t': text.Append("\\t"); break;
                case '\n': text.Append("\\n"); break;
                case '\r': text.Append("\\r"); break;
                case ',' when commas: text.Append("\\,"); break;
                default: text.Append(c); break;
            }
        }
        return text.ToString();
    }

    /// <summary>Splits on unescaped <paramref name="separator"/> and removes one level of escapes.</summary>
    private static string[] Split(string line, char separator)
    {
        var fields = new List<string>();
        var field = new StringBuilder();
        for (int i = 0; i < line.Length; i++)
        {
            char c = line[i];
            if (c == '\\' && i + 1 < line.Length)
            {
                char next = line[++i];
                field.Append(next switch { 't' => '\t', 'n' => '\n', 'r' => '\r', _ => next });
            }
            else if (c == separator)
            {
                fields.Add(field.ToString());
                field.Clear();
            }
            else
            {
                field.Append(c);
            }
        }
        fields.Add(field.ToString());
        return fields.ToArray();
    }
}
