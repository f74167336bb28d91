using System;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using TypedModels.Testing;

namespace TypedModels.Tests;

/// <summary>
/// The seed model compiled to C# (<c>CompiledNumberModel</c>, the same file with <c>Backend="Compiled"</c>) against
/// its ONNX Runtime client (<c>NumberModel</c>): same API, same numbers, same errors, nothing allocated per call.
/// </summary>
public sealed class CompiledModelTests(Xunit.Abstractions.ITestOutputHelper output) : IDisposable
{
    private static readonly TypedModelOptions Cpu = new() { ExecutionProvider = ExecutionProviderPreference.Cpu };
    private readonly CompiledNumberModel _compiled = new();
    private readonly NumberModel _onnx = new(Cpu);

    public void Dispose()
    {
        _compiled.Dispose();
        _onnx.Dispose();
    }

    /// <summary>
    /// The bound: 1e-6 of the sum of the magnitudes of the terms behind each output (|number|·|weights| plus |bias|), which
    /// is how large a rounding difference between two orders of summation (and FMA or not) can be; and 1e-6 of the output
    /// itself wherever it is at least a tenth of that sum. Where terms cancel to far less (a hidden unit near its zero
    /// crossing), one rounding of a term is a large part of the output, for ONNX Runtime as for any other order.
    /// </summary>
    [Fact]
    public void Compiled_and_onnx_runtime_agree_on_ten_thousand_random_inputs()
    {
        var random = new Random(20261128);
        float[] numbers = Enumerable.Range(0, 10_000).Select(_ => (float)((random.NextDouble() * 2 - 1) * Math.Pow(10, random.Next(-3, 5)))).ToArray();
        float[] kernel1 = SeedModelFile.Weights("dense/kernel"), bias1 = SeedModelFile.Weights("dense/bias");
        float[] kernel2 = SeedModelFile.Weights("dense_1/kernel"), bias2 = SeedModelFile.Weights("dense_1/bias");
        double worstRelative = 0, worstScaled = 0;
        int compared = 0;

        void Compare(float number, float compiled, float onnx, double scale)
        {
            double difference = Math.Abs((double)compiled - onnx);
            worstScaled = Math.Max(worstScaled, difference / scale);
            Assert.True(difference <= 1e-6 * scale, $"number {number:R}: compiled {compiled:R}, ONNX Runtime {onnx:R}, scale {scale}");
            if (Math.Abs(onnx) >= 0.1 * scale)
                worstRelative = Math.Max(worstRelative, difference / Math.Abs(onnx));
            compared++;
        }

        // One at a time (batch 1), as the seed serves them …
        foreach (float n in numbers)
        {
            var (hidden, predictions) = _compiled.Predict([n]);
            var (onnxHidden, onnxPredictions) = _onnx.Predict([n]);
            double predictionScale = Math.Abs(bias2[0]);
            for (int j = 0; j < 4; j++)
            {
                double scale = Math.Abs(n) * (Math.Abs(kernel1[j]) + Math.Abs(kernel1[4 + j])) + Math.Abs(bias1[j]);
                Compare(n, hidden[j], onnxHidden[j], scale);
                predictionScale += scale * Math.Abs(kernel2[j]);
            }
            Compare(n, predictions[0], onnxPredictions[0], predictionScale);
        }

        // … and as one batch of 10,000.
        var batch = _compiled.Predict(numbers);
        var onnxBatch = _onnx.Predict(numbers);
        Assert.Equal(onnxBatch.Hidden.Shape.ToArray(), batch.Hidden.Shape.ToArray());
        Assert.Equal(onnxBatch.Predictions.Shape.ToArray(), batch.Predictions.Shape.ToArray());
        for (int i = 0; i < numbers.Length; i++)
        {
            double scale = Math.Abs(numbers[i]) * 4 + 4;
            Assert.Equal(onnxBatch.Predictions[i], batch.Predictions[i], tolerance: 1e-6 * scale * 4);
        }

        Assert.Equal(50_000, compared);
        Assert.True(worstRelative <= 1e-6, $"worst relative difference {worstRelative:E2}");
        output.WriteLine($"{compared} outputs compared; worst relative difference where no cancellation: {worstRelative:E2}; worst difference against the terms' scale: {worstScaled:E2}");
    }

    [Fact]
    public void The_seed_written_as_MatMul_and_Add_computes_the_same_bits_as_its_Gemm_form()
    {
        // TensorFlow's form of the same layers (models/fixtures/seed_matmul.onnx): the Adds fold into the written-out
        // products, whose sums round as Gemm's (the product, then the bias).
        using var matMul = new CompiledSeedMatMulModel();
        using var onnxMatMul = new SeedMatmulModel(Cpu);
        float[] numbers = [.. Enumerable.Range(0, 300).Select(i => (i - 150) * 3.7f)];
        var gemm = _compiled.Predict(numbers);
        var (hidden, predictions) = matMul.Predict(numbers);
        Assert.Equal(gemm.Hidden.ToArray(), hidden.ToArray());
        Assert.Equal(gemm.Predictions.ToArray(), predictions.ToArray());
        // ONNX Runtime fuses the two products of a row (MLAS's FMA): within a few units of rounding of the terms' scale.
        var onnx = onnxMatMul.Predict(numbers);
        for (int i = 0; i < numbers.Length; i++)
        {
            double scale = Math.Abs(numbers[i]) * 4 + 4;
            for (int j = 0; j < 4; j++)
                Assert.Equal(onnx.Hidden[i * 4 + j], hidden[i * 4 + j], tolerance: 1e-6 * scale);
            Assert.Equal(onnx.Predictions[i], predictions[i], tolerance: 1e-6 * scale * 4);
        }
    }

    [Fact]
    public void The_same_api_runs_compiled_by_default_and_on_onnx_runtime_for_a_model_loaded_at_run_time()
    {
        Assert.Equal(ModelBackend.Compiled, _compiled.Backend);
        Assert.Contains("Compiled", _compiled.ExecutionProvider.Reason);
        Assert.Equal(ModelBackend.OnnxRuntime, _onnx.Backend);

        using var loaded = new CompiledNumberModel(SeedModelFile.Path, Cpu);
        Assert.Equal(ModelBackend.OnnxRuntime, loaded.Backend);
        var (hidden, predictions) = loaded.Predict([3f, 4f]);
        var (onnxHidden, onnxPredictions) = _onnx.Predict([3f, 4f]);
        Assert.Equal(onnxHidden.ToArray(), hidden.ToArray());
        Assert.Equal(onnxPredictions.ToArray(), predictions.ToArray());
        Assert.Equal(CompiledNumberModel.HiddenDim1, NumberModel.HiddenDim1);
    }

    [Fact]
    public void Predict_allocates_nothing_once_the_arena_fits_the_largest_batch()
    {
        float[] one = [101f], many = Enumerable.Range(0, 64).Select(i => (float)i).ToArray();
        float sum = 0;
        long allocated = Allocations.PerLoop(warmUp: 20, calls: 10_000, i =>
        {
            var (hidden, predictions) = _compiled.Predict(i % 2 == 0 ? one : many);
            sum += predictions[0] + hidden[0];
        });

        Assert.Equal(0, allocated);
        Assert.NotEqual(0, sum);
    }

    [Fact]
    public void A_result_has_the_shapes_of_its_call_and_an_empty_batch_gives_empty_outputs()
    {
        var (hidden, predictions) = _compiled.Predict([1f, 2f, 3f]);
        Assert.Equal([3L, 4L], hidden.Shape.ToArray());
        Assert.Equal([3L, 1L], predictions.Shape.ToArray());
        Assert.Equal(12, hidden.Length);

        var empty = _compiled.Predict([]);
        Assert.Equal([0L, 4L], empty.Hidden.Shape.ToArray());
        Assert.Equal(0, empty.Predictions.Length);
    }

    [Fact]
    public void Bad_input_is_refused_with_the_onnx_runtime_clients_words()
    {
        using var compiled = new CompiledNumberModel(new TypedModelOptions { MaxElementsPerTensor = 100 });
        using var onnx = new NumberModel(new TypedModelOptions { ExecutionProvider = ExecutionProviderPreference.Cpu, MaxElementsPerTensor = 100 });

        var tooLarge = Assert.Throws<ArgumentException>(() => compiled.Predict(new float[50]));
        var onnxTooLarge = Assert.Throws<ArgumentException>(() => onnx.Predict(new float[50]));
        Assert.Equal(onnxTooLarge.Message.Replace("NumberModel", "CompiledNumberModel"), tooLarge.Message);
        Assert.Contains("'hidden'", tooLarge.Message);

        // The client stays usable after a refusal.
        Assert.Equal(onnx.Predict([5f]).Predictions[0], compiled.Predict([5f]).Predictions[0], tolerance: 1e-4);
    }

    [Fact]
    public void Cuda_is_refused_and_a_disposed_client_says_so()
    {
        var cuda = Assert.Throws<InvalidOperationException>(() => new CompiledNumberModel(new TypedModelOptions { ExecutionProvider = ExecutionProviderPreference.Cuda }));
        Assert.Contains("CompiledNumberModel", cuda.Message);
        Assert.Contains("Cuda", cuda.Message);

        var model = new CompiledNumberModel();
        model.Dispose();
        Assert.Throws<ObjectDisposedException>(() => model.Predict([1f]));
    }

    [Fact]
    public void A_pool_of_compiled_clients_serves_threads_without_a_session()
    {
        using var pool = CompiledNumberModel.CreatePool();
        Assert.Contains("Compiled", pool.ExecutionProvider.Reason);
        float expected = _compiled.Predict([21f]).Predictions[0];

        Parallel.For(0, 64, i =>
        {
            using var lease = pool.Rent();
            Assert.Equal(expected, lease.Model.Predict([21f]).Predictions[0]);
        });
        Assert.InRange(pool.Created, 1, 64);
    }

    [Fact]
    public void Every_way_into_a_call_checks_the_lengths_and_the_shape_cache_follows_them()
    {
        var runner = new Compiled.CompiledRunner(CompiledNumberModel.Descriptor, 4, new TypedModelOptions { MaxElementsPerTensor = 100 });

        // The span overload (four inputs or more, or dims given as parameters) resolves like the others …
        Assert.Equal([3L], runner.Enter([3], default).ToArray());
        runner.Exit();
        // … and a refused call, by either way in, leaves the instance free and its cache clean.
        var tooLarge = Assert.Throws<ArgumentException>(() => runner.Enter([50], default));
        Assert.Contains("CompiledNumberModel: output 'hidden'", tooLarge.Message);
        Assert.Throws<ArgumentException>(() => runner.Enter(50));
        var miscounted = Assert.Throws<ArgumentException>(() => runner.Enter(new int[2], default));
        Assert.Contains("CompiledNumberModel has 1 inputs; 2 lengths were given", miscounted.Message);
        Assert.Equal([3L], runner.Enter(3).ToArray());
        runner.Exit();
        Assert.Equal([7L], runner.Enter(7).ToArray());
        runner.Exit();
        Assert.Equal([7L], runner.Enter(7).ToArray()); // from the cache
        runner.Exit();
    }

    [Fact]
    public void Overlapping_calls_on_one_instance_are_refused()
    {
        // Enter without Exit is what a second thread meets while the first is mid-call.
        var runner = new Compiled.CompiledRunner(CompiledNumberModel.Descriptor, 4);
        runner.Enter(1);
        Exception? refused = null;
        var other = new Thread(() => refused = Record.Exception(() => runner.Enter(1)));
        other.Start();
        other.Join();
        Assert.Contains("another thread", Assert.IsType<InvalidOperationException>(refused).Message);
        runner.Exit();
        Assert.Equal([7L], runner.Enter(7).ToArray());
        runner.Exit();
    }
}

/// <summary>
/// <c>layers.onnx</c>, a fixture that uses every operator the compiled backend runs over a symbolic batch, compiled
/// (<c>CompiledLayersModel</c>) against ONNX Runtime (<c>LayersModel</c>).
/// </summary>
public sealed class CompiledLayersTests : IDisposable
{
    private readonly CompiledLayersModel _compiled = new();
    private readonly LayersModel _onnx = new(new TypedModelOptions { ExecutionProvider = ExecutionProviderPreference.Cpu });

    public void Dispose()
    {
        _compiled.Dispose();
        _onnx.Dispose();
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(5)]
    [InlineData(64)]
    public void Every_operator_matches_onnx_runtime_within_a_few_ulps(int batch)
    {
        var random = new Random(batch);
        float[] x = Enumerable.Range(0, batch * 3).Select(_ => (float)(random.NextDouble() * 8 - 4)).ToArray();

        var compiled = _compiled.Predict(x);
        var onnx = _onnx.Predict(x);

        AssertClose(onnx.Scores, compiled.Scores);
        AssertClose(onnx.Probs, compiled.Probs);
        AssertClose(onnx.Tiled, compiled.Tiled);
        AssertClose(onnx.Mixed, compiled.Mixed);
        AssertClose(onnx.Swapped, compiled.Swapped);
        Assert.Equal([batch, 3L, 2L], compiled.Swapped.Shape.ToArray());
        Assert.Equal([batch, 2L, 3L], compiled.Probs.Shape.ToArray());
    }

    [Fact]
    public void A_call_allocates_nothing()
    {
        float[] x = [0.5f, -1, 2, 3, 0, -2];
        float sum = 0;
        Assert.Equal(0, Allocations.PerLoop(warmUp: 10, calls: 1_000, _ => sum += _compiled.Predict(x).Scores[0]));
        Assert.NotEqual(0, sum);
    }

    /// <summary>Equal shapes, and values within 4 ulps of the tensor's largest magnitude (the conformance run's bound).</summary>
    private static void AssertClose(TensorView<float> expected, TensorView<float> actual)
    {
        Assert.Equal(expected.Shape.ToArray(), actual.Shape.ToArray());
        float largest = 0;
        foreach (float v in expected.Span)
            largest = Math.Max(largest, Math.Abs(v));
        double ulp = MathF.BitIncrement(largest) - largest;
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 4 * ulp, $"element {i}: ONNX Runtime {expected[i]:R}, compiled {actual[i]:R}");
    }
}
