using System.Text;

namespace KohakuRiver.Daemon.Engine.Docker;

/// <summary>
/// A write-only stream that keeps the first <c>capacity</c> bytes written to it and counts the rest, so that collecting a
/// command's output has a memory bound whatever the command writes.
/// </summary>
public sealed class BoundedBuffer(int capacity) : Stream
{
    private readonly MemoryStream _kept = new();

    public long Dropped { get; private set; }

    /// <summary>The kept bytes as UTF-8, with a closing line saying how much was dropped, if any was.</summary>
    public string Text()
    {
        var text = Encoding.UTF8.GetString(_kept.GetBuffer(), 0, (int)_kept.Length);
        return Dropped == 0 ? text : $"{text}\n[kohakuriver: output cut after {capacity} bytes; {Dropped} more bytes were dropped]\n";
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        var room = (int)Math.Min(buffer.Length, capacity - _kept.Length);
        if (room > 0) _kept.Write(buffer[..room]);
        Dropped += buffer.Length - Math.Max(room, 0);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        Write(buffer.AsSpan(offset, count));
        return Task.CompletedTask;
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        Write(buffer.Span);
        return ValueTask.CompletedTask;
    }

    public override void Flush() { }
    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => _kept.Length + Dropped;
    public override long Position { get => Length; set => throw new NotSupportedException(); }
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
}
