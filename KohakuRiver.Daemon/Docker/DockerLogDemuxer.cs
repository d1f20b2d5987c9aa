using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace KohakuRiver.Daemon.Docker;

/// <summary>
/// Splits Docker's multiplexed stream (logs and attached exec of a non-TTY container) into stdout and
/// stderr. Each frame is an 8-byte header — byte 0 the stream (0 stdin, 1 stdout, 2 stderr, 3 an
/// engine error), bytes 4–7 the big-endian payload length — followed by the payload.
/// </summary>
public static class DockerLogDemuxer
{
    private const int HeaderSize = 8;

    /// <summary>
    /// Copies frames from <paramref name="source"/> until it ends. Reads are not aligned with frames
    /// (a header or payload may be split across reads), so the parse state carries over between reads.
    /// The destinations are flushed after every read so that followers see output as it is produced.
    /// <paramref name="stdout"/> and <paramref name="stderr"/> may be the same stream.
    /// </summary>
    /// <exception cref="DockerApiException">The engine sent an error frame (stream 3).</exception>
    /// <exception cref="InvalidDataException">The data is not a multiplexed stream (e.g. it came from a TTY).</exception>
    /// <exception cref="EndOfStreamException">The source ended in the middle of a frame.</exception>
    public static async Task DemuxAsync(Stream source, Stream stdout, Stream stderr, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);

        byte[] buffer = ArrayPool<byte>.Shared.Rent(81920);
        byte[] header = new byte[HeaderSize];
        int headerFill = 0;
        long payloadLeft = 0;
        Stream? target = null;
        // Stream 3 carries a message about a failure inside the engine; gather it and report it once
        // the frame is complete rather than mixing it into the container's own output.
        MemoryStream? systemError = null;
        try
        {
            while (true)
            {
                int read = await source.ReadAsync(buffer, ct).ConfigureAwait(false);
                if (read == 0) break;

                bool wroteOut = false, wroteErr = false;
                int pos = 0;
                while (pos < read)
                {
                    if (payloadLeft == 0 && target is null)
                    {
                        int take = Math.Min(HeaderSize - headerFill, read - pos);
                        buffer.AsSpan(pos, take).CopyTo(header.AsSpan(headerFill));
                        headerFill += take;
                        pos += take;
                        if (headerFill < HeaderSize) break;
                        headerFill = 0;
                        payloadLeft = BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(4));
                        target = header[0] switch
                        {
                            0 or 1 => stdout,
                            2 => stderr,
                            3 => systemError = new MemoryStream(),
                            _ => throw new InvalidDataException(
                                $"Not a multiplexed Docker stream: frame header starts with byte {header[0]}."),
                        };
                    }

                    int chunk = (int)Math.Min(payloadLeft, read - pos);
                    if (chunk > 0)
                    {
                        await target!.WriteAsync(buffer.AsMemory(pos, chunk), ct).ConfigureAwait(false);
                        if (ReferenceEquals(target, stderr)) wroteErr = true;
                        else if (ReferenceEquals(target, stdout)) wroteOut = true;
                        pos += chunk;
                        payloadLeft -= chunk;
                    }

                    if (payloadLeft == 0)
                    {
                        if (systemError is not null && ReferenceEquals(target, systemError))
                            throw new DockerApiException(500, Encoding.UTF8.GetString(systemError.ToArray()).TrimEnd());
                        target = null;
                    }
                }

                bool same = ReferenceEquals(stdout, stderr);
                if (wroteOut || (wroteErr && same)) await stdout.FlushAsync(ct).ConfigureAwait(false);
                if (wroteErr && !same) await stderr.FlushAsync(ct).ConfigureAwait(false);
            }

            if (headerFill != 0 || target is not null)
                throw new EndOfStreamException("The Docker stream ended in the middle of a frame.");
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
