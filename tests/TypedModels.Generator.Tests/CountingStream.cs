using System;
using System.IO;

namespace TypedModels.Generator.Tests;

/// <summary>
/// A read-only stream over another that counts the bytes read through it and passes seeks through uncounted: what a
/// reader costs in I/O, a number no machine load changes.
/// </summary>
internal sealed class CountingStream(Stream inner) : Stream
{
    public long BytesRead { get; private set; }

    public int Seeks { get; private set; }

    public override bool CanRead => true;
    public override bool CanSeek => inner.CanSeek;
    public override bool CanWrite => false;
    public override long Length => inner.Length;

    public override long Position
    {
        get => inner.Position;
        set => Seek(value, SeekOrigin.Begin);
    }

    public override int Read(byte[] buffer, int offset, int count)
    {
        int n = inner.Read(buffer, offset, count);
        BytesRead += n;
        return n;
    }

    public override int ReadByte()
    {
        int b = inner.ReadByte();
        if (b >= 0)
            BytesRead++;
        return b;
    }

    public override long Seek(long offset, SeekOrigin origin)
    {
        Seeks++;
        return inner.Seek(offset, origin);
    }

    public override void Flush() { }
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
            inner.Dispose();
        base.Dispose(disposing);
    }
}
