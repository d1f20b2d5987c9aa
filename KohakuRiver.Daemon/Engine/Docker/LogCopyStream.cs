namespace KohakuRiver.Daemon.Engine.Docker;

/// <summary>
/// A write-only view of a log file that counts what passes and can drop a leading number of bytes. A second
/// copy of a container's output, from its beginning, uses the first copy's count to append only what the first
/// one missed.
/// </summary>
internal sealed class LogCopyStream(Stream inner, long skip = 0) : Stream
{
    private long _skip = skip;

    /// <summary>Bytes seen so far, dropped ones included: the position in the container's output.</summary>
    public long Seen { get; private set; }

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        var dropped = Pass(buffer.Length);
        if (dropped < buffer.Length) inner.Write(buffer[dropped..]);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var dropped = Pass(buffer.Length);
        return dropped < buffer.Length ? inner.WriteAsync(buffer[dropped..], cancellationToken) : ValueTask.CompletedTask;
    }

    /// <summary>Counts a write of <paramref name="length"/> bytes; returns how many of its first bytes to drop.</summary>
    private int Pass(int length)
    {
        Seen += length;
        var dropped = (int)Math.Min(_skip, length);
        _skip -= dropped;
        return dropped;
    }

    public override void Flush() => inner.Flush();
    public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
}
