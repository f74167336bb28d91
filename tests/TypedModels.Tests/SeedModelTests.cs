using System.IO;
using TypedModels.SeedModel;

namespace TypedModels.Tests;

public class SeedModelTests
{
    [Fact]
    public void Committed_model_is_what_the_trainer_writes()
    {
        byte[] written = SeedModelWriter.Write(SeedModelTrainer.Train());
        Assert.Equal(written, File.ReadAllBytes(SeedModelFile.Path));
    }

    [Fact]
    public void Trained_weights_double_the_number_to_within_one_in_a_thousand()
    {
        var weights = SeedModelTrainer.Train();
        var hidden = new float[SeedWeights.Hidden];
        for (int n = 100; n < 110; n++)
        {
            float prediction = SeedModelTrainer.Forward(weights, n, hidden);
            Assert.InRange(prediction, 2 * n * (1 - 1e-3f), 2 * n * (1 + 1e-3f));
        }
    }

    [Fact]
    public void Training_is_deterministic_and_depends_on_the_seed()
    {
        Assert.Equal(SeedModelTrainer.Train().Kernel1, SeedModelTrainer.Train().Kernel1);
        Assert.NotEqual(SeedModelTrainer.Train(seed: 1).Kernel1, SeedModelTrainer.Train(seed: 2).Kernel1);
    }
}
