using System;
using System.Runtime.CompilerServices;

namespace TypedModels.Compiled;

// Conv's fast forms over a batch of images, split between threads (Workers): each piece is a run of whole images,
// computed by the same kernel as a call of fewer images would be, with the scratch of the thread that runs it. Images
// are independent, so the results are the same bits however the pieces fall.
public static partial class Kernels
{
    // The multiply-adds past which a batch of images is split between threads: about 1–2 µs of work on one core.
    private const long ConvSplitMultiplyAdds = 1L << 17;

    private enum ConvForm
    {
        Pointwise,
        Depthwise,
        Im2Col,
    }

    // The dims a Conv takes, in one value: x, w and d's shapes, strides, dilations and pads, at most 8 each.
    [InlineArray(48)]
    private struct ConvDims
    {
        private int _first;
    }

    private struct ConvJob
    {
        public ConvForm Form;
        public Pinned X, W, B, D;
        public ConvDims Dims;
        public int XRank, WRank, DRank, Strides, Dilations, Pads, Scratch, Images, Parts;
        public ConvActivation Activation;
        public float Alpha, Beta;
    }

    /// <summary>
    /// Runs the Conv as pieces of whole images on the workers when the batch has more than one image, the work repays the
    /// hand-off and no split is under way; false when it stays on this thread as one call.
    /// </summary>
    private static unsafe bool SplitImages(ConvForm form, ReadOnlySpan<float> x, ReadOnlySpan<int> xShape, ReadOnlySpan<float> w, ReadOnlySpan<int> wShape,
        ReadOnlySpan<float> b, ReadOnlySpan<int> strides, ReadOnlySpan<int> dilations, ReadOnlySpan<int> pads, Span<float> d, ReadOnlySpan<int> dShape,
        int scratch, ConvActivation activation, float alpha, float beta)
    {
        int images = xShape[0], threads = Workers.Parts;
        if (images < 2 || threads < 2 || Workers.Busy || xShape.Length + wShape.Length + dShape.Length + strides.Length + dilations.Length + pads.Length > 48)
            return false;
        long work = (long)images * dShape[1];
        for (int i = 2; i < dShape.Length; i++)
            work *= dShape[i];
        for (int i = 1; i < wShape.Length; i++)
            work *= wShape[i];
        if (work < ConvSplitMultiplyAdds)
            return false;
        var job = new ConvJob
        {
            Form = form, XRank = xShape.Length, WRank = wShape.Length, DRank = dShape.Length, Strides = strides.Length, Dilations = dilations.Length,
            Pads = pads.Length, Scratch = scratch, Images = images, Parts = Math.Min(images, threads * Workers.PiecesPerThread),
            Activation = activation, Alpha = alpha, Beta = beta,
        };
        Span<int> dims = job.Dims;
        int at = 0;
        xShape.CopyTo(dims.Slice(at));
        wShape.CopyTo(dims.Slice(at += xShape.Length));
        dShape.CopyTo(dims.Slice(at += wShape.Length));
        strides.CopyTo(dims.Slice(at += dShape.Length));
        dilations.CopyTo(dims.Slice(at += strides.Length));
        pads.CopyTo(dims.Slice(at + dilations.Length));
        fixed (float* X = x, W = w, B = b, D = d)
        {
            (job.X, job.W, job.B, job.D) = (new(X, x.Length), new(W, w.Length), new(B, b.Length), new(D, d.Length));
            Workers.Run(&ConvPart, &job, job.Parts);
        }
        return true;
    }

    private static unsafe void ConvPart(void* arguments, int part)
    {
        ref ConvJob job = ref Unsafe.AsRef<ConvJob>(arguments);
        int first = (int)((long)job.Images * part / job.Parts), count = (int)((long)job.Images * (part + 1) / job.Parts) - first;
        Span<int> dims = job.Dims;
        int at = 0;
        Span<int> xShape = stackalloc int[job.XRank], dShape = stackalloc int[job.DRank];
        dims.Slice(at, job.XRank).CopyTo(xShape);
        ReadOnlySpan<int> wShape = dims.Slice(at += job.XRank, job.WRank);
        dims.Slice(at += job.WRank, job.DRank).CopyTo(dShape);
        ReadOnlySpan<int> strides = dims.Slice(at += job.DRank, job.Strides);
        ReadOnlySpan<int> dilations = dims.Slice(at += job.Strides, job.Dilations);
        ReadOnlySpan<int> pads = dims.Slice(at += job.Dilations, job.Pads);
        int image = xShape[1], outImage = dShape[1];
        for (int i = 2; i < xShape.Length; i++)
            image *= xShape[i];
        for (int i = 2; i < dShape.Length; i++)
            outImage *= dShape[i];
        xShape[0] = dShape[0] = count;
        var x = job.X.Span.Slice(first * image, count * image);
        var d = job.D.Span.Slice(first * outImage, count * outImage);
        var scratch = Workers.Scratch(job.Scratch);
        switch (job.Form)
        {
            case ConvForm.Pointwise:
                ConvPointwise(x, xShape, job.W.Span, job.B.Span, d, dShape, job.Activation, job.Alpha, job.Beta);
                break;
            case ConvForm.Depthwise:
                ConvDepthwise(x, xShape, job.W.Span, wShape, job.B.Span, strides, pads, d, dShape, scratch, job.Activation, job.Alpha, job.Beta);
                break;
            default:
                ConvIm2Col(x, xShape, job.W.Span, wShape, job.B.Span, strides, dilations, pads, d, dShape, scratch, job.Activation, job.Alpha, job.Beta);
                break;
        }
    }
}
