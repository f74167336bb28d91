using System.Linq;

namespace TypedModels.Tests;

/// <summary>Row-major index arithmetic for the kernel tests' reference loops, written once.</summary>
internal static class RowMajor
{
    /// <summary>The number of elements of <paramref name="shape"/> (1 for a scalar).</summary>
    public static int Size(int[] shape) => shape.Aggregate(1, (p, d) => p * d);

    /// <summary>The coordinates of element <paramref name="flat"/> of a tensor of <paramref name="shape"/>.</summary>
    public static int[] Coordinates(int[] shape, int flat)
    {
        var index = new int[shape.Length];
        for (int k = shape.Length - 1; k >= 0; k--)
        {
            index[k] = flat % shape[k];
            flat /= shape[k];
        }
        return index;
    }

    /// <summary>The element at <paramref name="index"/> of a tensor of <paramref name="shape"/>.</summary>
    public static int Flat(int[] shape, int[] index)
    {
        int offset = 0;
        for (int k = 0; k < shape.Length; k++)
            offset = offset * shape[k] + index[k];
        return offset;
    }
}
