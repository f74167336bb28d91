using System;
using System.Collections.Generic;
using System.Linq;
using TypedModels.Generator.Compiled.Ops;

namespace TypedModels.Generator.Compiled;

/// <summary>
/// Every operator the compiled backend runs, one line each. The README's list, the conformance report and TM0011's
/// "it runs …" are all <see cref="Supported"/>, so adding an operator is its file under <c>Ops/</c>, its kernel, and
/// a line here.
/// </summary>
internal static class OpRegistry
{
    private static readonly Op[] All =
    [
        new ConstantOp(),
        new IdentityOps(),
        new CastOps(),
        new ReshapeOps(),
        new TransposeOp(),
        new BinaryOps(),
        new BinaryFunctionOps(),
        new VariadicOps(),
        new UnaryOps(),
        new ReduceOps(),
        new SoftmaxOps(),
        new GemmOp(),
        new MatMulOp(),
        new TileOp(),
        new ConcatOp(),
        new ShapeOps(),
        new GatherOp(),
        new SliceOp(),
        new ExpandOps(),
        new CompareOps(),
        new WhereOp(),
        new ArgOps(),
        new CumSumOp(),
        new GatherElementsOp(),
        new TriluOp(),
        new PadOp(),
        new SplitOp(),
        new ConvOps(),
        new PoolOps(),
        new GlobalPoolOps(),
        new BatchNormalizationOp(),
        new InstanceNormalizationOp(),
        new GroupNormalizationOp(),
        new LrnOp(),
        new LayerNormalizationOp(),
        new RmsNormalizationOp(),
        new RecurrentOps(),
        new ResizeOps(),
        new DepthToSpaceOps(),
        new HardmaxOps(),
        new IfOp(),
    ];

    private static readonly Dictionary<string, Op> ByType = All.SelectMany(op => op.OpTypes.Select(t => (t, op))).ToDictionary(p => p.t, p => p.op, StringComparer.Ordinal);

    /// <summary>The op types the compiled backend runs, sorted.</summary>
    public static IReadOnlyList<string> Supported { get; } = ByType.Keys.OrderBy(t => t, StringComparer.Ordinal).ToArray();

    /// <summary>The operator for an ai.onnx op type; null when none is registered.</summary>
    public static Op? Find(string opType) => ByType.TryGetValue(opType, out var op) ? op : null;
}
