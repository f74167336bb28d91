using System.Collections.Generic;
using System.Linq;
using TypedModels.Generator.Models;

namespace TypedModels.Generator.Compiled.Ops;

/// <summary>
/// <c>MaxPool</c>, <c>AveragePool</c> and <c>LpPool</c> over [N, C, D1..Dn] (any n ≥ 1), the output sized here as
/// ONNX's reference sizes it: ⌊(D + pads − extent) / stride⌋ + 1, or with ceil_mode the ceiling, less
/// one where that last window would start in the end padding; auto_pad SAME_UPPER / SAME_LOWER give ⌈D / stride⌉ and
/// the pads that needs, VALID none. Attributes follow each op's versions: MaxPool's storage_order (and its indices
/// output) from opset 8, its ceil_mode and dilations from 10; AveragePool's ceil_mode from 10 and dilations from 19;
/// LpPool's ceil_mode and dilations from 18, and p an int (default 2) since opset 2.
/// </summary>
internal sealed class PoolOps : Op
{
    public override IReadOnlyList<string> OpTypes => ["MaxPool", "AveragePool", "LpPool"];

    public override void Plan(NodeContext node)
    {
        var x = node.Data(0);
        // Over a symbolic length, explicit pads and no ceil_mode give a window count that is a formula of it (the loop
        // below sizes a placeholder length no check refuses; the formula replaces its count).
        var symbolic = Window.AutoPad(node) is "NOTSET" or "VALID" && node.Int("ceil_mode", 0) == 0 ? Window.SymbolicSpatial(x) : null;
        var spatial = symbolic is null ? Window.Spatial(node, x, "N and C") : symbolic.Select(d => d.IsFixed ? d.Value : long.MaxValue / 4).ToArray();
        int n = spatial.Length;
        var (ceilSince, dilationsSince) = node.OpType switch
        {
            "MaxPool" => (10, 10),
            "AveragePool" => (10, 19),
            _ => (18, 18),
        };
        Window.Since(node, "ceil_mode", ceilSince);
        Window.Since(node, "dilations", dilationsSince);
        if (node.OpType == "MaxPool")
            Window.Since(node, "storage_order", 8);

        if (node.Ints("kernel_shape") is null)
            throw new Unsupported("it has no kernel_shape");
        var kernel = Window.PerDim(node, "kernel_shape", n, 1, 1);
        var strides = Window.PerDim(node, "strides", n, 1, 1);
        var dilations = Window.PerDim(node, "dilations", n, 1, 1);
        string autoPad = Window.AutoPad(node);
        var pads = Window.Pads(node, n);
        bool ceil = node.Int("ceil_mode", 0) != 0;

        var begin = new long[n];
        var end = new long[n];
        var output = new long[n];
        for (int i = 0; i < n; i++)
        {
            long extent = (kernel[i] - 1) * dilations[i] + 1;
            if (autoPad is "SAME_UPPER" or "SAME_LOWER")
            {
                // ceil_mode changes nothing here: the pads make the last window end exactly at the padded bound.
                (begin[i], end[i]) = Window.Same(spatial[i], extent, strides[i], upper: autoPad == "SAME_UPPER");
                output[i] = (spatial[i] + strides[i] - 1) / strides[i];
                continue;
            }
            (begin[i], end[i]) = autoPad == "VALID" ? (0L, 0L) : (pads[i], pads[n + i]);
            long span = spatial[i] + begin[i] + end[i] - extent;
            if (span < 0)
                throw new Unsupported($"along spatial dim {i} its dilated kernel ({extent}) is wider than the padded input ({spatial[i] + begin[i] + end[i]})");
            output[i] = span / strides[i] + 1;
            if (ceil && span % strides[i] != 0)
            {
                // The extra window ceil_mode adds is dropped when it would start in the end padding (ONNX's reference
                // and PyTorch; the backend tests' data agree).
                long more = output[i] + 1;
                if ((more - 1) * strides[i] < spatial[i] + begin[i])
                {
                    if (autoPad == "VALID")
                        throw new Unsupported("it sets ceil_mode with auto_pad VALID, which ONNX's reference refuses, and ONNX's spec and ONNX Runtime size differently");
                    output[i] = more;
                }
            }
        }

        long storageOrder = node.Int("storage_order", 0);
        if (storageOrder is not (0 or 1))
            throw new Unsupported($"its storage_order {storageOrder} is neither 0 (row-major) nor 1 (column-major)");
        if (node.OpType == "MaxPool" && node.Wants(1) && node.Opset < 8)
            throw new Unsupported($"it asks for indices, MaxPool's second output from opset 8; the model imports opset {node.Opset}");
        if (node.OpType == "LpPool" && node.Attribute("p") is { Kind: not AttributeKind.Int })
            throw new Unsupported("its p is not an int (LpPool's p is an int from opset 2)");
        long p = node.Int("p", 2);
        if (p < 1)
            throw new Unsupported($"its p {p} is not a positive integer");

        var outputDims = output.Select(PlanDim.Fixed).ToArray();
        for (int i = 0; symbolic is not null && i < n; i++)
        {
            if (!symbolic[i].IsFixed)
                outputDims[i] = Window.Count(node, symbolic[i], begin[i] + end[i] - ((kernel[i] - 1) * dilations[i] + 1), strides[i]);
        }
        var shape = new[] { x.Shape[0], x.Shape[1] }.Concat(outputDims).ToArray();
        int d = node.Output(shape);
        var step = new PoolStep(node.Name, node.OpType, node.Tensor(0), x.Shape.ToEquatableArray(), kernel.ToEquatableArray(), strides.ToEquatableArray(),
            dilations.ToEquatableArray(), begin.Concat(end).ToEquatableArray(), d, shape.ToEquatableArray());
        node.Step(node.OpType switch
        {
            "MaxPool" => step with { Indices = node.Wants(1) ? node.Output(shape, "int64", index: 1) : -1, StorageOrder = storageOrder },
            "AveragePool" => step with { CountIncludePad = node.Int("count_include_pad", 0) != 0 },
            _ => step with { P = p },
        });
    }
}

/// <summary>
/// <c>Kernels.MaxPool</c> (with <see cref="Indices"/>, or <c>default</c> when the model does not use them),
/// <c>Kernels.AveragePool</c> or <c>Kernels.LpPool</c> (the kernel <see cref="Method"/> names, by default the op type), the pads [begin…, end…] and the output shape resolved.
/// </summary>
internal sealed record PoolStep(string Node, string OpType, int X, EquatableArray<PlanDim> XShape, EquatableArray<long> Kernel, EquatableArray<long> Strides,
    EquatableArray<long> Dilations, EquatableArray<long> Pads, int D, EquatableArray<PlanDim> DShape, int Indices = -1, long StorageOrder = 0,
    bool CountIncludePad = false, long P = 2, string? Method = null) : PlanStep(Node, OpType)
{
    public override void Emit(StepWriter w)
    {
        var args = new List<(string, string)>
        {
            ("x", w.Tensor(X)), ("xShape", w.Shape(XShape)), ("kernel", w.Shape(Kernel)), ("strides", w.Shape(Strides)), ("dilations", w.Shape(Dilations)),
            ("pads", w.Shape(Pads)), ("d", w.Tensor(D)), ("dShape", w.Shape(DShape)),
        };
        switch (Method ?? OpType)
        {
            case "MaxPool":
                args.Add(("indices", w.Tensor(Indices)));
                args.Add(("storageOrder", StepWriter.Number(StorageOrder)));
                break;
            case "AveragePool":
                args.Add(("countIncludePad", StepWriter.Bool(CountIncludePad)));
                break;
            default:
                args.Add(("p", StepWriter.Number(P)));
                break;
        }
        w.Call(Method ?? OpType, [.. args]);
    }
}

/// <summary>
/// <c>GlobalAveragePool</c> and <c>GlobalMaxPool</c>: one value per [N, C] plane of any rank ≥ 2, the spatial dims (fixed
/// or symbolic) kept as 1s. <c>GlobalLpPool</c> is LpPool's kernel with the window the whole (fixed) plane.
/// </summary>
internal sealed class GlobalPoolOps : Op
{
    public override IReadOnlyList<string> OpTypes => ["GlobalAveragePool", "GlobalMaxPool", "GlobalLpPool"];

    public override void Plan(NodeContext node)
    {
        var x = node.Data(0);
        if (x.Shape.Length < 2)
            throw new Unsupported($"its input {node.Text(x.Shape)} is not [N, C, …]");
        var shape = x.Shape.Take(2).Concat(Enumerable.Repeat(PlanDim.Fixed(1), x.Shape.Length - 2)).ToArray();
        if (node.OpType == "GlobalLpPool")
        {
            var spatial = x.Shape.Skip(2).ToArray();
            if (spatial.Any(s => !s.IsFixed))
                throw new Unsupported($"its input {node.Text(x.Shape)} has symbolic spatial dims; the compiled GlobalLpPool needs its window fixed");
            if (node.Attribute("p") is { Kind: not AttributeKind.Int })
                throw new Unsupported("its p is not an int (GlobalLpPool's p is an int from opset 2)");
            long p = node.Int("p", 2);
            if (p < 1)
                throw new Unsupported($"its p {p} is not a positive integer");
            var ones = Enumerable.Repeat(1L, spatial.Length).ToEquatableArray();
            node.Step(new PoolStep(node.Name, node.OpType, node.Tensor(0), x.Shape.ToEquatableArray(), spatial.Select(s => s.Value).ToEquatableArray(), ones, ones,
                Enumerable.Repeat(0L, 2 * spatial.Length).ToEquatableArray(), node.Output(shape), shape.ToEquatableArray(), P: p, Method: "LpPool"));
            return;
        }
        int d = node.Output(shape);
        node.Step(new GlobalPoolStep(node.Name, node.OpType, node.Tensor(0), x.Shape.Take(2).ToEquatableArray(), x.Shape.Skip(2).ToEquatableArray(), d));
    }
}

/// <summary><c>Kernels.GlobalAveragePool</c> or <c>GlobalMaxPool</c> over N·C runs of the spatial dims' product.</summary>
internal sealed record GlobalPoolStep(string Node, string OpType, int X, EquatableArray<PlanDim> Planes, EquatableArray<PlanDim> Spatial, int D) : PlanStep(Node, OpType)
{
    public override void Emit(StepWriter w) => w.Call(OpType,
        ("x", w.Tensor(X)), ("channels", StepWriter.Count(Planes)), ("spatial", StepWriter.Count(Spatial)), ("d", w.Tensor(D)));
}
