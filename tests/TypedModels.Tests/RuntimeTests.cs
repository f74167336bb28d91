using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading;
using Microsoft.ML.OnnxRuntime;
using TypedModels.Load;
using TypedModels.Run;
using TypedModels.Testing;
using Xunit.Abstractions;

namespace TypedModels.Tests;

public class RuntimeTests(ITestOutputHelper output)
{
    private static readonly TypedModelOptions Cpu = new() { ExecutionProvider = ExecutionProviderPreference.Cpu };

    // --- shapes ---

    [Fact]
    public void Shape_cache_is_bounded_least_recently_used_first_out_and_results_stay_right()
    {
        using var model = new NumberModel(Cpu with { MaxCachedShapes = 2 });
        float Predict(int batch) => model.Predict(Enumerable.Repeat(100f, batch).ToArray()).Predictions[batch - 1];
        float expected = Predict(1);

        Assert.Equal(expected, Predict(2));
        Assert.Equal(expected, Predict(3)); // evicts batch 1
        Assert.Equal(expected, Predict(2));
        Assert.Equal(expected, Predict(1)); // evicts batch 3, the least recently used
        Assert.Equal(expected, Predict(3));
        Assert.Equal(2, CachedShapes(model));
    }

    [Fact]
    public void Alternating_batch_sizes_within_the_cache_allocate_nothing()
    {
        using var model = new NumberModel(Cpu);
        var batches = new[] { 1, 7, 64, 3 }.Select(b => Enumerable.Range(0, b).Select(i => (float)i).ToArray()).ToArray();
        float sum = 0;
        // One warm-up call per batch size binds each shape's buffers; then no call allocates.
        Assert.Equal(0, Allocations.PerLoop(warmUp: batches.Length, calls: 4_000, i => sum += model.Predict(batches[i % batches.Length]).Predictions[0]));
        Assert.NotEqual(0, sum);
    }

    // --- bad input, each rule with its message ---

    [Fact]
    public void Length_not_a_multiple_of_the_fixed_dims_is_refused_and_the_instance_stays_usable()
    {
        using var model = new DimsModel(Cpu);
        var error = Assert.Throws<ArgumentException>(() => model.Predict(a: [1, 2, 3, 4], b: [1, 2], scale: 1));
        Assert.Equal("a", error.ParamName);
        Assert.StartsWith("DimsModel: input 'a' has shape [batch, 3], so it needs a whole number of rows of 3 elements; 4 elements were given.", error.Message);
        Assert.Equal([2L, 3L], model.Predict(a: [1, 2, 3, 4, 5, 6], b: [1, 2], scale: 1).Scaled.Shape.ToArray());
    }

    [Fact]
    public void Dims_that_disagree_between_inputs()
    {
        using var model = new DimsModel(Cpu);
        var error = Assert.Throws<ArgumentException>(() => model.Predict(a: [1, 2, 3, 4, 5, 6], b: [1, 2, 3], scale: 1));
        Assert.Equal("b", error.ParamName);
        Assert.Contains("DimsModel: input 'b' has shape [batch, seq] with batch = 2, so it needs a multiple of 2 elements; 3 elements were given.", error.Message);
    }

    [Fact]
    public void A_batch_of_zero_is_an_empty_tensor_and_gives_empty_outputs()
    {
        using var model = new NumberModel(Cpu);
        var (hidden, predictions) = model.Predict(ReadOnlySpan<float>.Empty);
        Assert.Equal([0L, 4L], hidden.Shape.ToArray());
        Assert.Equal([0L, 1L], predictions.Shape.ToArray());
        Assert.Equal(0, predictions.Length);
        // The client stays usable, and the empty shape keeps its own binding.
        Assert.Equal(200f, model.Predict([100f]).Predictions[0], 0.5f);
    }

    [Fact]
    public void An_empty_input_whose_fixed_dims_allow_no_elements_refuses_elements()
    {
        using var model = new DimsModel(Cpu);
        var error = Assert.Throws<ArgumentException>(() => model.Predict(a: [], b: [1, 2], scale: 1));
        Assert.Equal("b", error.ParamName);
        Assert.Contains("DimsModel: input 'b' has shape [batch, seq] with batch = 0", error.Message);
    }

    [Theory]
    [InlineData(-3, 2)]
    [InlineData(2, long.MaxValue)]
    public void Negative_or_absurd_explicit_dims(long rows, long cols)
    {
        using var model = new ExplicitModel(Cpu);
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => model.Predict(new float[4], rows, cols));
        Assert.Equal(rows <= 0 ? "rows" : "cols", error.ParamName);
        Assert.Contains($"ExplicitModel: the dim '{(rows <= 0 ? "rows" : "cols")}' must be between 0 and {Cpu.MaxElementsPerTensor}; {(rows <= 0 ? rows : cols)} was given.", error.Message);
    }

    [Fact]
    public void Explicit_dims_must_agree_with_the_length()
    {
        using var model = new ExplicitModel(Cpu);
        Assert.Equal([3f, 7f], model.Predict([1, 2, 3, 4], rows: 2, cols: 2).Total.ToArray());
        var error = Assert.Throws<ArgumentException>(() => model.Predict([1, 2, 3, 4], rows: 3, cols: 2));
        Assert.Contains("input 'x' has shape [rows, cols] with rows = 3, cols = 2", error.Message);
    }

    [Fact]
    public void An_input_larger_than_the_configured_limit()
    {
        using var model = new NumberModel(Cpu with { MaxElementsPerTensor = 100 });
        Assert.Equal(1L, model.Predict(new float[25]).Hidden.Shape[1] / 4); // 25 × 4 = 100 elements: allowed
        var error = Assert.Throws<ArgumentException>(() => model.Predict(new float[26]));
        Assert.Equal("number", error.ParamName); // the parameter whose length set batch
        Assert.Contains("NumberModel: output 'hidden' [batch, 4] would have more than 100 elements with batch = 26", error.Message);
    }

    [Fact]
    public void Native_errors_surface_as_TypedModelException_and_the_instance_stays_usable()
    {
        using var model = new ReshapeModel(Cpu);
        var error = Assert.Throws<TypedModelException>(() => model.Predict([1, 2, 3, 4, 5, 6], [5, 5]));
        Assert.Equal("ReshapeModel", error.Model);
        Assert.StartsWith("ReshapeModel: ONNX Runtime failed to run the model: ", error.Message);
        Assert.IsType<OnnxRuntimeException>(error.InnerException);

        var y = model.Predict([1, 2, 3, 4, 5, 6], [2, 3]).Y;
        Assert.Equal([2L, 3L], y.Shape.ToArray());
        Assert.Equal([1f, 2, 3, 4, 5, 6], y.ToArray());
        Assert.Equal([3L, 2L], model.Predict([1, 2, 3, 4, 5, 6], [3, 2]).Y.Shape.ToArray());
    }

    // --- lifecycle and loading ---

    [Fact]
    public void Loads_from_bytes_a_stream_and_an_embedded_resource()
    {
        byte[] bytes = File.ReadAllBytes(SeedModelFile.Path);
        using var fromBytes = new NumberModel(bytes, Cpu);
        using var fromStream = new NumberModel(ModelSource.FromStream(new MemoryStream(bytes)), Cpu);
        Assert.Equal(fromBytes.Predict([100f]).Predictions[0], fromStream.Predict([100f]).Predictions[0]);

        // explicit.onnx is embedded and not copied: the default constructor can only have read the resource.
        Assert.False(File.Exists(Path.Combine(AppContext.BaseDirectory, ExplicitModel.ModelPath)));
        using var embedded = new ExplicitModel(Cpu);
        Assert.Equal([6f], embedded.Predict([1, 2, 3], rows: 1, cols: 3).Total.ToArray());
        var missing = Assert.Throws<FileNotFoundException>(() => new ExplicitModel(ModelSource.FromResource(typeof(RuntimeTests).Assembly, "nope"), Cpu));
        Assert.Contains("has no embedded resource 'nope'", missing.Message);
    }

    [Fact]
    public void Ten_thousand_create_dispose_cycles_leave_process_memory_flat()
    {
        byte[] bytes = File.ReadAllBytes(SeedModelFile.Path);
        void Cycles(int count)
        {
            for (int i = 0; i < count; i++)
            {
                using var model = new NumberModel(bytes, Cpu);
                model.Predict([i]);
            }
        }

        Cycles(500);
        long before = WorkingSet();
        var watch = Stopwatch.StartNew();
        Cycles(10_000);
        long after = WorkingSet();
        output.WriteLine($"10,000 cycles in {watch.Elapsed.TotalSeconds:F1} s; working set {before / 1048576} MB → {after / 1048576} MB");
        Assert.InRange(after - before, long.MinValue, 32L * 1024 * 1024);
    }

    private static long WorkingSet()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        using var process = Process.GetCurrentProcess();
        return process.WorkingSet64;
    }

    [Fact]
    public void Session_of_another_client_is_refused()
    {
        using var session = ModelSession.Load(DimsModel.Descriptor, Path.Combine(AppContext.BaseDirectory, DimsModel.ModelPath), Cpu);
        var error = Assert.Throws<ArgumentException>(() => new NumberModel(session));
        Assert.Contains("The session was not loaded for NumberModel", error.Message);
    }

    // --- CUDA graph capture ---

    [Fact]
    public void Cuda_graph_refuses_shapes_known_only_after_running_before_any_provider_is_tried()
    {
        var error = Assert.Throws<InvalidOperationException>(() => new DimsModel(new TypedModelOptions { CudaGraph = true }));
        Assert.Contains("DimsModel: CUDA graph capture needs fixed shapes on the device, but output 'where' [2, where.dim1] has a shape known only after running", error.Message);
    }

    [Fact]
    public void Cuda_graph_predicts_the_same_on_whatever_provider_it_gets()
    {
        // On a machine with CUDA this runs the captured-graph path (device copies per shape); without, the CPU fallback.
        using var reference = new NumberModel(Cpu);
        using var model = new NumberModel(new TypedModelOptions { CudaGraph = true });
        foreach (var batch in new[] { 1, 7, 1, 64 })
        {
            float[] numbers = Enumerable.Range(0, batch).Select(i => 100f + i).ToArray();
            Assert.Equal(reference.Predict(numbers).Predictions.ToArray(), model.Predict(numbers).Predictions.ToArray(), new ToleranceComparer(1e-4f));
        }
        if (model.ExecutionProvider.Provider == ExecutionProviderPreference.Cpu)
            Assert.Throws<TypedModelException>(() => new NumberModel(new TypedModelOptions { CudaGraph = true, ExecutionProvider = ExecutionProviderPreference.Cuda }));
    }

    private sealed class ToleranceComparer(float relative) : System.Collections.Generic.IEqualityComparer<float>
    {
        public bool Equals(float x, float y) => Math.Abs(x - y) <= relative * Math.Max(Math.Abs(x), Math.Abs(y));

        public int GetHashCode(float value) => 0;
    }

    // --- concurrency ---

    [Fact]
    public void A_call_overlapping_another_threads_call_is_refused_and_then_the_instance_works()
    {
        using var session = ModelSession.Load(NumberModel.Descriptor, SeedModelFile.Path, Cpu);
        using var runner = new ModelRunner(session);
        var binding = runner.Bind([1]); // this thread is now inside a call

        var error = Assert.Throws<InvalidOperationException>(() => OnOtherThread(() => runner.Bind([1])));
        Assert.Contains("another thread is calling Predict on this instance", error.Message);

        binding.Input<float>(0)[0] = 100;
        runner.Run(binding);
        runner.Exit();
        OnOtherThread(() => // free again
        {
            var again = runner.Bind([1]);
            try { runner.Run(again); }
            finally { runner.Exit(); }
        });
    }

    [Fact]
    public void Pool_load_test_every_result_checked_and_no_allocation_per_call()
    {
        // By hand, the full count: TYPEDMODELS_POOL_CALLS=1000000 dotnet test tests/TypedModels.Tests --filter Pool_load_test
        int calls = int.TryParse(Environment.GetEnvironmentVariable("TYPEDMODELS_POOL_CALLS"), out int n) ? n : 100_000;
        const int threads = 8;
        float[] inputs = Enumerable.Range(0, 1000).Select(i => i * 0.5f).ToArray();
        float[] expected;
        using (var reference = new NumberModel(Cpu))
            expected = inputs.Select(x => reference.Predict([x]).Predictions[0]).ToArray();

        using var pool = NumberModel.CreatePool(Cpu);
        // The pool grows when every client is rented; a client created under contention mid-run would count its
        // buffers against that call (seen: 1,368 B on one thread). Grow it to one client per thread first.
        var leases = Enumerable.Range(0, threads).Select(_ => pool.Rent()).ToList();
        leases.ForEach(lease => lease.Model.Predict([1f]));
        leases.ForEach(lease => lease.Dispose());
        var allocated = new long[threads];
        var watch = Stopwatch.StartNew();
        var workers = Enumerable.Range(0, threads).Select(t => new Thread(() =>
        {
            float[] one = new float[1];
            allocated[t] = Allocations.PerLoop(warmUp: 100, calls: calls, i =>
            {
                int k = (i * 7 + t) % inputs.Length;
                one[0] = inputs[k];
                using var lease = pool.Rent();
                float got = lease.Model.Predict(one).Predictions[0];
                if (got != expected[k])
                    throw new InvalidOperationException($"thread {t}, call {i}: {inputs[k]} gave {got}, expected {expected[k]}");
            });
        })).ToList();
        workers.ForEach(w => w.Start());
        workers.ForEach(w => w.Join());

        output.WriteLine($"{threads} threads × {calls:N0} predictions in {watch.Elapsed.TotalSeconds:F1} s through {pool.Created} pooled clients on one session");
        Assert.All(allocated, bytes => Assert.Equal(0, bytes));
        Assert.InRange(pool.Created, 1, threads);
    }

    private static void OnOtherThread(Action action)
    {
        Exception? error = null;
        var thread = new Thread(() =>
        {
            try { action(); }
            catch (Exception e) { error = e; }
        });
        thread.Start();
        thread.Join();
        if (error is not null)
            throw error;
    }

    private static int CachedShapes(NumberModel model) =>
        ((ModelRunner)typeof(NumberModel).GetField("_runner", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance)!.GetValue(model)!).CachedShapes;
}
