using System;

namespace TypedModels.SeedModel;

/// <summary>The trained parameters of the seed's two linear layers, row-major.</summary>
public sealed record SeedWeights(float[] Kernel1, float[] Bias1, float[] Kernel2, float[] Bias2)
{
    public const int Inputs = 2;
    public const int Hidden = 4;
}

/// <summary>
/// Trains the seed's model exactly as <c>shared/seed/seed-model.md</c> states: 100 examples ([n, n] → 2n),
/// batches of 20 in order, 200 passes (1,000 Adam steps, lr 0.5, TF1's bias-corrected step size),
/// Glorot-uniform kernels and zero biases, loss ½·Σ(prediction − label)². All arithmetic is float32
/// with no library math beyond IEEE-exact square roots, so the weights are bit-for-bit reproducible.
/// </summary>
public static class SeedModelTrainer
{
    public const int DefaultSeed = 42;
    public const int Examples = 100;
    public const int BatchSize = 20;
    public const int Passes = 200;

    public static SeedWeights Train(int seed = DefaultSeed, int steps = Examples / BatchSize * Passes)
    {
        // System.Random with a seed uses its legacy, version-stable algorithm.
        var random = new Random(seed);
        var w = new SeedWeights(
            GlorotUniform(random, SeedWeights.Inputs, SeedWeights.Hidden),
            new float[SeedWeights.Hidden],
            GlorotUniform(random, SeedWeights.Hidden, 1),
            new float[1]);

        var adam = new Adam(learningRate: 0.5f, w.Kernel1, w.Bias1, w.Kernel2, w.Bias2);
        var g = new SeedWeights(new float[w.Kernel1.Length], new float[w.Bias1.Length], new float[w.Kernel2.Length], new float[1]);
        var hidden = new float[SeedWeights.Hidden];

        for (int step = 0; step < steps; step++)
        {
            Array.Clear(g.Kernel1); Array.Clear(g.Bias1); Array.Clear(g.Kernel2); Array.Clear(g.Bias2);
            int first = step * BatchSize % Examples;
            for (int n = first; n < first + BatchSize; n++)
            {
                float x = n, label = 2 * n;
                float prediction = Forward(w, x, hidden);
                float dPrediction = prediction - label; // d/dp of ½(p − y)²
                for (int j = 0; j < SeedWeights.Hidden; j++)
                {
                    g.Kernel2[j] += hidden[j] * dPrediction;
                    float dHidden = dPrediction * w.Kernel2[j];
                    g.Bias1[j] += dHidden;
                    // Both features are x: rows 0 and 1 of kernel 1 get the same gradient.
                    g.Kernel1[j] += x * dHidden;
                    g.Kernel1[SeedWeights.Hidden + j] += x * dHidden;
                }
                g.Bias2[0] += dPrediction;
            }
            adam.Step(g.Kernel1, g.Bias1, g.Kernel2, g.Bias2);
        }
        return w;
    }

    /// <summary>The model's math for one number; fills <paramref name="hidden"/> and returns the prediction.</summary>
    public static float Forward(SeedWeights w, float number, Span<float> hidden)
    {
        float prediction = w.Bias2[0];
        for (int j = 0; j < SeedWeights.Hidden; j++)
        {
            hidden[j] = number * w.Kernel1[j] + number * w.Kernel1[SeedWeights.Hidden + j] + w.Bias1[j];
            prediction += hidden[j] * w.Kernel2[j];
        }
        return prediction;
    }

    private static float[] GlorotUniform(Random random, int fanIn, int fanOut)
    {
        float limit = MathF.Sqrt(6f / (fanIn + fanOut));
        var kernel = new float[fanIn * fanOut];
        for (int i = 0; i < kernel.Length; i++)
            kernel[i] = (float)(random.NextDouble() * 2 - 1) * limit;
        return kernel;
    }

    /// <summary>Adam as TF1's AdamOptimizer applies it: lr_t = lr·√(1−β₂ᵗ)/(1−β₁ᵗ), θ −= lr_t·m/(√v + ε).</summary>
    private sealed class Adam(float learningRate, params float[][] parameters)
    {
        private const float Beta1 = 0.9f, Beta2 = 0.999f, Epsilon = 1e-8f;
        private readonly float[][] _m = Array.ConvertAll(parameters, p => new float[p.Length]);
        private readonly float[][] _v = Array.ConvertAll(parameters, p => new float[p.Length]);
        private float _beta1Power = 1, _beta2Power = 1;

        public void Step(params float[][] gradients)
        {
            _beta1Power *= Beta1;
            _beta2Power *= Beta2;
            float lr = learningRate * MathF.Sqrt(1 - _beta2Power) / (1 - _beta1Power);
            for (int p = 0; p < parameters.Length; p++)
            {
                float[] theta = parameters[p], grad = gradients[p], m = _m[p], v = _v[p];
                for (int i = 0; i < theta.Length; i++)
                {
                    m[i] = Beta1 * m[i] + (1 - Beta1) * grad[i];
                    v[i] = Beta2 * v[i] + (1 - Beta2) * grad[i] * grad[i];
                    theta[i] -= lr * m[i] / (MathF.Sqrt(v[i]) + Epsilon);
                }
            }
        }
    }
}
