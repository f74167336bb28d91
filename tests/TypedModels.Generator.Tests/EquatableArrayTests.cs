using System;
using System.Collections.Generic;
using System.Linq;

namespace TypedModels.Generator.Tests;

/// <summary>
/// <see cref="EquatableArray{T}"/> is what keeps the pipeline's steps cached: two arrays with equal items must be
/// equal and hash alike, whatever the items are (primitives, records, arrays of arrays), and the empty one must be
/// the same whether it was built or defaulted.
/// </summary>
public class EquatableArrayTests
{
    private sealed record Entry(string Name, int Value);

    private sealed record Holder(string Name, EquatableArray<int> Values);

    [Fact]
    public void Primitives_with_equal_items_are_equal_and_hash_alike()
    {
        var a = EquatableArray.Create(1, 2, 3);
        var b = new[] { 1, 2, 3 }.ToEquatableArray();

        AssertEqual(a, b);
        AssertEqual(EquatableArray.Create("x", "y"), new List<string> { "x", "y" }.ToEquatableArray());
    }

    [Fact]
    public void Order_length_and_each_item_count()
    {
        var a = EquatableArray.Create(1, 2, 3);

        AssertNotEqual(a, EquatableArray.Create(3, 2, 1));
        AssertNotEqual(a, EquatableArray.Create(1, 2));
        AssertNotEqual(a, EquatableArray.Create(1, 2, 3, 4));
        AssertNotEqual(a, EquatableArray.Create(1, 2, 4));
    }

    [Fact]
    public void Records_compare_by_value_not_by_reference()
    {
        var a = EquatableArray.Create(new Entry("a", 1), new Entry("b", 2));
        var b = EquatableArray.Create(new Entry("a", 1), new Entry("b", 2));

        Assert.NotSame(a[0], b[0]);
        AssertEqual(a, b);
        AssertNotEqual(a, EquatableArray.Create(new Entry("a", 1), new Entry("b", 3)));
    }

    [Fact]
    public void Nested_arrays_compare_by_their_items()
    {
        var a = EquatableArray.Create(EquatableArray.Create(1, 2), EquatableArray.Create(3));
        var b = EquatableArray.Create(EquatableArray.Create(1, 2), EquatableArray.Create(3));

        AssertEqual(a, b);
        AssertNotEqual(a, EquatableArray.Create(EquatableArray.Create(1), EquatableArray.Create(2, 3)));
    }

    [Fact]
    public void A_record_holding_an_array_compares_the_array_by_value()
    {
        var a = new Holder("h", EquatableArray.Create(1, 2));
        var b = new Holder("h", new[] { 1, 2 }.ToEquatableArray());

        Assert.Equal(a, b);
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
        Assert.NotEqual(a, b with { Values = EquatableArray.Create(2, 1) });
    }

    [Fact]
    public void Boxed_arrays_are_equal_through_object_Equals_and_nothing_else_is()
    {
        object boxed = EquatableArray.Create(1, 2);

        Assert.True(boxed.Equals(EquatableArray.Create(1, 2)));
        Assert.True(EquatableArray.Create(1, 2).Equals(boxed));
        Assert.False(boxed.Equals(new[] { 1, 2 }));
        Assert.False(boxed.Equals(null));
    }

    [Fact]
    public void Empty_and_default_are_one_value()
    {
        EquatableArray<int> defaulted = default;
        var built = Array.Empty<int>().ToEquatableArray();

        AssertEqual(defaulted, built);
        AssertEqual(defaulted, EquatableArray<int>.Empty);
        Assert.Equal(built.Count, defaulted.Count);
        Assert.Empty(defaulted);
        AssertNotEqual(defaulted, EquatableArray.Create(0));
    }

    [Fact]
    public void Null_items_are_equal_to_null_and_hash_without_throwing()
    {
        var a = new EquatableArray<string>(new string[] { "a", null! });
        var b = new EquatableArray<string>(new string[] { "a", null! });

        AssertEqual(a, b);
        AssertNotEqual(a, EquatableArray.Create("a", ""));
    }

    [Fact]
    public void The_array_is_a_copy_of_its_source()
    {
        int[] source = [1, 2, 3];
        var array = source.ToEquatableArray();
        source[0] = 9;

        Assert.Equal(new[] { 1, 2, 3 }, array);
    }

    [Fact]
    public void Floats_compare_as_float_Equals_does()
    {
        // NaN equals NaN (as float.Equals, not ==, has it), so a NaN weight does not defeat the cache.
        AssertEqual(EquatableArray.Create(float.NaN, 1f), EquatableArray.Create(float.NaN, 1f));
        AssertNotEqual(EquatableArray.Create(1f), EquatableArray.Create(BitConverter.Int32BitsToSingle(BitConverter.SingleToInt32Bits(1f) + 1)));
        // 0 and -0 are written differently (0, -0f), so a weight that turns -0 must re-emit its client.
        AssertNotEqual(EquatableArray.Create(0f), EquatableArray.Create(-0f));
        AssertEqual(EquatableArray.Create(-0f), EquatableArray.Create(-0f));
    }

    private static void AssertEqual<T>(EquatableArray<T> a, EquatableArray<T> b) where T : IEquatable<T>
    {
        Assert.True(a.Equals(b));
        Assert.True(b.Equals(a));
        Assert.True(a == b);
        Assert.False(a != b);
        Assert.True(a.Equals((object)b));
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
        Assert.True(EqualityComparer<EquatableArray<T>>.Default.Equals(a, b));
    }

    private static void AssertNotEqual<T>(EquatableArray<T> a, EquatableArray<T> b) where T : IEquatable<T>
    {
        Assert.False(a.Equals(b));
        Assert.False(b.Equals(a));
        Assert.False(a == b);
        Assert.True(a != b);
        Assert.False(a.Equals((object)b));
    }
}
