using System.Buffers.Binary;
using System.Text;
using Docker.DotNet;
using KohakuRiver.Daemon.Engine.Docker;
using Xunit;

namespace KohakuRiver.Tests.Docker;

// Byte-level tests of copying the engine's multiplexed output: no engine needed, and they reach the split-read cases
// that a real engine only produces by chance.
public sealed class OutputCopyTests
{
    private static byte[] Frame(byte stream, string payload) => Frame(stream, Encoding.UTF8.GetBytes(payload));

    private static byte[] Frame(byte stream, byte[] payload)
    {
        var frame = new byte[8 + payload.Length];
        frame[0] = stream;
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(4), (uint)payload.Length);
        payload.CopyTo(frame, 8);
        return frame;
    }

    private static async Task<(string Out, string Err)> CopyAsync(byte[] data, int readSize, bool multiplexed = true)
    {
        var stdout = new MemoryStream();
        var stderr = new MemoryStream();
        using var source = new MultiplexedStream(new ChunkedStream(data, readSize), multiplexed);
        await OutputCopy.CopyAsync(source, stdout, stderr, TestContext.Current.CancellationToken);
        return (Encoding.UTF8.GetString(stdout.ToArray()), Encoding.UTF8.GetString(stderr.ToArray()));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(7)]
    [InlineData(9)]
    [InlineData(4096)]
    public async Task Frames_split_anywhere_across_reads_are_reassembled(int readSize)
    {
        byte[] data = [.. Frame(1, "out one\n"), .. Frame(2, "err one\n"), .. Frame(1, ""), .. Frame(1, "out two\n")];

        var (stdout, stderr) = await CopyAsync(data, readSize);

        Assert.Equal("out one\nout two\n", stdout);
        Assert.Equal("err one\n", stderr);
    }

    [Fact]
    public async Task A_frame_larger_than_the_read_buffer_arrives_whole()
    {
        var payload = new string('x', 300_000);

        var (stdout, stderr) = await CopyAsync(Frame(1, payload), 65536);

        Assert.Equal(payload, stdout);
        Assert.Equal("", stderr);
    }

    [Fact]
    public async Task Same_stream_for_both_keeps_order_and_is_flushed()
    {
        byte[] data = [.. Frame(1, "a"), .. Frame(2, "b"), .. Frame(1, "c")];
        var both = new WatchedStream();
        using var source = new MultiplexedStream(new ChunkedStream(data, 9), multiplexed: true);

        await OutputCopy.CopyAsync(source, both, both, TestContext.Current.CancellationToken);

        Assert.Equal("abc", both.Text);
        Assert.True(both.FlushCount >= 3, $"expected a flush per read carrying output, got {both.FlushCount}");
    }

    [Fact]
    public async Task Raw_tty_output_goes_to_stdout_as_it_is()
    {
        var (stdout, stderr) = await CopyAsync(Encoding.ASCII.GetBytes("plain text from a tty\n"), 5, multiplexed: false);

        Assert.Equal("plain text from a tty\n", stdout);
        Assert.Equal("", stderr);
    }

    [Fact]
    public async Task An_engine_error_frame_is_not_mixed_into_the_output()
    {
        // Stream 3 carries a failure inside the engine; the library does not read it, so the copy fails instead of
        // writing it into the task's log.
        byte[] data = [.. Frame(1, "partial"), .. Frame(3, "something broke\n")];

        await Assert.ThrowsAnyAsync<IOException>(() => CopyAsync(data, 4));
    }

    [Fact]
    public async Task A_stream_cut_inside_a_frame_is_reported()
    {
        byte[] whole = Frame(1, "truncated payload");

        await Assert.ThrowsAsync<EndOfStreamException>(() => CopyAsync(whole[..12], 64));
    }

    /// <summary>Returns at most <c>readSize</c> bytes per read, like a socket under load.</summary>
    private sealed class ChunkedStream(byte[] data, int readSize) : Stream
    {
        private int _position;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            var count = Math.Min(Math.Min(readSize, buffer.Length), data.Length - _position);
            data.AsSpan(_position, count).CopyTo(buffer);
            _position += count;
            return count;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            Task.FromResult(Read(buffer.AsSpan(offset, count)));

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default) =>
            ValueTask.FromResult(Read(buffer.Span));

        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
