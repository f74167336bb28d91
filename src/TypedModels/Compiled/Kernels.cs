using System;
using System.ComponentModel;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace TypedModels.Compiled;

/// <summary>
/// The operators a compiled client calls, on row-major float tensors, with ONNX's semantics. Shapes arrive as
/// spans (the generated code passes <c>stackalloc</c>ed dims), outputs are written into spans of the client's arena:
/// nothing here allocates. Vector work goes through <see cref="TensorPrimitives"/> (SIMD); loops remain where a
/// call per row would cost more than the row (the small dims of the models this backend is for).
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static partial class Kernels
{
    /// <summary>
    /// Unpacks a compiled model's <paramref name="count"/> weights, written by the generator as their little-endian bytes
    /// in a string of 15 bits a character (each the character U+4000 + its bits, least significant first): the
    /// compiler reads one string token and copies it to the image as it is, where it would parse an expression per
    /// weight. Called once per constant, when the generated class is first used.
    /// </summary>
    /// <exception cref="FormatException">The text is not what the generator writes (generated code that was edited).</exception>
    public static T[] Weights<T>(int count, string packed) where T : unmanaged
    {
        if (!BitConverter.IsLittleEndian)
            throw new PlatformNotSupportedException("Compiled models' weights are little-endian; this machine is not.");
        var values = new T[count];
        var bytes = System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan());
        if (packed.Length != (bytes.Length * 8L + 14) / 15)
            throw new FormatException($"A compiled model's weights hold {packed.Length} characters where {count} values take {(bytes.Length * 8L + 14) / 15}; regenerate the client.");
        uint buffer = 0;
        int bits = 0, written = 0;
        foreach (char c in packed)
        {
            uint part = (uint)(c - 0x4000);
            if (part > 0x7FFF)
                throw new FormatException($"A compiled model's weights hold the character U+{(int)c:X4}, which the generator does not write; regenerate the client.");
            buffer |= part << bits;
            for (bits += 15; bits >= 8 && written < bytes.Length; bits -= 8, buffer >>= 8)
                bytes[written++] = (byte)buffer;
        }
        return values;
    }

    /// <summary>
    /// Checks a dim the plan needs within [<paramref name="least"/>, <paramref name="most"/>] (a squeezed symbol must be 1,
    /// a reflected one longer than its pads); <paramref name="message"/> formats the dim it got.
    /// </summary>
    /// <exception cref="ArgumentException">The call's inputs make the dim another value.</exception>
    public static void ExpectDim(int actual, int least, int most, string message)
    {
        if (actual < least || actual > most)
            throw new ArgumentException(string.Format(System.Globalization.CultureInfo.InvariantCulture, message, actual));
    }

    // Below this many elements a TensorPrimitives call costs more than a plain loop over them.
    private const int VectorMinimum = 16;

    /// <summary><c>Add</c> with multidirectional broadcasting.</summary>
    public static void Add(ReadOnlySpan<float> a, ReadOnlySpan<int> aShape, ReadOnlySpan<float> b, ReadOnlySpan<int> bShape, Span<float> d, ReadOnlySpan<int> dShape) =>
        Broadcast<AddOperator>(a, aShape, b, bShape, d, dShape);

    /// <summary><c>Sub</c> with multidirectional broadcasting.</summary>
    public static void Sub(ReadOnlySpan<float> a, ReadOnlySpan<int> aShape, ReadOnlySpan<float> b, ReadOnlySpan<int> bShape, Span<float> d, ReadOnlySpan<int> dShape) =>
        Broadcast<SubtractOperator>(a, aShape, b, bShape, d, dShape);

    /// <summary><c>Mul</c> with multidirectional broadcasting.</summary>
    public static void Mul(ReadOnlySpan<float> a, ReadOnlySpan<int> aShape, ReadOnlySpan<float> b, ReadOnlySpan<int> bShape, Span<float> d, ReadOnlySpan<int> dShape) =>
        Broadcast<MultiplyOperator>(a, aShape, b, bShape, d, dShape);

    /// <summary><c>Div</c> with multidirectional broadcasting.</summary>
    public static void Div(ReadOnlySpan<float> a, ReadOnlySpan<int> aShape, ReadOnlySpan<float> b, ReadOnlySpan<int> bShape, Span<float> d, ReadOnlySpan<int> dShape) =>
        Broadcast<DivideOperator>(a, aShape, b, bShape, d, dShape);

    /// <summary><c>Relu</c>: max(x, 0), NaN kept.</summary>
    public static void Relu(ReadOnlySpan<float> x, Span<float> d) => TensorPrimitives.Max(x, 0f, d);

    /// <summary><c>LeakyRelu</c>: x, or alpha·x where x is negative.</summary>
    public static void LeakyRelu(ReadOnlySpan<float> x, float alpha, Span<float> d)
    {
        for (int i = 0; i < x.Length; i++)
            d[i] = x[i] < 0 ? alpha * x[i] : x[i];
    }

    /// <summary><c>Sigmoid</c>: 1 / (1 + e^-x).</summary>
    public static void Sigmoid(ReadOnlySpan<float> x, Span<float> d)
    {
        // TensorPrimitives.Sigmoid refuses empty spans; an empty batch is a valid call.
        if (!x.IsEmpty)
            TensorPrimitives.Sigmoid(x, d);
    }

    /// <summary><c>Tanh</c>.</summary>
    public static void Tanh(ReadOnlySpan<float> x, Span<float> d) => TensorPrimitives.Tanh(x, d);

    /// <summary>A copy, for an output that is an input or a constant (the result must own its storage).</summary>
    public static void Copy<T>(ReadOnlySpan<T> x, Span<T> d) => x.CopyTo(d);

    /// <summary>
    /// <c>Softmax</c> over <paramref name="axis"/> elements, for each of <paramref name="outer"/> × <paramref name="inner"/>
    /// positions (inner = 1: the axis is the last dim, or the coerced 2-D form of opsets before 13). The maximum is
    /// subtracted first, as ONNX Runtime does, so large inputs do not overflow.
    /// </summary>
    public static void Softmax(ReadOnlySpan<float> x, Span<float> d, int outer, int axis, int inner)
    {
        if (axis == 0)
            return;
        if (inner == 1)
        {
            for (int o = 0; o < outer; o++)
            {
                var row = x.Slice(o * axis, axis);
                var target = d.Slice(o * axis, axis);
                TensorPrimitives.Subtract(row, TensorPrimitives.Max(row), target);
                TensorPrimitives.Exp(target, target);
                TensorPrimitives.Divide(target, TensorPrimitives.Sum(target), target);
            }
            return;
        }
        for (int o = 0; o < outer; o++)
        {
            for (int i = 0; i < inner; i++)
            {
                int start = o * axis * inner + i;
                float max = StridedMax(x, start, axis, inner);
                float sum = 0;
                for (int k = 0; k < axis; k++)
                    sum += d[start + k * inner] = MathF.Exp(x[start + k * inner] - max);
                for (int k = 0; k < axis; k++)
                    d[start + k * inner] /= sum;
            }
        }
    }

    // The largest of count elements from start, stride apart: the softmaxes' shift, which keeps e^x finite.
    private static float StridedMax(ReadOnlySpan<float> x, int start, int count, int stride)
    {
        float max = float.NegativeInfinity;
        for (int k = 0; k < count; k++)
            max = MathF.Max(max, x[start + k * stride]);
        return max;
    }

    /// <summary>
    /// <c>LogSoftmax</c> over <paramref name="axis"/> elements, laid out as <see cref="Softmax"/>'s: x − max − ln Σ e^(x − max),
    /// which stays finite where the softmax itself underflows.
    /// </summary>
    public static void LogSoftmax(ReadOnlySpan<float> x, Span<float> d, int outer, int axis, int inner)
    {
        for (int o = 0; o < outer; o++)
        {
            for (int i = 0; i < inner; i++)
            {
                int start = o * axis * inner + i;
                float max = StridedMax(x, start, axis, inner);
                float sum = 0;
                for (int k = 0; k < axis; k++)
                    sum += MathF.Exp(x[start + k * inner] - max);
                float log = MathF.Log(sum);
                for (int k = 0; k < axis; k++)
                    d[start + k * inner] = x[start + k * inner] - max - log;
            }
        }
    }

    /// <summary>
    /// <c>Gemm</c>: d[M,N] = alpha·A'·B' + beta·C, where A' is A [M,K] (or Aᵀ of [K,M] when <paramref name="transA"/>),
    /// B' is B [K,N] (or Bᵀ of [N,K]), and C (empty when absent) broadcasts from [<paramref name="cRows"/>, <paramref name="cColumns"/>]
    /// with each 1 or the full size.
    /// </summary>
    public static void Gemm(ReadOnlySpan<float> a, ReadOnlySpan<float> b, ReadOnlySpan<float> c, int cRows, int cColumns, Span<float> d,
        int m, int n, int k, bool transA, bool transB, float alpha, float beta)
    {
        MatMul(a, b, d, m, n, k, transA, transB);
        if (alpha != 1f)
            TensorPrimitives.Multiply(d, alpha, d);
        if (c.IsEmpty || beta == 0f)
            return;
        for (int i = 0; i < m; i++)
        {
            var row = d.Slice(i * n, n);
            var bias = c.Slice(cRows == 1 ? 0 : i * cColumns, cColumns);
            if (cColumns == 1)
                TensorPrimitives.Add(row, beta * bias[0], row);
            else if (beta == 1f)
                AddSmall(row, bias, row);
            else
                TensorPrimitives.MultiplyAdd(bias, beta, row, row);
        }
    }

    /// <summary>
    /// <c>MatMul</c>: A [..., M, K] × B [..., K, N] for every index of the batch dims <paramref name="dBatch"/>, which A's and B's
    /// batch dims (<paramref name="aBatch"/>, <paramref name="bBatch"/>) broadcast to as in numpy. Empty batch shapes: one product.
    /// </summary>
    public static void MatMul(ReadOnlySpan<float> a, ReadOnlySpan<int> aBatch, ReadOnlySpan<float> b, ReadOnlySpan<int> bBatch,
        Span<float> d, ReadOnlySpan<int> dBatch, int m, int k, int n)
    {
        int rank = dBatch.Length;
        int batches = 1;
        foreach (int dim in dBatch)
            batches *= dim;
        if (rank == 0 || batches == 0)
        {
            if (batches != 0)
                MatMul(a, b, d, m, n, k, transA: false, transB: false);
            return;
        }
        Span<int> aStrides = stackalloc int[rank];
        Span<int> bStrides = stackalloc int[rank];
        Strides(aBatch, rank, aStrides);
        Strides(bBatch, rank, bStrides);
        Span<int> index = stackalloc int[rank];
        int aOffset = 0, bOffset = 0;
        for (int batch = 0; batch < batches; batch++)
        {
            MatMul(a.Slice(aOffset * m * k, m * k), b.Slice(bOffset * k * n, k * n), d.Slice(batch * m * n, m * n), m, n, k, transA: false, transB: false);
            for (int dim = rank - 1; dim >= 0; dim--)
            {
                aOffset += aStrides[dim];
                bOffset += bStrides[dim];
                if (++index[dim] < dBatch[dim])
                    break;
                aOffset -= aStrides[dim] * dBatch[dim];
                bOffset -= bStrides[dim] * dBatch[dim];
                index[dim] = 0;
            }
        }
    }

    /// <summary>
    /// <c>Tile</c>: <paramref name="x"/> of shape <paramref name="shape"/> repeated <paramref name="repeats"/> times along each dim into
    /// <paramref name="d"/>. Built outermost dim last: the inner block is tiled first, then copied whole.
    /// </summary>
    public static void Tile<T>(ReadOnlySpan<T> x, ReadOnlySpan<int> shape, ReadOnlySpan<int> repeats, Span<T> d)
    {
        if (d.IsEmpty)
            return;
        int rank = shape.Length;
        if (rank > 0 && repeats.Slice(0, rank - 1).IndexOfAnyExcept(1) < 0)
        {
            // Only the last dim repeats (features tiled side by side): each row is copied in place, no recursion.
            int width = shape[rank - 1], times = repeats[rank - 1];
            for (int row = 0, rows = x.Length / Math.Max(width, 1); row < rows; row++)
            {
                var source = x.Slice(row * width, width);
                var target = d.Slice(row * width * times, width * times);
                if (width == 1)
                    target.Fill(source[0]);
                else
                    for (int r = 0; r < times; r++)
                        source.CopyTo(target.Slice(r * width));
            }
            return;
        }
        Tile(x, shape, repeats, d, 0);
    }

    private static int Tile<T>(ReadOnlySpan<T> x, ReadOnlySpan<int> shape, ReadOnlySpan<int> repeats, Span<T> d, int dim)
    {
        if (dim == shape.Length)
        {
            d[0] = x[0];
            return 1;
        }
        int written = 0;
        if (dim == shape.Length - 1)
        {
            x.Slice(0, shape[dim]).CopyTo(d);
            written = shape[dim];
        }
        else
        {
            int inner = 1;
            for (int i = dim + 1; i < shape.Length; i++)
                inner *= shape[i];
            for (int j = 0; j < shape[dim]; j++)
                written += Tile(x.Slice(j * inner), shape, repeats, d.Slice(written), dim + 1);
        }
        var block = d.Slice(0, written);
        for (int r = 1; r < repeats[dim]; r++)
            block.CopyTo(d.Slice(r * written));
        return written * repeats[dim];
    }

    /// <summary>
    /// <c>Transpose</c>: dim i of <paramref name="d"/> is dim <paramref name="perm"/>[i] of <paramref name="x"/> (of shape
    /// <paramref name="shape"/>). The output is written in order while an odometer walks the input's matching offsets.
    /// </summary>
    public static void Transpose<T>(ReadOnlySpan<T> x, ReadOnlySpan<int> shape, ReadOnlySpan<int> perm, Span<T> d)
    {
        int rank = shape.Length;
        if (d.IsEmpty || rank == 0)
        {
            x.Slice(0, d.Length).CopyTo(d);
            return;
        }
        Span<int> inputStrides = stackalloc int[rank];
        RowMajorStrides(shape, inputStrides);
        Span<int> strides = stackalloc int[rank];
        Span<int> dims = stackalloc int[rank];
        for (int i = 0; i < rank; i++)
            (strides[i], dims[i]) = (inputStrides[perm[i]], shape[perm[i]]);
        Span<int> index = stackalloc int[rank];
        int offset = 0;
        for (int o = 0; o < d.Length; o++)
        {
            d[o] = x[offset];
            for (int dim = rank - 1; dim >= 0; dim--)
            {
                offset += strides[dim];
                if (++index[dim] < dims[dim])
                    break;
                offset -= strides[dim] * dims[dim];
                index[dim] = 0;
            }
        }
    }

    /// <summary>
    /// One input of <c>Concat</c>: for each of <paramref name="outer"/> positions, its block of <paramref name="block"/> elements
    /// goes to <paramref name="offset"/> within the output's block of <paramref name="outputBlock"/>.
    /// </summary>
    public static void ConcatPart<T>(ReadOnlySpan<T> x, Span<T> d, int outer, int block, int outputBlock, int offset)
    {
        for (int o = 0; o < outer; o++)
            x.Slice(o * block, block).CopyTo(d.Slice(o * outputBlock + offset, block));
    }

    // Row-major product with transposes folded into the indexing; the common layouts get the fast loops.
    private static void MatMul(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> d, int m, int n, int k, bool transA, bool transB)
    {
        if (!transA && !transB)
        {
            Product(a, b, d, m, n, k);
            return;
        }
        if (!transA && transB && k >= VectorMinimum)
        {
            for (int i = 0; i < m; i++)
                for (int j = 0; j < n; j++)
                    d[i * n + j] = TensorPrimitives.Dot(a.Slice(i * k, k), b.Slice(j * k, k));
            return;
        }
        int aRow = transA ? 1 : k, aColumn = transA ? m : 1, bRow = transB ? 1 : n, bColumn = transB ? k : 1;
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                float sum = 0;
                for (int p = 0; p < k; p++)
                    sum += a[i * aRow + p * aColumn] * b[p * bRow + j * bColumn];
                d[i * n + j] = sum;
            }
        }
    }

    /// <summary>
    /// d [M,N] = A [M,K] · B [K,N], four rows of A against a vector's width of B's columns at a time, the sums in
    /// registers. TensorPrimitives has vector operations but no matrix product, and a call per row and per k (the
    /// obvious use of its MultiplyAdd) costs more than the arithmetic at these sizes. Each sum runs over k in order,
    /// multiply then add, like the scalar loops and the inlined layers, so every path rounds alike.
    /// </summary>
    private static void Product(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> d, int m, int n, int k)
    {
        if (a.Length < m * k || b.Length < k * n || d.Length < m * n)
            throw new ArgumentException("The operands are shorter than their dims.");
        ref float A = ref MemoryMarshal.GetReference(a);
        ref float B = ref MemoryMarshal.GetReference(b);
        ref float D = ref MemoryMarshal.GetReference(d);
        int width = Vector<float>.Count;
        int i = 0;
        for (; i + 4 <= m; i += 4)
        {
            int j = 0;
            for (; j + width <= n; j += width)
            {
                Vector<float> c0 = default, c1 = default, c2 = default, c3 = default;
                for (int p = 0; p < k; p++)
                {
                    var column = Vector.LoadUnsafe(ref B, (nuint)(p * n + j));
                    c0 += new Vector<float>(Unsafe.Add(ref A, i * k + p)) * column;
                    c1 += new Vector<float>(Unsafe.Add(ref A, (i + 1) * k + p)) * column;
                    c2 += new Vector<float>(Unsafe.Add(ref A, (i + 2) * k + p)) * column;
                    c3 += new Vector<float>(Unsafe.Add(ref A, (i + 3) * k + p)) * column;
                }
                c0.StoreUnsafe(ref D, (nuint)(i * n + j));
                c1.StoreUnsafe(ref D, (nuint)((i + 1) * n + j));
                c2.StoreUnsafe(ref D, (nuint)((i + 2) * n + j));
                c3.StoreUnsafe(ref D, (nuint)((i + 3) * n + j));
            }
            for (int r = i; r < i + 4; r++)
                ProductTail(ref A, ref B, ref D, r, j, n, k);
        }
        for (; i < m; i++)
        {
            int j = 0;
            for (; j + width <= n; j += width)
            {
                Vector<float> c = default;
                for (int p = 0; p < k; p++)
                    c += new Vector<float>(Unsafe.Add(ref A, i * k + p)) * Vector.LoadUnsafe(ref B, (nuint)(p * n + j));
                c.StoreUnsafe(ref D, (nuint)(i * n + j));
            }
            ProductTail(ref A, ref B, ref D, i, j, n, k);
        }
    }

    // The columns of row i from j on that do not fill a vector.
    private static void ProductTail(ref float a, ref float b, ref float d, int i, int j, int n, int k)
    {
        for (; j < n; j++)
        {
            float sum = 0;
            for (int p = 0; p < k; p++)
                sum += Unsafe.Add(ref a, i * k + p) * Unsafe.Add(ref b, p * n + j);
            Unsafe.Add(ref d, i * n + j) = sum;
        }
    }

    private static void AddSmall(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> d)
    {
        if (x.Length >= VectorMinimum)
        {
            TensorPrimitives.Add(x, y, d);
            return;
        }
        for (int i = 0; i < x.Length; i++)
            d[i] = x[i] + y[i];
    }

    /// <summary>
    /// Applies <typeparamref name="TOperator"/> elementwise with ONNX (numpy) broadcasting: shapes are right-aligned and a
    /// dim of 1 stretches. Whole-span cases go straight to TensorPrimitives; otherwise the last dim is one vector call
    /// per row and an odometer walks the rest.
    /// </summary>
    private static void Broadcast<TOperator>(ReadOnlySpan<float> a, ReadOnlySpan<int> aShape, ReadOnlySpan<float> b, ReadOnlySpan<int> bShape,
        Span<float> d, ReadOnlySpan<int> dShape) where TOperator : IBinaryOperator
    {
        if (a.Length == d.Length && b.Length == d.Length)
        {
            TOperator.Apply(a, b, d);
            return;
        }
        if (a.Length == d.Length && b.Length == 1)
        {
            TOperator.Apply(a, b[0], d);
            return;
        }
        if (b.Length == d.Length && a.Length == 1)
        {
            TOperator.Apply(a[0], b, d);
            return;
        }
        if (d.IsEmpty)
            return;

        int rank = dShape.Length;
        Span<int> aStrides = stackalloc int[rank];
        Span<int> bStrides = stackalloc int[rank];
        Strides(aShape, rank, aStrides);
        Strides(bShape, rank, bStrides);
        int last = dShape[rank - 1];
        int rows = d.Length / last;
        Span<int> index = stackalloc int[rank];
        int aOffset = 0, bOffset = 0;
        for (int row = 0; row < rows; row++)
        {
            var target = d.Slice(row * last, last);
            bool aRow = aStrides[rank - 1] != 0, bRow = bStrides[rank - 1] != 0;
            if (aRow && bRow)
                TOperator.Apply(a.Slice(aOffset, last), b.Slice(bOffset, last), target);
            else if (aRow)
                TOperator.Apply(a.Slice(aOffset, last), b[bOffset], target);
            else if (bRow)
                TOperator.Apply(a[aOffset], b.Slice(bOffset, last), target);
            else
                target.Fill(TOperator.Apply(a[aOffset], b[bOffset]));

            // Advance the odometer over every dim but the last.
            for (int dim = rank - 2; dim >= 0; dim--)
            {
                aOffset += aStrides[dim];
                bOffset += bStrides[dim];
                if (++index[dim] < dShape[dim])
                    break;
                aOffset -= aStrides[dim] * dShape[dim];
                bOffset -= bStrides[dim] * dShape[dim];
                index[dim] = 0;
            }
        }
    }

    // The strides of a row-major tensor of dims shape: the last dim's 1, each one before it the product of those after.
    private static void RowMajorStrides(ReadOnlySpan<int> shape, Span<int> strides)
    {
        for (int k = shape.Length - 1, stride = 1; k >= 0; stride *= shape[k], k--)
            strides[k] = stride;
    }

    // Strides of a tensor right-aligned to the output's rank; 0 where it broadcasts (a dim of 1, or a missing one).
    private static void Strides(ReadOnlySpan<int> shape, int rank, Span<int> strides)
    {
        int stride = 1;
        for (int i = rank - 1; i >= 0; i--)
        {
            int source = i - (rank - shape.Length);
            int dim = source >= 0 ? shape[source] : 1;
            strides[i] = dim == 1 ? 0 : stride;
            stride *= dim;
        }
    }

    private interface IBinaryOperator
    {
        static abstract void Apply(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> d);

        static abstract void Apply(ReadOnlySpan<float> x, float y, Span<float> d);

        static abstract void Apply(float x, ReadOnlySpan<float> y, Span<float> d);

        static abstract float Apply(float x, float y);
    }

    private readonly struct AddOperator : IBinaryOperator
    {
        public static void Apply(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> d) => AddSmall(x, y, d);
        public static void Apply(ReadOnlySpan<float> x, float y, Span<float> d) => TensorPrimitives.Add(x, y, d);
        public static void Apply(float x, ReadOnlySpan<float> y, Span<float> d) => TensorPrimitives.Add(y, x, d);
        public static float Apply(float x, float y) => x + y;
    }

    private readonly struct SubtractOperator : IBinaryOperator
    {
        public static void Apply(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> d) => TensorPrimitives.Subtract(x, y, d);
        public static void Apply(ReadOnlySpan<float> x, float y, Span<float> d) => TensorPrimitives.Subtract(x, y, d);
        public static void Apply(float x, ReadOnlySpan<float> y, Span<float> d) => TensorPrimitives.Subtract(x, y, d);
        public static float Apply(float x, float y) => x - y;
    }

    private readonly struct MultiplyOperator : IBinaryOperator
    {
        public static void Apply(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> d) => TensorPrimitives.Multiply(x, y, d);
        public static void Apply(ReadOnlySpan<float> x, float y, Span<float> d) => TensorPrimitives.Multiply(x, y, d);
        public static void Apply(float x, ReadOnlySpan<float> y, Span<float> d) => TensorPrimitives.Multiply(y, x, d);
        public static float Apply(float x, float y) => x * y;
    }

    private readonly struct DivideOperator : IBinaryOperator
    {
        public static void Apply(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> d) => TensorPrimitives.Divide(x, y, d);
        public static void Apply(ReadOnlySpan<float> x, float y, Span<float> d) => TensorPrimitives.Divide(x, y, d);
        public static void Apply(float x, ReadOnlySpan<float> y, Span<float> d) => TensorPrimitives.Divide(x, y, d);
        public static float Apply(float x, float y) => x / y;
    }
}
