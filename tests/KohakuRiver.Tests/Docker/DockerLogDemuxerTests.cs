using System.Buffers.Binary;
using System.Text;
using KohakuRiver.Daemon.Docker;
using Xunit;

namespace KohakuRiver.Tests.Docker;

// Byte-level tests of the frame parser: no engine needed, and they reach the split-read cases that a
// real engine only produces by chance.
public sealed class DockerLogDemuxerTests
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

    private static async Task<(string Out, string Err)> DemuxAsync(byte[] data, int readSize)
    {
        var stdout = new MemoryStream();
        var stderr = new MemoryStream();
        await DockerLogDemuxer.DemuxAsync(new ChunkedStream(data, readSize), stdout, stderr, TestContext.Current.CancellationToken);
        return (Encoding.UTF8.GetString(stdout.ToArray()), Encoding.UTF8.GetString(stderr.ToArray()));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(7)]
    [InlineData(9)]
    [InlineData(65536)]
    public async Task Frames_split_anywhere_across_reads_are_reassembled(int readSize)
    {
        byte[] data = [.. Frame(1, "hello "), .. Frame(2, "oops\n"), .. Frame(1, ""), .. Frame(0, "in"), .. Frame(1, "world\n")];

        var (stdout, stderr) = await DemuxAsync(data, readSize);

        Assert.Equal("hello inworld\n", stdout);
        Assert.Equal("oops\n", stderr);
    }

    [Fact]
    public async Task A_frame_larger_than_the_read_buffer_arrives_whole()
    {
        byte[] big = new byte[300_000];
        for (int i = 0; i < big.Length; i++) big[i] = (byte)('a' + i % 26);
        byte[] data = [.. Frame(2, big), .. Frame(1, "tail")];

        var (stdout, stderr) = await DemuxAsync(data, 100_000);

        Assert.Equal("tail", stdout);
        Assert.Equal(Encoding.ASCII.GetString(big), stderr);
    }

    [Fact]
    public async Task Same_stream_for_both_keeps_order_and_is_flushed()
    {
        byte[] data = [.. Frame(1, "a"), .. Frame(2, "b"), .. Frame(1, "c")];
        var both = new WatchedStream();

        await DockerLogDemuxer.DemuxAsync(new ChunkedStream(data, 9), both, both, TestContext.Current.CancellationToken);

        Assert.Equal("abc", both.Text);
        Assert.True(both.FlushCount >= 3, $"expected a flush per read carrying output, got {both.FlushCount}");
    }

    [Fact]
    public async Task An_engine_error_frame_becomes_a_DockerApiException()
    {
        byte[] data = [.. Frame(1, "partial"), .. Frame(3, "something broke\n")];

        var e = await Assert.ThrowsAsync<DockerApiException>(() => DemuxAsync(data, 4));

        Assert.Equal("something broke", e.EngineMessage);
    }

    [Fact]
    public async Task Raw_tty_output_is_rejected_rather_than_garbled()
    {
        byte[] data = Encoding.ASCII.GetBytes("plain text from a tty\n");

        await Assert.ThrowsAsync<InvalidDataException>(() => DemuxAsync(data, 64));
    }

    [Fact]
    public async Task A_stream_cut_inside_a_frame_is_reported()
    {
        byte[] whole = Frame(1, "truncated payload");
        byte[] data = whole[..12];

        await Assert.ThrowsAsync<EndOfStreamException>(() => DemuxAsync(data, 64));
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
            int n = Math.Min(Math.Min(readSize, buffer.Length), data.Length - _position);
            data.AsSpan(_position, n).CopyTo(buffer);
            _position += n;
            return n;
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default) =>
            ValueTask.FromResult(Read(buffer.Span));

        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
