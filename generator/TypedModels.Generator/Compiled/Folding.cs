using System;
using System.Linq;
using TypedModels.Generator.Models;

namespace TypedModels.Generator.Compiled;

/// <summary>
/// Elementwise arithmetic on data known at build time, with numpy broadcasting: how an operator folds a node whose
/// inputs are all constants (exporters compute shapes, axes and masks this way). Integers are computed in 64 bits and
/// wrapped to their type; floats in double and rounded once, which for one +, −, × or ÷ gives float's own result.
/// </summary>
internal static class Folding
{
    /// <summary>For each element of <paramref name="shape"/>, the index of the element of <paramref name="from"/> that broadcasts to it.</summary>
    public static int[] BroadcastIndexes(PlanDim[] from, PlanDim[] shape)
    {
        int rank = shape.Length, offset = rank - from.Length;
        long count = Shapes.Size(shape);
        var indexes = new int[count];
        var strides = new long[rank];
        long stride = 1;
        for (int k = rank - 1; k >= 0; k--)
        {
            bool present = k >= offset && from[k - offset].Value != 1;
            strides[k] = present ? stride : 0;
            if (k >= offset)
                stride *= from[k - offset].Value;
        }
        var index = new long[rank];
        for (long i = 0; i < count; i++)
        {
            long at = 0;
            for (int k = 0; k < rank; k++)
                at += index[k] * strides[k];
            indexes[i] = (int)at;
            for (int k = rank - 1; k >= 0; k--)
            {
                if (++index[k] < shape[k].Value)
                    break;
                index[k] = 0;
            }
        }
        return indexes;
    }

    /// <summary>Whether every input of a fold is known and small enough to compute here (a fold is meant for shapes and masks, not for layers).</summary>
    public static bool CanFold(params Value[] values) => values.All(v => v.IsKnown && v.Count is >= 0 and <= 1 << 20);

    /// <summary>
    /// <paramref name="a"/> op <paramref name="b"/> broadcast to their common shape, into <paramref name="resultType"/>:
    /// integer inputs through <paramref name="integer"/>, the others through <paramref name="real"/>.
    /// </summary>
    public static Value Binary(Value a, Value b, PlanDim[] shape, string resultType, Func<long, long, long> integer, Func<double, double, double> real)
    {
        var ia = BroadcastIndexes(a.Shape, shape);
        var ib = BroadcastIndexes(b.Shape, shape);
        if (a.Longs is { } la && b.Longs is { } lb && a.ElementType is not "uint64")
            return Value.Known(resultType, shape, ia.Select((x, i) => Value.Wrap(resultType, integer(la[x], lb[ib[i]]))).ToArray());
        var da = a.AsDoubles()!;
        var db = b.AsDoubles()!;
        return Value.Known(resultType, shape, ia.Select((x, i) => real(da[x], db[ib[i]])).ToArray());
    }
}
