using System;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace TypedModels.Compiled;

// Cast among the numbers and bool. The type tests are on type parameters of value types, so the JIT keeps one branch
// per instantiation and the loop is a plain conversion.
public static partial class Kernels
{
    /// <summary>
    /// <c>Cast</c>: each element converted as .NET converts numbers (float to integer truncates toward zero and
    /// saturates, NaN gives 0; integers wrap to a narrower width), bool as 1 or 0, and anything to bool as "not zero".
    /// </summary>
    public static void Cast<TFrom, TTo>(ReadOnlySpan<TFrom> x, Span<TTo> d) where TFrom : unmanaged where TTo : unmanaged
    {
        if (d.Length < x.Length)
            throw new ArgumentException("The output is shorter than the input.", nameof(d));
        for (int i = 0; i < x.Length; i++)
            d[i] = Convert<TFrom, TTo>(x[i]);
    }

    /// <summary>A shape's dims, computed from the call's symbols, as a tensor of an integer type (a <c>Shape</c> a kernel reads).</summary>
    public static void Dims<T>(ReadOnlySpan<int> dims, Span<T> d) where T : unmanaged => Cast(dims, d);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TTo Convert<TFrom, TTo>(TFrom value) where TFrom : unmanaged where TTo : unmanaged
    {
        if (typeof(TTo) == typeof(bool))
        {
            bool result = !IsZero(value);
            return Unsafe.As<bool, TTo>(ref result);
        }
        if (typeof(TFrom) == typeof(bool))
            return Number<TTo>(Unsafe.As<TFrom, bool>(ref value) ? 1 : 0);
        if (typeof(TFrom) == typeof(float))
            return Number<float, TTo>(Unsafe.As<TFrom, float>(ref value));
        if (typeof(TFrom) == typeof(double))
            return Number<double, TTo>(Unsafe.As<TFrom, double>(ref value));
        if (typeof(TFrom) == typeof(sbyte))
            return Number<sbyte, TTo>(Unsafe.As<TFrom, sbyte>(ref value));
        if (typeof(TFrom) == typeof(byte))
            return Number<byte, TTo>(Unsafe.As<TFrom, byte>(ref value));
        if (typeof(TFrom) == typeof(short))
            return Number<short, TTo>(Unsafe.As<TFrom, short>(ref value));
        if (typeof(TFrom) == typeof(ushort))
            return Number<ushort, TTo>(Unsafe.As<TFrom, ushort>(ref value));
        if (typeof(TFrom) == typeof(int))
            return Number<int, TTo>(Unsafe.As<TFrom, int>(ref value));
        if (typeof(TFrom) == typeof(uint))
            return Number<uint, TTo>(Unsafe.As<TFrom, uint>(ref value));
        if (typeof(TFrom) == typeof(long))
            return Number<long, TTo>(Unsafe.As<TFrom, long>(ref value));
        if (typeof(TFrom) == typeof(ulong))
            return Number<ulong, TTo>(Unsafe.As<TFrom, ulong>(ref value));
        throw new NotSupportedException($"Cast from {typeof(TFrom).Name} is not compiled.");
    }

    private static bool IsZero<T>(T value) where T : unmanaged =>
        typeof(T) == typeof(bool) ? !Unsafe.As<T, bool>(ref value)
        : typeof(T) == typeof(float) ? Unsafe.As<T, float>(ref value) == 0
        : typeof(T) == typeof(double) ? Unsafe.As<T, double>(ref value) == 0
        : typeof(T) == typeof(sbyte) ? Unsafe.As<T, sbyte>(ref value) == 0
        : typeof(T) == typeof(byte) ? Unsafe.As<T, byte>(ref value) == 0
        : typeof(T) == typeof(short) ? Unsafe.As<T, short>(ref value) == 0
        : typeof(T) == typeof(ushort) ? Unsafe.As<T, ushort>(ref value) == 0
        : typeof(T) == typeof(int) ? Unsafe.As<T, int>(ref value) == 0
        : typeof(T) == typeof(uint) ? Unsafe.As<T, uint>(ref value) == 0
        : typeof(T) == typeof(long) ? Unsafe.As<T, long>(ref value) == 0
        : Unsafe.As<T, ulong>(ref value) == 0;

    private static TTo Number<TTo>(int value) where TTo : unmanaged => Number<int, TTo>(value);

    // One number type to another with .NET's truncating conversion (saturating from floating point).
    private static TTo Number<TFrom, TTo>(TFrom value) where TFrom : INumberBase<TFrom> where TTo : unmanaged
    {
        if (typeof(TTo) == typeof(float)) { float r = float.CreateTruncating(value); return Unsafe.As<float, TTo>(ref r); }
        if (typeof(TTo) == typeof(double)) { double r = double.CreateTruncating(value); return Unsafe.As<double, TTo>(ref r); }
        if (typeof(TTo) == typeof(sbyte)) { sbyte r = sbyte.CreateTruncating(value); return Unsafe.As<sbyte, TTo>(ref r); }
        if (typeof(TTo) == typeof(byte)) { byte r = byte.CreateTruncating(value); return Unsafe.As<byte, TTo>(ref r); }
        if (typeof(TTo) == typeof(short)) { short r = short.CreateTruncating(value); return Unsafe.As<short, TTo>(ref r); }
        if (typeof(TTo) == typeof(ushort)) { ushort r = ushort.CreateTruncating(value); return Unsafe.As<ushort, TTo>(ref r); }
        if (typeof(TTo) == typeof(int)) { int r = int.CreateTruncating(value); return Unsafe.As<int, TTo>(ref r); }
        if (typeof(TTo) == typeof(uint)) { uint r = uint.CreateTruncating(value); return Unsafe.As<uint, TTo>(ref r); }
        if (typeof(TTo) == typeof(long)) { long r = long.CreateTruncating(value); return Unsafe.As<long, TTo>(ref r); }
        if (typeof(TTo) == typeof(ulong)) { ulong r = ulong.CreateTruncating(value); return Unsafe.As<ulong, TTo>(ref r); }
        throw new NotSupportedException($"Cast to {typeof(TTo).Name} is not compiled.");
    }
}
