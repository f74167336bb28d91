using System;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace TypedModels.Compiled;

// Elementwise operators of two or three broadcast tensors over any element type: arithmetic on the integer types and
// double (float has its vectorized kernels in Kernels.cs), Pow, Mod, PRelu, BitShift, the pairwise Max and Min the
// variadic operators chain, comparisons, logic and Where. One odometer walks the output
// and the inputs' offsets (a stride of 0 where an input broadcasts); the operator is a struct, so each instantiation
// is its own loop.
public static partial class Kernels
{
    /// <summary><c>Add</c> of any number type, with broadcasting (integers wrap).</summary>
    public static void Add<T>(ReadOnlySpan<T> a, ReadOnlySpan<int> aShape, ReadOnlySpan<T> b, ReadOnlySpan<int> bShape, Span<T> d, ReadOnlySpan<int> dShape)
        where T : INumber<T> => Walk<T, T, T, AddOf<T>>(a, aShape, b, bShape, d, dShape);

    /// <summary><c>Sub</c> of any number type.</summary>
    public static void Sub<T>(ReadOnlySpan<T> a, ReadOnlySpan<int> aShape, ReadOnlySpan<T> b, ReadOnlySpan<int> bShape, Span<T> d, ReadOnlySpan<int> dShape)
        where T : INumber<T> => Walk<T, T, T, SubOf<T>>(a, aShape, b, bShape, d, dShape);

    /// <summary><c>Mul</c> of any number type.</summary>
    public static void Mul<T>(ReadOnlySpan<T> a, ReadOnlySpan<int> aShape, ReadOnlySpan<T> b, ReadOnlySpan<int> bShape, Span<T> d, ReadOnlySpan<int> dShape)
        where T : INumber<T> => Walk<T, T, T, MulOf<T>>(a, aShape, b, bShape, d, dShape);

    /// <summary><c>Div</c> of any number type (integers truncate toward zero; an integer division by zero throws).</summary>
    public static void Div<T>(ReadOnlySpan<T> a, ReadOnlySpan<int> aShape, ReadOnlySpan<T> b, ReadOnlySpan<int> bShape, Span<T> d, ReadOnlySpan<int> dShape)
        where T : INumber<T> => Walk<T, T, T, DivOf<T>>(a, aShape, b, bShape, d, dShape);

    /// <summary>
    /// <c>Pow</c>: a base of any number type to an exponent of any number type, as ONNX Runtime computes it: a float to a
    /// float power through the C library's powf (MathF.Pow), anything else through pow in double, converted back to the
    /// base's type. A one-element exponent of 2 or 3 is a product (x·x, x·x·x), as ONNX Runtime special-cases it.
    /// </summary>
    public static void Pow<TX, TY>(ReadOnlySpan<TX> a, ReadOnlySpan<int> aShape, ReadOnlySpan<TY> b, ReadOnlySpan<int> bShape, Span<TX> d, ReadOnlySpan<int> dShape)
        where TX : INumber<TX> where TY : INumber<TY>
    {
        if (b.Length == 1 && a.Length == d.Length && (b[0] == TY.CreateTruncating(2) || b[0] == TY.CreateTruncating(3)))
        {
            bool cube = b[0] == TY.CreateTruncating(3);
            for (int i = 0; i < d.Length; i++)
                d[i] = cube ? a[i] * a[i] * a[i] : a[i] * a[i];
            return;
        }
        Walk<TX, TY, TX, PowOf<TX, TY>>(a, aShape, b, bShape, d, dShape);
    }

    /// <summary><c>Mod</c> with fmod=0, of integers: the remainder with the divisor's sign, as Python's % (a zero divisor throws).</summary>
    public static void Mod<T>(ReadOnlySpan<T> a, ReadOnlySpan<int> aShape, ReadOnlySpan<T> b, ReadOnlySpan<int> bShape, Span<T> d, ReadOnlySpan<int> dShape)
        where T : IBinaryInteger<T> => Walk<T, T, T, ModOf<T>>(a, aShape, b, bShape, d, dShape);

    /// <summary><c>Mod</c> with fmod=1: C's fmod, the remainder with the dividend's sign, on any number type (C#'s %).</summary>
    public static void FMod<T>(ReadOnlySpan<T> a, ReadOnlySpan<int> aShape, ReadOnlySpan<T> b, ReadOnlySpan<int> bShape, Span<T> d, ReadOnlySpan<int> dShape)
        where T : INumber<T> => Walk<T, T, T, FModOf<T>>(a, aShape, b, bShape, d, dShape);

    /// <summary><c>PRelu</c>: x where x &gt; 0, else x·slope, the slope broadcast to x.</summary>
    public static void PRelu<T>(ReadOnlySpan<T> x, ReadOnlySpan<int> xShape, ReadOnlySpan<T> slope, ReadOnlySpan<int> slopeShape, Span<T> d, ReadOnlySpan<int> dShape)
        where T : INumber<T> => Walk<T, T, T, PReluOf<T>>(x, xShape, slope, slopeShape, d, dShape);

    /// <summary><c>BitShift</c> LEFT of unsigned integers; a shift by the type's width or more gives 0, as numpy's does.</summary>
    public static void BitShiftLeft<T>(ReadOnlySpan<T> a, ReadOnlySpan<int> aShape, ReadOnlySpan<T> b, ReadOnlySpan<int> bShape, Span<T> d, ReadOnlySpan<int> dShape)
        where T : IBinaryInteger<T>, IUnsignedNumber<T> => Walk<T, T, T, ShiftLeftOf<T>>(a, aShape, b, bShape, d, dShape);

    /// <summary><c>BitShift</c> RIGHT of unsigned integers; a shift by the type's width or more gives 0.</summary>
    public static void BitShiftRight<T>(ReadOnlySpan<T> a, ReadOnlySpan<int> aShape, ReadOnlySpan<T> b, ReadOnlySpan<int> bShape, Span<T> d, ReadOnlySpan<int> dShape)
        where T : IBinaryInteger<T>, IUnsignedNumber<T> => Walk<T, T, T, ShiftRightOf<T>>(a, aShape, b, bShape, d, dShape);

    /// <summary>The larger of two broadcast tensors (one step of <c>Max</c>; <c>Max</c> itself names a reduction here); NaN wins, as in ONNX Runtime.</summary>
    public static void Maximum<T>(ReadOnlySpan<T> a, ReadOnlySpan<int> aShape, ReadOnlySpan<T> b, ReadOnlySpan<int> bShape, Span<T> d, ReadOnlySpan<int> dShape)
        where T : INumber<T> => Walk<T, T, T, MaxOf<T>>(a, aShape, b, bShape, d, dShape);

    /// <summary>The smaller of two broadcast tensors (one step of <c>Min</c>); NaN wins.</summary>
    public static void Minimum<T>(ReadOnlySpan<T> a, ReadOnlySpan<int> aShape, ReadOnlySpan<T> b, ReadOnlySpan<int> bShape, Span<T> d, ReadOnlySpan<int> dShape)
        where T : INumber<T> => Walk<T, T, T, MinOf<T>>(a, aShape, b, bShape, d, dShape);

    /// <summary><c>Equal</c>.</summary>
    public static void Equal<T>(ReadOnlySpan<T> a, ReadOnlySpan<int> aShape, ReadOnlySpan<T> b, ReadOnlySpan<int> bShape, Span<bool> d, ReadOnlySpan<int> dShape)
        where T : IEquatable<T> => Walk<T, T, bool, EqualOf<T>>(a, aShape, b, bShape, d, dShape);

    /// <summary><c>Less</c> (false when either is NaN).</summary>
    public static void Less<T>(ReadOnlySpan<T> a, ReadOnlySpan<int> aShape, ReadOnlySpan<T> b, ReadOnlySpan<int> bShape, Span<bool> d, ReadOnlySpan<int> dShape)
        where T : INumber<T> => Walk<T, T, bool, LessOf<T>>(a, aShape, b, bShape, d, dShape);

    /// <summary><c>LessOrEqual</c>.</summary>
    public static void LessOrEqual<T>(ReadOnlySpan<T> a, ReadOnlySpan<int> aShape, ReadOnlySpan<T> b, ReadOnlySpan<int> bShape, Span<bool> d, ReadOnlySpan<int> dShape)
        where T : INumber<T> => Walk<T, T, bool, LessOrEqualOf<T>>(a, aShape, b, bShape, d, dShape);

    /// <summary><c>Greater</c>: <c>Less</c> with its operands exchanged, shapes and all.</summary>
    public static void Greater<T>(ReadOnlySpan<T> a, ReadOnlySpan<int> aShape, ReadOnlySpan<T> b, ReadOnlySpan<int> bShape, Span<bool> d, ReadOnlySpan<int> dShape)
        where T : INumber<T> => Walk<T, T, bool, LessOf<T>>(b, bShape, a, aShape, d, dShape);

    /// <summary><c>GreaterOrEqual</c>.</summary>
    public static void GreaterOrEqual<T>(ReadOnlySpan<T> a, ReadOnlySpan<int> aShape, ReadOnlySpan<T> b, ReadOnlySpan<int> bShape, Span<bool> d, ReadOnlySpan<int> dShape)
        where T : INumber<T> => Walk<T, T, bool, LessOrEqualOf<T>>(b, bShape, a, aShape, d, dShape);

    /// <summary><c>And</c>.</summary>
    public static void And(ReadOnlySpan<bool> a, ReadOnlySpan<int> aShape, ReadOnlySpan<bool> b, ReadOnlySpan<int> bShape, Span<bool> d, ReadOnlySpan<int> dShape) =>
        Walk<bool, bool, bool, AndOf>(a, aShape, b, bShape, d, dShape);

    /// <summary><c>Or</c>.</summary>
    public static void Or(ReadOnlySpan<bool> a, ReadOnlySpan<int> aShape, ReadOnlySpan<bool> b, ReadOnlySpan<int> bShape, Span<bool> d, ReadOnlySpan<int> dShape) =>
        Walk<bool, bool, bool, OrOf>(a, aShape, b, bShape, d, dShape);

    /// <summary><c>Xor</c>.</summary>
    public static void Xor(ReadOnlySpan<bool> a, ReadOnlySpan<int> aShape, ReadOnlySpan<bool> b, ReadOnlySpan<int> bShape, Span<bool> d, ReadOnlySpan<int> dShape) =>
        Walk<bool, bool, bool, XorOf>(a, aShape, b, bShape, d, dShape);

    /// <summary><c>Not</c>.</summary>
    public static void Not(ReadOnlySpan<bool> x, Span<bool> d)
    {
        for (int i = 0; i < x.Length; i++)
            d[i] = !x[i];
    }

    /// <summary><c>Where</c>: <paramref name="x"/> where <paramref name="condition"/> holds, else <paramref name="y"/>, all three broadcast.</summary>
    public static void Where<T>(ReadOnlySpan<bool> condition, ReadOnlySpan<int> conditionShape, ReadOnlySpan<T> x, ReadOnlySpan<int> xShape,
        ReadOnlySpan<T> y, ReadOnlySpan<int> yShape, Span<T> d, ReadOnlySpan<int> dShape)
    {
        int rank = dShape.Length;
        if (d.IsEmpty)
            return;
        Span<int> cStrides = stackalloc int[rank];
        Span<int> xStrides = stackalloc int[rank];
        Span<int> yStrides = stackalloc int[rank];
        Strides(conditionShape, rank, cStrides);
        Strides(xShape, rank, xStrides);
        Strides(yShape, rank, yStrides);
        Span<int> index = stackalloc int[rank];
        int c = 0, xo = 0, yo = 0;
        for (int o = 0; o < d.Length; o++)
        {
            d[o] = condition[c] ? x[xo] : y[yo];
            for (int dim = rank - 1; dim >= 0; dim--)
            {
                c += cStrides[dim];
                xo += xStrides[dim];
                yo += yStrides[dim];
                if (++index[dim] < dShape[dim])
                    break;
                c -= cStrides[dim] * dShape[dim];
                xo -= xStrides[dim] * dShape[dim];
                yo -= yStrides[dim] * dShape[dim];
                index[dim] = 0;
            }
        }
    }

    private static void Walk<TA, TB, TD, TOp>(ReadOnlySpan<TA> a, ReadOnlySpan<int> aShape, ReadOnlySpan<TB> b, ReadOnlySpan<int> bShape,
        Span<TD> d, ReadOnlySpan<int> dShape) where TOp : IScalarOperator<TA, TB, TD>
    {
        if (a.Length == d.Length && b.Length == d.Length)
        {
            for (int i = 0; i < d.Length; i++)
                d[i] = TOp.Apply(a[i], b[i]);
            return;
        }
        if (d.IsEmpty)
            return;
        int rank = dShape.Length;
        Span<int> aStrides = stackalloc int[rank];
        Span<int> bStrides = stackalloc int[rank];
        Strides(aShape, rank, aStrides);
        Strides(bShape, rank, bStrides);
        Span<int> index = stackalloc int[rank];
        int ao = 0, bo = 0;
        for (int o = 0; o < d.Length; o++)
        {
            d[o] = TOp.Apply(a[ao], b[bo]);
            for (int dim = rank - 1; dim >= 0; dim--)
            {
                ao += aStrides[dim];
                bo += bStrides[dim];
                if (++index[dim] < dShape[dim])
                    break;
                ao -= aStrides[dim] * dShape[dim];
                bo -= bStrides[dim] * dShape[dim];
                index[dim] = 0;
            }
        }
    }

    private interface IScalarOperator<TA, TB, TD>
    {
        static abstract TD Apply(TA a, TB b);
    }

    private readonly struct AddOf<T> : IScalarOperator<T, T, T> where T : INumber<T>
    {
        public static T Apply(T a, T b) => a + b;
    }

    private readonly struct SubOf<T> : IScalarOperator<T, T, T> where T : INumber<T>
    {
        public static T Apply(T a, T b) => a - b;
    }

    private readonly struct MulOf<T> : IScalarOperator<T, T, T> where T : INumber<T>
    {
        public static T Apply(T a, T b) => a * b;
    }

    private readonly struct DivOf<T> : IScalarOperator<T, T, T> where T : INumber<T>
    {
        public static T Apply(T a, T b) => a / b;
    }

    private readonly struct PowOf<TX, TY> : IScalarOperator<TX, TY, TX> where TX : INumber<TX> where TY : INumber<TY>
    {
        // The type tests are constants for each instantiation: float^float is powf, the rest pow in double (C++'s std::pow
        // promotes a float base with an integer exponent to double).
        public static TX Apply(TX a, TY b) => typeof(TX) == typeof(float) && typeof(TY) == typeof(float)
            ? TX.CreateTruncating(MathF.Pow(float.CreateTruncating(a), float.CreateTruncating(b)))
            : TX.CreateTruncating(Math.Pow(double.CreateTruncating(a), double.CreateTruncating(b)));
    }

    private readonly struct ModOf<T> : IScalarOperator<T, T, T> where T : IBinaryInteger<T>
    {
        public static T Apply(T a, T b)
        {
            T r = a % b;
            return (r < T.Zero && b > T.Zero) || (r > T.Zero && b < T.Zero) ? r + b : r;
        }
    }

    private readonly struct FModOf<T> : IScalarOperator<T, T, T> where T : INumber<T>
    {
        public static T Apply(T a, T b) => a % b;
    }

    private readonly struct PReluOf<T> : IScalarOperator<T, T, T> where T : INumber<T>
    {
        public static T Apply(T x, T slope) => x > T.Zero ? x : x * slope;
    }

    private readonly struct ShiftLeftOf<T> : IScalarOperator<T, T, T> where T : IBinaryInteger<T>
    {
        public static T Apply(T a, T b) => b >= T.CreateTruncating(Unsafe.SizeOf<T>() * 8) ? T.Zero : a << int.CreateTruncating(b);
    }

    private readonly struct ShiftRightOf<T> : IScalarOperator<T, T, T> where T : IBinaryInteger<T>
    {
        public static T Apply(T a, T b) => b >= T.CreateTruncating(Unsafe.SizeOf<T>() * 8) ? T.Zero : a >>> int.CreateTruncating(b);
    }

    private readonly struct MaxOf<T> : IScalarOperator<T, T, T> where T : INumber<T>
    {
        public static T Apply(T a, T b) => a > b || T.IsNaN(a) ? a : b;
    }

    private readonly struct MinOf<T> : IScalarOperator<T, T, T> where T : INumber<T>
    {
        public static T Apply(T a, T b) => a < b || T.IsNaN(a) ? a : b;
    }

    private readonly struct EqualOf<T> : IScalarOperator<T, T, bool> where T : IEquatable<T>
    {
        // IEquatable's Equals says NaN equals NaN; ONNX (IEEE) says it does not.
        public static bool Apply(T a, T b) => a.Equals(b) && !(a is float f && float.IsNaN(f)) && !(a is double g && double.IsNaN(g));
    }

    private readonly struct LessOf<T> : IScalarOperator<T, T, bool> where T : INumber<T>
    {
        public static bool Apply(T a, T b) => a < b;
    }

    private readonly struct LessOrEqualOf<T> : IScalarOperator<T, T, bool> where T : INumber<T>
    {
        public static bool Apply(T a, T b) => a <= b;
    }

    private readonly struct AndOf : IScalarOperator<bool, bool, bool>
    {
        public static bool Apply(bool a, bool b) => a & b;
    }

    private readonly struct OrOf : IScalarOperator<bool, bool, bool>
    {
        public static bool Apply(bool a, bool b) => a | b;
    }

    private readonly struct XorOf : IScalarOperator<bool, bool, bool>
    {
        public static bool Apply(bool a, bool b) => a ^ b;
    }
}
