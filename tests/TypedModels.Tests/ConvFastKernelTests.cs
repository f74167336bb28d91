using System;
using System.Linq;
using TypedModels.Compiled;
using TypedModels.Testing;

namespace TypedModels.Tests;

/// <summary>
/// Conv's fast forms (Kernels.ConvFast.cs) against a double loop written from ONNX's definition and against the generic
/// Kernels.Conv, over many shapes: channels and maps 1 to 33, spatial sizes with tails past every vector width (1 to 40
/// along a row), strides 1 and 2, symmetric and asymmetric pads, dilations for im2col, batch 1 and 3, bands of output
/// rows smaller than the map; and no allocation. A float sum of n terms is within n·2⁻²⁴·Σ|terms| of the exact one, so
/// each output is held to that (any indexing slip is off by a term, far more).
/// </summary>
public sealed class ConvFastKernelTests
{
    [Fact]
    public void Pointwise_matches_the_definition()
    {
        var random = new Random(19);
        int[] channelCounts = [1, 2, 3, 4, 5, 7, 8, 16, 17, 33];
        int[] mapCounts = [1, 3, 4, 5, 8, 9, 16, 33];
        for (int t = 0; t < 60; t++)
        {
            int channels = channelCounts[t % channelCounts.Length], maps = mapCounts[(t * 7) % mapCounts.Length];
            int batch = t % 2 == 0 ? 1 : 3;
            int[] spatial = t % 3 == 0 ? [random.Next(1, 80)] : [random.Next(1, 9), random.Next(1, 41)];
            Check(random, batch, channels, maps, spatial, [.. spatial.Select(_ => 1)], 1, [.. spatial.Select(_ => 1)], [.. spatial.Select(_ => 1)],
                new int[2 * spatial.Length], bias: t % 4 != 1, (x, xs, w, ws, b, st, di, p, d, ds) => Kernels.ConvPointwise(x, xs, w, b, d, ds));
        }
    }

    [Fact]
    public void Depthwise_matches_the_definition()
    {
        var random = new Random(20);
        int[][] kernels = [[3, 3], [5, 5], [1, 3], [3, 1], [1, 1], [3, 5]];
        for (int t = 0; t < 80; t++)
        {
            int channels = 1 + (t * 5) % 33;
            int batch = t % 3 == 0 ? 3 : 1;
            int[] kernel = kernels[t % kernels.Length];
            int[] strides = [1 + (t / 2) % 2, 1 + t % 2];
            int[] pads = [random.Next(0, kernel[0]), random.Next(0, kernel[1]), random.Next(0, kernel[0]), random.Next(0, kernel[1])];
            int[] spatial = [random.Next(kernel[0], 12), random.Next(kernel[1], 41)];
            // With room for the map in phased rows (H·sw·(OW + (kw − 1)/sw): whole rows of vectors, the nine weights in
            // registers for 3×3), for the padded map, for the map in phases only, and none (scalar past stride 1).
            int ow = (spatial[1] + pads[1] + pads[3] - kernel[1]) / strides[1] + 1;
            float[] phases = t % 4 == 3 ? [] : t % 4 == 2 ? new float[spatial[0] * spatial[1]]
                : t % 4 == 1 ? new float[spatial[0] * (spatial[1] + pads[1] + pads[3])] : new float[spatial[0] * strides[1] * (ow + (kernel[1] - 1) / strides[1])];
            Check(random, batch, channels, channels, spatial, kernel, channels, strides, [1, 1], pads, bias: t % 4 != 2,
                (x, xs, w, ws, b, st, di, p, d, ds) => Kernels.ConvDepthwise(x, xs, w, ws, b, st, p, d, ds, phases));
        }
    }

    [Fact]
    public void Im2col_matches_the_definition()
    {
        var random = new Random(21);
        for (int t = 0; t < 120; t++)
        {
            bool two = t % 2 == 0;
            int channels = 1 + (t * 7) % 17, maps = 1 + (t * 5) % 33;
            int batch = t % 3 == 0 ? 3 : 1;
            int[] kernel = two ? [1 + t % 3, 1 + (t / 3) % 4] : [1 + (t * 3) % 9];
            int[] strides = two ? [1 + (t / 4) % 2, 1 + (t / 2) % 2] : [1 + (t / 2) % 3];
            int[] dilations = t % 5 == 0 ? [.. kernel.Select(_ => 2)] : [.. kernel.Select(_ => 1)];
            int[] pads = [.. Enumerable.Range(0, 2 * kernel.Length).Select(i => random.Next(0, kernel[i % kernel.Length]))];
            int[] spatial = [.. kernel.Select((k, i) => random.Next(dilations[i] * (k - 1) + 1, two && i == 0 ? 12 : two ? 60 : 120))];
            // A band of 1, 2 or all output rows.
            int band = t % 3;
            Check(random, batch, channels, maps, spatial, kernel, 1, strides, dilations, pads, bias: t % 4 != 3,
                (x, xs, w, ws, b, st, di, p, d, ds) =>
                {
                    // 2-D: bands of 1, 2 or all output rows; 1-D: of 16 (or fewer) columns, 21 or all. The stride's phases
                    // after them, or (one case in 7) none: strided reads.
                    int depth = channels * kernel.Aggregate(1, (a, k) => a * k), ow = ds[^1], oh = two ? ds[2] : 1;
                    int phases = strides[^1] > 1 && t % 7 != 3 ? channels * spatial.Aggregate(1, (a, s) => a * s) : 0;
                    int windows = two
                        ? depth * ow * (band == 0 ? 1 : band == 1 ? Math.Min(2, oh) : oh)
                        : depth * (band == 0 ? Math.Min(16, ow) : band == 1 ? Math.Min(21, ow) : ow);
                    var scratch = new float[windows + phases];
                    Kernels.ConvIm2Col(x, xs, w, ws, b, st, di, p, d, ds, scratch);
                });
        }
    }

    [Fact]
    public void Audio_front_end_shapes_match_the_definition()
    {
        var random = new Random(22);
        // frontend's two Conv1Ds and mobile's stem: [1, 1, 1280] k64 s16; [1, 16, 77] k3; [1, 3, 48, 192] 3×3 s2 pads 1.
        Check(random, 1, 1, 16, [1280], [64], 1, [16], [1], [0, 0], true, Im2Col);
        Check(random, 3, 16, 32, [77], [3], 1, [1], [1], [0, 0], true, Im2Col);
        Check(random, 1, 3, 8, [48, 192], [3, 3], 1, [2, 2], [1, 1], [1, 1, 1, 1], true, Im2Col);
        // Few taps straight from phased rows (ConvDirect): maps past a multiple of 4, columns past a multiple of 32, strides
        // 1 to 3 along the row, pads of 0 to 2, batch 2, no bias.
        Check(random, 2, 3, 5, [9, 40], [3, 3], 1, [1, 1], [1, 1], [2, 1, 0, 2], true, Im2Col);
        Check(random, 1, 2, 9, [7, 37], [3, 5], 1, [2, 2], [1, 1], [0, 2, 1, 1], false, Im2Col);
        Check(random, 2, 1, 4, [6, 61], [2, 4], 1, [1, 3], [1, 1], [1, 0, 0, 1], true, Im2Col);
        // Stride 2 with no left pad, both phases from one read (PhaseRows), depthwise and direct.
        Check(random, 2, 4, 4, [10, 64], [3, 3], 4, [2, 2], [1, 1], [0, 0, 1, 1], true,
            (x, xs, w, ws, b, st, di, p, d, ds) => Kernels.ConvDepthwise(x, xs, w, ws, b, st, p, d, ds, new float[10 * 2 * 32]));
        Check(random, 1, 3, 6, [8, 96], [3, 3], 1, [2, 2], [1, 1], [0, 0, 1, 1], true, Im2Col);
        Check(random, 1, 8, 8, [24, 96], [3, 3], 8, [1, 1], [1, 1], [1, 1, 1, 1], true,
            (x, xs, w, ws, b, st, di, p, d, ds) => Kernels.ConvDepthwise(x, xs, w, ws, b, st, p, d, ds));
        Check(random, 1, 8, 8, [24, 96], [3, 3], 8, [1, 1], [1, 1], [1, 1, 1, 1], true,
            (x, xs, w, ws, b, st, di, p, d, ds) => Kernels.ConvDepthwise(x, xs, w, ws, b, st, p, d, ds, new float[24 * 98]));
        Check(random, 1, 16, 16, [24, 96], [3, 3], 16, [2, 2], [1, 1], [1, 1, 1, 1], true,
            (x, xs, w, ws, b, st, di, p, d, ds) => Kernels.ConvDepthwise(x, xs, w, ws, b, st, p, d, ds, new float[24 * 98]));
        Check(random, 2, 32, 32, [12, 48], [3, 3], 32, [2, 2], [1, 1], [1, 1, 1, 1], true,
            (x, xs, w, ws, b, st, di, p, d, ds) => Kernels.ConvDepthwise(x, xs, w, ws, b, st, p, d, ds, new float[12 * 50]));
        Check(random, 1, 4, 4, [9, 70], [3, 3], 4, [1, 3], [1, 1], [1, 2, 0, 1], true,
            (x, xs, w, ws, b, st, di, p, d, ds) => Kernels.ConvDepthwise(x, xs, w, ws, b, st, p, d, ds, new float[9 * 70]));
        Check(random, 2, 32, 64, [6, 24], [1, 1], 1, [1, 1], [1, 1], [0, 0, 0, 0], true,
            (x, xs, w, ws, b, st, di, p, d, ds) => Kernels.ConvPointwise(x, xs, w, b, d, ds));

        static void Im2Col(float[] x, int[] xs, float[] w, int[] ws, float[] b, int[] st, int[] di, int[] p, float[] d, int[] ds)
        {
            int depth = ws.Skip(1).Aggregate(1, (a, k) => a * k);
            int phases = st[^1] > 1 ? xs.Skip(1).Aggregate(1, (a, k) => a * k) : 0;
            Kernels.ConvIm2Col(x, xs, w, ws, b, st, di, p, d, ds, new float[depth * ds.Skip(2).Aggregate(1, (a, k) => a * k) + phases]);
        }
    }

    [Theory]
    [InlineData(Kernels.ConvActivation.Relu)]
    [InlineData(Kernels.ConvActivation.LeakyRelu)]
    [InlineData(Kernels.ConvActivation.HardSigmoid)]
    [InlineData(Kernels.ConvActivation.HardSwish)]
    [InlineData(Kernels.ConvActivation.Sigmoid)]
    [InlineData(Kernels.ConvActivation.Tanh)]
    public void A_fused_activation_rounds_as_the_separate_kernel(Kernels.ConvActivation activation)
    {
        // Each fast form with the activation folded in against the same form without it followed by the op's own kernel:
        // bit for bit, over maps that are not a multiple of 4 (the last group overlaps) and rows with vector tails.
        var random = new Random(23 + (int)activation);
        const float alpha = 0.3f, beta = 0.45f;
        void Separate(Span<float> d)
        {
            switch (activation)
            {
                case Kernels.ConvActivation.Relu: Kernels.Relu(d.ToArray(), d); break;
                case Kernels.ConvActivation.LeakyRelu: Kernels.LeakyRelu(d.ToArray(), alpha, d); break;
                case Kernels.ConvActivation.HardSigmoid: Kernels.HardSigmoid(d.ToArray(), alpha, beta, d); break;
                case Kernels.ConvActivation.HardSwish: Kernels.HardSwish(d.ToArray(), d); break;
                case Kernels.ConvActivation.Sigmoid: Kernels.Sigmoid(d.ToArray(), d); break;
                case Kernels.ConvActivation.Tanh: Kernels.Tanh(d.ToArray(), d); break;
            }
        }
        foreach (var (channels, maps, height, width, stride) in new[] { (3, 8, 48, 40, 2), (3, 8, 10, 100, 2), (3, 9, 7, 100, 1), (5, 7, 9, 37, 1), (8, 16, 24, 96, 1), (16, 16, 12, 48, 2), (32, 32, 6, 24, 2), (2, 3, 5, 7, 1) })
        {
            int[] xShape = [2, channels, height, width], ones = [1, 1], strides = [stride, stride], pads = [1, 1, 1, 1];
            int oh = (height - 1) / stride + 1, ow = (width - 1) / stride + 1;
            float[] x = Random(random, Size(xShape)), b = Random(random, maps);
            // Scaled up so that the activations' clamps and tails are all reached.
            for (int i = 0; i < x.Length; i++)
                x[i] *= 6;
            // A NaN in the second image's first channel: the NaN its outputs carry must come out of the activation as the kernel's does.
            x[channels * height * width + width + 3] = float.NaN;
            var cases = new (int[] WShape, int[] DShape, Action<float[], float[], Kernels.ConvActivation> Run)[]
            {
                ([maps, channels, 1, 1], [2, maps, height, width], (w, d, a) => Kernels.ConvPointwise(x, xShape, w, b, d, [2, maps, height, width], a, alpha, beta)),
                ([channels, 1, 3, 3], [2, channels, oh, ow], (w, d, a) => Kernels.ConvDepthwise(x, xShape, w, [channels, 1, 3, 3], b.AsSpan(0, Math.Min(maps, channels)).ToArray().Concat(new float[Math.Max(0, channels - maps)]).ToArray(),
                    strides, pads, d, [2, channels, oh, ow], new float[height * stride * (ow + 2)], a, alpha, beta)),
                ([maps, channels, 3, 3], [2, maps, oh, ow], (w, d, a) => Kernels.ConvIm2Col(x, xShape, w, [maps, channels, 3, 3], b, strides, ones, pads, d, [2, maps, oh, ow],
                    new float[channels * 9 * ow * 2 + channels * height * width], a, alpha, beta)),
            };
            foreach (var (wShape, dShape, run) in cases)
            {
                float[] w = Random(random, Size(wShape)), fused = new float[Size(dShape)], separate = new float[Size(dShape)];
                run(w, separate, Kernels.ConvActivation.None);
                Separate(separate);
                run(w, fused, activation);
                Assert.Equal(separate.Select(BitConverter.SingleToInt32Bits), fused.Select(BitConverter.SingleToInt32Bits));
            }
        }
    }

    [Fact]
    public void A_batch_split_between_threads_gives_the_same_bits()
    {
        // Six images of mobile's shapes, large enough to split into pieces of whole images; on one thread and on every core.
        var random = new Random(6);
        float[] Values(int count) => [.. Enumerable.Range(0, count).Select(_ => (float)(random.NextDouble() * 2 - 1))];
        int[] xShape = [6, 8, 24, 96], half = [6, 8, 12, 48], ones = [1, 1], twos = [2, 2], pads = [1, 1, 1, 1];
        float[] x = Values(6 * 8 * 24 * 96), b = Values(16), pw = Values(16 * 8), dw = Values(8 * 9), im = Values(16 * 8 * 9);
        (string, Func<float[]>)[] forms =
        [
            ("pointwise", () => Run(6 * 16 * 24 * 96, d => Kernels.ConvPointwise(x, xShape, pw, b, d, [6, 16, 24, 96], Kernels.ConvActivation.Relu))),
            ("depthwise", () => Run(6 * 8 * 12 * 48, d => Kernels.ConvDepthwise(x, xShape, dw, [8, 1, 3, 3], b.AsSpan(0, 8), twos, pads, d, half,
                new float[24 * 2 * 49], Kernels.ConvActivation.HardSwish))),
            ("im2col", () => Run(6 * 16 * 24 * 96, d => Kernels.ConvIm2Col(x, xShape, im, [16, 8, 3, 3], b, ones, ones, pads, d, [6, 16, 24, 96],
                new float[8 * 9 * 96 * 24]))),
        ];
        foreach (var (name, run) in forms)
        {
            Workers.Limit = 1;
            float[] one;
            try
            {
                one = run();
            }
            finally
            {
                Workers.Limit = 0;
            }
            Assert.Equal(Math.Min(2, Environment.ProcessorCount) > 1, Workers.Parts > 1);
            Assert.True(one.AsSpan().SequenceEqual(run()), name);
            Assert.Contains(one, v => v != 0);
        }

        static float[] Run(int length, SpanAction act)
        {
            var d = new float[length];
            act(d);
            return d;
        }
    }

    private delegate void SpanAction(Span<float> d);

    [Fact]
    public void No_fast_kernel_allocates()
    {
        int[] xShape = [1, 6, 12, 37], pwShape = [9, 6, 1, 1], dwShape = [6, 1, 3, 3], imShape = [9, 6, 3, 3], dShape = [1, 9, 12, 37], ddShape = [1, 6, 12, 37];
        float[] x = Values(xShape, 1), pw = Values(pwShape, 2), dw = Values(dwShape, 3), im = Values(imShape, 4), b = Values([9], 5);
        float[] d = new float[Size(dShape)], dd = new float[Size(ddShape)], scratch = new float[54 * 37 * 5];
        int[] ones = [1, 1], twos = [2, 2], pads = [1, 1, 1, 1], halfShape = [1, 6, 6, 19];
        float[] half = new float[Size(halfShape)], phases = new float[12 * 39];
        long allocated = Allocations.PerLoop(warmUp: 10, calls: 100, _ =>
        {
            Kernels.ConvPointwise(x, xShape, pw, b, d, dShape);
            Kernels.ConvDepthwise(x, xShape, dw, dwShape, b.AsSpan(0, 6), ones, pads, dd, ddShape);
            Kernels.ConvDepthwise(x, xShape, dw, dwShape, b.AsSpan(0, 6), twos, pads, half, halfShape, phases);
            Kernels.ConvIm2Col(x, xShape, im, imShape, b, ones, ones, pads, d, dShape, scratch);
            Kernels.ConvPointwise(x, xShape, pw, b, d, dShape, Kernels.ConvActivation.HardSwish);
            Kernels.ConvDepthwise(x, xShape, dw, dwShape, b.AsSpan(0, 6), twos, pads, half, halfShape, phases, Kernels.ConvActivation.Relu);
            Kernels.ConvIm2Col(x, xShape, im, imShape, b, ones, ones, pads, d, dShape, scratch, Kernels.ConvActivation.LeakyRelu, 0.1f);
        });
        Assert.Equal(0, allocated);
    }

    private delegate void Kernel(float[] x, int[] xShape, float[] w, int[] wShape, float[] b, int[] strides, int[] dilations, int[] pads, float[] d, int[] dShape);

    private static void Check(Random random, int batch, int channels, int maps, int[] spatial, int[] kernel, int group, int[] strides, int[] dilations, int[] pads,
        bool bias, Kernel kernelUnderTest)
    {
        int rank = spatial.Length;
        int[] output = [.. Enumerable.Range(0, rank).Select(i => (spatial[i] + pads[i] + pads[rank + i] - dilations[i] * (kernel[i] - 1) - 1) / strides[i] + 1)];
        int[] xShape = [batch, channels, .. spatial], wShape = [maps, channels / group, .. kernel], dShape = [batch, maps, .. output];
        float[] x = Random(random, Size(xShape)), w = Random(random, Size(wShape)), b = bias ? Random(random, maps) : [];
        float[] d = new float[Size(dShape)], generic = new float[Size(dShape)];
        Array.Fill(d, float.NaN);
        kernelUnderTest(x, xShape, w, wShape, b, strides, dilations, pads, d, dShape);
        Kernels.Conv(x, xShape, w, wShape, b, group, strides, dilations, pads, generic, dShape);

        string what = $"x [{string.Join(", ", xShape)}], w [{string.Join(", ", wShape)}], group {group}, strides [{string.Join(", ", strides)}], " +
            $"dilations [{string.Join(", ", dilations)}], pads [{string.Join(", ", pads)}]";
        int groupChannels = channels / group, groupMaps = maps / group;
        int outputSize = output.Aggregate(1, (a, o) => a * o), kernelSize = kernel.Aggregate(1, (a, k) => a * k), inputSize = spatial.Aggregate(1, (a, s) => a * s);
        var position = new int[rank];
        var tap = new int[rank];
        for (int n = 0; n < batch; n++)
            for (int m = 0; m < maps; m++)
                for (int o = 0; o < outputSize; o++)
                {
                    Unravel(o, output, position);
                    double sum = bias ? b[m] : 0, magnitude = bias ? Math.Abs(b[m]) : 0;
                    int terms = 1;
                    for (int cc = 0; cc < groupChannels; cc++)
                    {
                        int c = m / groupMaps * groupChannels + cc;
                        for (int k = 0; k < kernelSize; k++)
                        {
                            Unravel(k, kernel, tap);
                            int at = 0;
                            bool inside = true;
                            for (int i = 0; i < rank && inside; i++)
                            {
                                int r = position[i] * strides[i] + tap[i] * dilations[i] - pads[i];
                                inside = r >= 0 && r < spatial[i];
                                at = at * spatial[i] + r;
                            }
                            if (!inside)
                                continue;
                            double term = (double)x[(n * channels + c) * inputSize + at] * w[(m * groupChannels + cc) * kernelSize + k];
                            sum += term;
                            magnitude += Math.Abs(term);
                            terms++;
                        }
                    }
                    int e = (n * maps + m) * outputSize + o;
                    double bound = terms * Math.Pow(2, -24) * magnitude + 1e-30;
                    Assert.True(Math.Abs(d[e] - sum) <= bound, $"{what}: output {e} is {d[e]}, the definition {sum} (bound {bound})");
                    Assert.True(Math.Abs(d[e] - generic[e]) <= 2 * bound, $"{what}: output {e} is {d[e]}, Kernels.Conv's {generic[e]}");
                }
    }

    private static void Unravel(int index, int[] dims, int[] into)
    {
        for (int i = dims.Length - 1; i >= 0; i--)
        {
            into[i] = index % dims[i];
            index /= dims[i];
        }
    }

    private static float[] Random(Random random, int count) => [.. Enumerable.Range(0, count).Select(_ => (float)(random.NextDouble() * 2 - 1))];

    private static float[] Values(int[] shape, int seed) => Random(new Random(seed), Size(shape));

    private static int Size(int[] shape) => shape.Aggregate(1, (a, s) => a * s);
}
