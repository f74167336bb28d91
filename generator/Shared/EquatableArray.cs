// Adapted from CommunityToolkit.Mvvm's EquatableArray<T> (MIT): a struct wrapper with value equality, so
// pipeline models compare by content and incremental steps stay cached. Plain arrays, no System.Memory:
// the MSBuild task compiles this file too and must not depend on assemblies MSBuild may not carry.
using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;

namespace TypedModels;

/// <summary>An immutable array with value equality; <c>default</c> is empty.</summary>
internal readonly struct EquatableArray<T> : IEquatable<EquatableArray<T>>, IReadOnlyList<T>
    where T : IEquatable<T>
{
    private readonly T[]? _items;

    public EquatableArray(IEnumerable<T> items) => _items = items.ToArray();

    public static EquatableArray<T> Empty => default;

    public int Count => _items?.Length ?? 0;

    public T this[int index] => _items![index];

    public bool Equals(EquatableArray<T> other)
    {
        if (Count != other.Count)
            return false;
        for (int i = 0; i < Count; i++)
        {
            if (!Comparer.Equals(_items![i], other._items![i]))
                return false;
        }
        return true;
    }

    public override bool Equals(object? obj) => obj is EquatableArray<T> other && Equals(other);

    // Equal means "emits the same code": for floats that is float.Equals (NaN equals NaN), except that 0 and -0, which
    // float.Equals calls equal, are written differently (a weight turning -0 must re-emit its client).
    private static readonly IEqualityComparer<T> Comparer = typeof(T) == typeof(float)
        ? (IEqualityComparer<T>)(object)SignedZeroComparer.Instance
        : EqualityComparer<T>.Default;

    public override int GetHashCode()
    {
        int hash = 17;
        for (int i = 0; i < Count; i++)
            hash = unchecked(hash * 31 + (_items![i]?.GetHashCode() ?? 0));
        return hash;
    }

    public IEnumerator<T> GetEnumerator() => ((IEnumerable<T>)(_items ?? Array.Empty<T>())).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public static bool operator ==(EquatableArray<T> left, EquatableArray<T> right) => left.Equals(right);

    public static bool operator !=(EquatableArray<T> left, EquatableArray<T> right) => !left.Equals(right);
}

internal sealed class SignedZeroComparer : IEqualityComparer<float>
{
    public static readonly SignedZeroComparer Instance = new();

    public bool Equals(float x, float y) => x.Equals(y) && (x != 0 || 1 / x == 1 / y);

    public int GetHashCode(float value) => value.GetHashCode();
}

internal static class EquatableArray
{
    public static EquatableArray<T> Create<T>(params T[] items) where T : IEquatable<T> => new(items);

    public static EquatableArray<T> ToEquatableArray<T>(this IEnumerable<T> items) where T : IEquatable<T> => new(items);
}
