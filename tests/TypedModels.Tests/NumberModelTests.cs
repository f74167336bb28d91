using System;
using System.Linq;
using Microsoft.ML.OnnxRuntime;
using TypedModels.Consumer;
using TypedModels.Testing;

namespace TypedModels.Tests;

public sealed class NumberModelTests : IDisposable
{
    private readonly NumberModel _model = new(new TypedModelOptions { ExecutionProvider = ExecutionProviderPreference.Cpu });

    public void Dispose() => _model.Dispose();

    [Fact]
    public void Predictions_double_the_number()
    {
        for (int n = 100; n < 110; n++)
        {
            var (_, predictions) = _model.Predict([n]);
            Assert.Equal([1L, 1L], predictions.Shape.ToArray());
            Assert.InRange(predictions[0], 2 * n * (1 - 1e-3f), 2 * n * (1 + 1e-3f));
        }
    }

    [Fact]
    public void Hidden_is_the_first_layer_computed_from_the_model_weights()
    {
        float[] kernel = SeedModelFile.Weights("dense/kernel"), bias = SeedModelFile.Weights("dense/bias");
        var (hidden, _) = _model.Predict([42f]);

        Assert.Equal([1L, 4L], hidden.Shape.ToArray());
        for (int j = 0; j < 4; j++)
        {
            // The graph tiles the number to [n, n] before the layer.
            float expected = 42f * kernel[j] + 42f * kernel[4 + j] + bias[j];
            Assert.Equal(expected, hidden[j], tolerance: Math.Abs(expected) * 1e-6 + 1e-6);
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(1000)]
    public void Every_row_of_a_batch_matches_the_model_math(int batch)
    {
        var weights = new SeedModel.SeedWeights(
            SeedModelFile.Weights("dense/kernel"), SeedModelFile.Weights("dense/bias"),
            SeedModelFile.Weights("dense_1/kernel"), SeedModelFile.Weights("dense_1/bias"));
        float[] numbers = Enumerable.Range(0, batch).Select(i => i * 0.37f - 50).ToArray();

        var (hidden, predictions) = _model.Predict(numbers);

        Assert.Equal([batch, 4L], hidden.Shape.ToArray());
        Assert.Equal([batch, 1L], predictions.Shape.ToArray());
        var expectedHidden = new float[4];
        for (int i = 0; i < batch; i++)
        {
            float expected = SeedModel.SeedModelTrainer.Forward(weights, numbers[i], expectedHidden);
            Assert.Equal(expected, predictions[i], tolerance: Math.Abs(expected) * 1e-5 + 1e-4);
            for (int j = 0; j < 4; j++)
                Assert.Equal(expectedHidden[j], hidden.Row(i)[j], tolerance: Math.Abs(expectedHidden[j]) * 1e-5 + 1e-4);
        }
    }

    [Fact]
    public void Predict_allocates_nothing_after_warm_up()
    {
        float[] one = [101f];
        float[] seven = [1, 2, 3, 4, 5, 6, 7];
        float sum = 0;
        long allocated = Allocations.PerLoop(warmUp: 200, calls: 10_000, i =>
        {
            var (hidden, predictions) = _model.Predict(i % 2 == 0 ? one : seven);
            sum += predictions[0] + hidden[0];
        });

        Assert.Equal(0, allocated);
        Assert.True(sum > 0);
    }

    [Fact]
    public void Use_after_dispose_throws_and_dispose_is_idempotent()
    {
        var model = new NumberModel(new TypedModelOptions { ExecutionProvider = ExecutionProviderPreference.Cpu });
        model.Predict([1f]);
        model.Dispose();
        model.Dispose();

        Assert.Throws<ObjectDisposedException>(() => model.Predict([1f]));
    }

    [Fact]
    public void Auto_provider_falls_back_to_cpu_with_a_reason_and_strict_cuda_agrees()
    {
        using var auto = new NumberModel();
        var provider = auto.ExecutionProvider;
        Assert.NotEmpty(provider.Reason);
        var strict = new TypedModelOptions { ExecutionProvider = ExecutionProviderPreference.Cuda };
        if (provider.Provider == ExecutionProviderPreference.Cuda)
        {
            using var cuda = new NumberModel(strict);
            Assert.Equal(ExecutionProviderPreference.Cuda, cuda.ExecutionProvider.Provider);
        }
        else
        {
            Assert.Equal(ExecutionProviderPreference.Cpu, provider.Provider);
            Assert.Contains("CUDA", provider.Reason);
            // ONNX Runtime's exception does not say what is missing; the reason adds the dynamic loader's answer.
            if (OperatingSystem.IsLinux() && System.IO.File.Exists(System.IO.Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", "libonnxruntime_providers_cuda.so")))
                Assert.Contains("cannot open shared object file", provider.Reason);
            var error = Assert.Throws<TypedModelException>(() => new NumberModel(strict));
            Assert.Contains("CUDA could not be created", error.Message);
            Assert.IsType<OnnxRuntimeException>(error.InnerException);
        }
        Assert.InRange(auto.Predict([100f]).Predictions[0], 199.8f, 200.2f);
    }

    [Fact]
    public void Model_with_another_signature_is_refused_at_load_with_the_differences()
    {
        string path = SeedModelFile.WriteVariant(m =>
        {
            m.Graph.Output[0].Name = "hidden_renamed";
            m.Graph.Node[1].Output[0] = "hidden_renamed";
            m.Graph.Node[2].Input[0] = "hidden_renamed";
            m.Graph.Output[1].Type.TensorType.Shape.Dim[1].DimValue = 1;
        });

        var error = Assert.Throws<InvalidOperationException>(() => new NumberModel(path));
        Assert.Contains("NumberModel", error.Message);
        Assert.Contains("output 'hidden' is missing", error.Message);
    }

    [Fact]
    public void Missing_model_file_names_the_path()
    {
        var error = Assert.Throws<System.IO.FileNotFoundException>(() => new NumberModel("/no/such/number.onnx"));
        Assert.Contains("NumberModel", error.Message);
        Assert.Equal("/no/such/number.onnx", error.FileName);
    }

    [Fact]
    public void Attribute_client_fetches_only_the_outputs_it_names()
    {
        using var scorer = new Scorer();

        Assert.InRange(scorer.Double(100f), 199.8f, 200.2f);
        Assert.Equal(["predictions"], Scorer.Descriptor.Outputs.Select(o => o.Name));
        Assert.Null(typeof(Scorer.Result).GetProperty("Hidden"));
    }
}
