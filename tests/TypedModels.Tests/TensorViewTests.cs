using System;
using System.Linq;
using System.Runtime.InteropServices;
using TypedModels.Testing;

namespace TypedModels.Tests;

public class TensorViewTests
{
    private static readonly TypedModelOptions Cpu = new() { ExecutionProvider = ExecutionProviderPreference.Cpu };

    /// <summary>A view of <paramref name="shape"/> whose element at flat index n is n.</summary>
    private static TensorView<float> View(params long[] shape)
    {
        long size = shape.Aggregate(1L, (a, b) => a * b);
        return new TensorView<float>(Enumerable.Range(0, (int)size).Select(i => (float)i).ToArray(), shape);
    }

    // --- reading ---

    [Fact]
    public void The_flat_indexer_reads_any_rank()
    {
        var view = View(2, 3, 4);
        Assert.Equal(23f, view[23]);
        Assert.Equal(3, view.Rank);
        Assert.Equal(24, view.Length);
        Assert.False(view.IsEmpty);
        Assert.Throws<IndexOutOfRangeException>(() => View(2, 3, 4)[24]);
    }

    [Fact]
    public void Two_three_and_four_indices_read_row_major()
    {
        Assert.Equal(1 * 4 + 3f, View(2, 4)[1, 3]);
        Assert.Equal((1 * 3 + 2) * 4 + 3f, View(2, 3, 4)[1, 2, 3]);
        Assert.Equal(((1 * 3 + 2) * 4 + 3) * 5 + 4f, View(2, 3, 4, 5)[1, 2, 3, 4]);
        Assert.Equal(0f, View(2, 3, 4, 5)[0, 0, 0, 0]);
    }

    [Fact]
    public void A_span_of_indices_reads_any_rank()
    {
        // Five indices: the params overload, with the indices on the stack.
        Assert.Equal((((1 * 3 + 2) * 4 + 3) * 5 + 4) * 2 + 1f, View(2, 3, 4, 5, 2)[1, 2, 3, 4, 1]);
        // The same overload for ranks that have their own, given a span: the same element.
        int[] indices = [1, 2, 3];
        Assert.Equal(View(2, 3, 4)[1, 2, 3], View(2, 3, 4)[indices.AsSpan()]);
        Assert.Equal(View(2, 4)[1, 3], View(2, 4)[(ReadOnlySpan<int>)[1, 3]]);
        Assert.Equal(View(5)[4], View(5)[(ReadOnlySpan<int>)[4]]);
    }

    [Fact]
    public void Rank_zero_reads_with_no_index_or_flat_index_zero()
    {
        var scalar = new TensorView<float>([42f], ReadOnlySpan<long>.Empty);
        Assert.Equal(0, scalar.Rank);
        Assert.Equal(42f, scalar[[]]);
        Assert.Equal(42f, scalar[0]);
        Assert.Equal(42f, scalar[ReadOnlySpan<int>.Empty]);
    }

    [Fact]
    public void RowView_is_a_view_of_rank_one_lower_that_indexes_the_same_way()
    {
        var view = View(2, 3, 4);
        var row = view.RowView(1);
        Assert.Equal([3L, 4L], row.Shape.ToArray());
        Assert.Equal(2, row.Rank);
        Assert.Equal(12, row.Length);
        Assert.Equal(view[1, 2, 3], row[2, 3]);
        Assert.Equal(view[1, 2, 3], row.RowView(2)[3]);
        Assert.Equal(view[1, 2, 3], row.RowView(2).RowView(3)[[]]);
        Assert.Equal(0, row.RowView(2).RowView(3).Rank);
        Assert.Equal(view.Row(1).ToArray(), row.ToArray());
        Assert.Equal(Enumerable.Range(12, 12).Select(i => (float)i), row.ToArray());
    }

    [Fact]
    public void Row_returns_the_same_elements_as_a_span()
    {
        var view = View(3, 2);
        Assert.Equal([4f, 5f], view.Row(2).ToArray());
        Assert.Equal([2f], View(3).Row(2).ToArray());
    }

    [Fact]
    public void Zero_size_dims_hold_no_element_and_refuse_every_index()
    {
        var empty = new TensorView<float>([], [2, 0, 3]);
        Assert.True(empty.IsEmpty);
        Assert.Equal(3, empty.Rank);
        var row = empty.RowView(1);
        Assert.Equal([0L, 3L], row.Shape.ToArray());
        Assert.True(row.IsEmpty);
        Assert.Equal(0, empty.Row(1).Length);

        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new TensorView<float>([], [2, 0, 3])[0, 0, 0]);
        Assert.StartsWith("index 0 is out of range for dim 1 of size 0 (shape [2, 0, 3])", error.Message);
        Assert.Equal("j", error.ParamName);

        error = Assert.Throws<ArgumentOutOfRangeException>(() => new TensorView<float>([], [0, 3]).RowView(0));
        Assert.StartsWith("index 0 is out of range for dim 0 of size 0 (shape [0, 3])", error.Message);
        error = Assert.Throws<ArgumentOutOfRangeException>(() => new TensorView<float>([], [0, 3]).Row(0).Length);
        Assert.StartsWith("index 0 is out of range for dim 0 of size 0 (shape [0, 3])", error.Message);
    }

    // --- every bounds error names the dim, its size, the index and the shape ---

    [Theory]
    [InlineData(2, 0, "index 2 is out of range for dim 0 of size 2 (shape [2, 4])", "i")]
    [InlineData(-1, 0, "index -1 is out of range for dim 0 of size 2 (shape [2, 4])", "i")]
    [InlineData(0, 4, "index 4 is out of range for dim 1 of size 4 (shape [2, 4])", "j")]
    [InlineData(1, -3, "index -3 is out of range for dim 1 of size 4 (shape [2, 4])", "j")]
    public void Two_indices_out_of_range(int i, int j, string message, string parameter)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => View(2, 4)[i, j]);
        Assert.StartsWith(message, error.Message);
        Assert.Equal(parameter, error.ParamName);
    }

    [Fact]
    public void Index_5_of_dim_1_of_size_4()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => View(2, 4)[0, 5]);
        Assert.Equal("index 5 is out of range for dim 1 of size 4 (shape [2, 4]) (Parameter 'j')", error.Message);
    }

    [Theory]
    [InlineData(3, 0, 0, "index 3 is out of range for dim 0 of size 2 (shape [2, 3, 4])", "i")]
    [InlineData(0, 3, 0, "index 3 is out of range for dim 1 of size 3 (shape [2, 3, 4])", "j")]
    [InlineData(0, 0, 4, "index 4 is out of range for dim 2 of size 4 (shape [2, 3, 4])", "k")]
    [InlineData(0, 0, -1, "index -1 is out of range for dim 2 of size 4 (shape [2, 3, 4])", "k")]
    public void Three_indices_out_of_range(int i, int j, int k, string message, string parameter)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => View(2, 3, 4)[i, j, k]);
        Assert.StartsWith(message, error.Message);
        Assert.Equal(parameter, error.ParamName);
    }

    [Theory]
    [InlineData(2, 0, 0, 0, "index 2 is out of range for dim 0 of size 2 (shape [2, 3, 4, 5])", "i")]
    [InlineData(0, 3, 0, 0, "index 3 is out of range for dim 1 of size 3 (shape [2, 3, 4, 5])", "j")]
    [InlineData(0, 0, 4, 0, "index 4 is out of range for dim 2 of size 4 (shape [2, 3, 4, 5])", "k")]
    [InlineData(0, 0, 0, 5, "index 5 is out of range for dim 3 of size 5 (shape [2, 3, 4, 5])", "l")]
    public void Four_indices_out_of_range(int i, int j, int k, int l, string message, string parameter)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => View(2, 3, 4, 5)[i, j, k, l]);
        Assert.StartsWith(message, error.Message);
        Assert.Equal(parameter, error.ParamName);
    }

    [Theory]
    [InlineData(0, "index 2 is out of range for dim 0 of size 2 (shape [2, 3, 4, 5, 2])")]
    [InlineData(4, "index 2 is out of range for dim 4 of size 2 (shape [2, 3, 4, 5, 2])")]
    public void A_span_of_indices_out_of_range(int dim, string message)
    {
        int[] indices = [0, 0, 0, 0, 0];
        indices[dim] = 2;
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => View(2, 3, 4, 5, 2)[indices.AsSpan()]);
        Assert.StartsWith(message, error.Message);
        Assert.Equal("indices", error.ParamName);
    }

    [Fact]
    public void RowView_and_Row_out_of_range()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => View(2, 4).RowView(2));
        Assert.StartsWith("index 2 is out of range for dim 0 of size 2 (shape [2, 4])", error.Message);
        Assert.Equal("index", error.ParamName);
        error = Assert.Throws<ArgumentOutOfRangeException>(() => View(2, 4).Row(-1).Length);
        Assert.StartsWith("index -1 is out of range for dim 0 of size 2 (shape [2, 4])", error.Message);
        Assert.Equal("index", error.ParamName);
    }

    // --- rank mismatch ---

    [Fact]
    public void Indices_of_another_rank_are_refused_with_the_rank_and_the_shape()
    {
        var error = Assert.Throws<ArgumentException>(() => View(2, 3, 4)[1, 2]);
        Assert.Equal("2 indices were given for a view of rank 3 (shape [2, 3, 4]); give one index per dim, or a single flat index", error.Message);
        error = Assert.Throws<ArgumentException>(() => View(2, 3)[1, 2, 0]);
        Assert.StartsWith("3 indices were given for a view of rank 2 (shape [2, 3])", error.Message);
        error = Assert.Throws<ArgumentException>(() => View(2, 3, 4)[1, 2, 0, 0]);
        Assert.StartsWith("4 indices were given for a view of rank 3 (shape [2, 3, 4])", error.Message);
        error = Assert.Throws<ArgumentException>(() => View(2, 3, 4)[1, 2, 0, 0, 0]);
        Assert.StartsWith("5 indices were given for a view of rank 3 (shape [2, 3, 4])", error.Message);
        error = Assert.Throws<ArgumentException>(() => View(2, 3)[(ReadOnlySpan<int>)[1]]);
        Assert.StartsWith("1 index was given for a view of rank 2 (shape [2, 3])", error.Message);
        error = Assert.Throws<ArgumentException>(() => View(2, 3)[[]]);
        Assert.StartsWith("0 indices were given for a view of rank 2 (shape [2, 3])", error.Message);
        error = Assert.Throws<ArgumentException>(() => new TensorView<float>([1f], ReadOnlySpan<long>.Empty)[0, 0]);
        Assert.StartsWith("2 indices were given for a view of rank 0 (shape [])", error.Message);
    }

    [Fact]
    public void A_rank_zero_view_has_no_rows()
    {
        var error = Assert.Throws<InvalidOperationException>(() => new TensorView<float>([1f], ReadOnlySpan<long>.Empty).RowView(0));
        Assert.Equal("RowView needs a view of rank 1 or more; this one has rank 0 (shape []): read its element with view[0]", error.Message);
        error = Assert.Throws<InvalidOperationException>(() => new TensorView<float>([1f], ReadOnlySpan<long>.Empty).Row(0).Length);
        Assert.StartsWith("Row needs a view of rank 1 or more", error.Message);
    }

    // --- allocation, and views from clients ---

    [Fact]
    public void Indexing_allocates_nothing()
    {
        float[] data = Enumerable.Range(0, 2 * 3 * 4 * 5 * 2).Select(i => (float)i).ToArray();
        long[] shape2 = [12, 20], shape3 = [6, 4, 10], shape4 = [2, 3, 4, 10], shape5 = [2, 3, 4, 5, 2];
        int[] indices = [1, 2, 3, 4, 1];
        float sum = 0;
        long allocated = Allocations.PerLoop(warmUp: 1_000, calls: 100_000, n =>
        {
            int a = n & 1;
            var v2 = new TensorView<float>(data, shape2);
            var v3 = new TensorView<float>(data, shape3);
            var v4 = new TensorView<float>(data, shape4);
            var v5 = new TensorView<float>(data, shape5);
            sum += v2[n % 240] + v2[a, 19] + v3[a, 3, 9] + v4[a, 2, 3, 9] + v5[a, 2, 3, 4, 1] + v5[indices];
            sum += v5.RowView(a).RowView(2)[3, 4, 1] + v3.Row(a)[0] + v3.RowView(a).Rank;
        });
        Assert.Equal(0, allocated);
        Assert.NotEqual(0, sum);
    }

    [Fact]
    public void A_clients_output_indexes_by_dim()
    {
        using var model = new ReshapeModel(Cpu);
        var y = model.Predict([1, 2, 3, 4, 5, 6], [2, 3]).Y;
        Assert.Equal(6f, y[1, 2]);
        Assert.Equal([4f, 5, 6], y.RowView(1).ToArray());
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => model.Predict([1, 2, 3, 4, 5, 6], [2, 3]).Y[0, 3]);
        Assert.StartsWith("index 3 is out of range for dim 1 of size 3 (shape [2, 3])", error.Message);
    }

    [Fact]
    public void A_sequences_tensors_index_by_dim_and_a_missing_tensor_is_named()
    {
        using var model = new SequencesModel(Cpu);
        var longer = model.Predict(parts: [new([1f, 2, 3, 4], 2, 2), new([5f, 6], 1, 2)], extra: [7f, 8]).Longer;
        Assert.Equal(3f, longer[0][1, 0]);
        Assert.Equal(8f, longer[2][0, 1]);
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => longer[3].Length);
        Assert.StartsWith("tensor 3 is out of range for a sequence of 3 tensors", error.Message);

        var empty = default(TensorSequence<float>);
        Assert.Equal(0, empty.Count);
        error = Assert.Throws<ArgumentOutOfRangeException>(() => default(TensorSequence<float>)[0].Length);
        Assert.StartsWith("tensor 0 is out of range for a sequence of 0 tensors", error.Message);

        var one = new TensorSequence<float>([MemoryMarshal.AsBytes(new float[] { 1f, 2 }.AsSpan()).ToArray()], [[2]]);
        Assert.Equal(2f, one[0][(ReadOnlySpan<int>)[1]]);
        error = Assert.Throws<ArgumentOutOfRangeException>(() => new TensorSequence<float>([MemoryMarshal.AsBytes(new float[] { 1f, 2 }.AsSpan()).ToArray()], [[2]])[1].Length);
        Assert.StartsWith("tensor 1 is out of range for a sequence of 1 tensor", error.Message);
    }
}
