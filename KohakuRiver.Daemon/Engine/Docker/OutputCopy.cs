using Docker.DotNet;

namespace KohakuRiver.Daemon.Engine.Docker;

/// <summary>Copies a container's (demultiplexed) output into two streams as it arrives.</summary>
internal static class OutputCopy
{
    /// <summary>
    /// Copies until the engine ends the stream, flushing after every read so that followers of a log file see output
    /// as soon as it arrives (the library's own copy flushes only at the end). <paramref name="stdout"/> and
    /// <paramref name="stderr"/> may be the same stream. A TTY container's single stream goes to stdout.
    /// </summary>
    public static async Task CopyAsync(MultiplexedStream source, Stream stdout, Stream stderr, CancellationToken ct)
    {
        // The transport's reads do not all watch the token: closing the stream is what ends a read that waits on a
        // quiet container.
        await using var closeOnCancel = ct.Register(source.Dispose);
        var buffer = new byte[81920];
        try
        {
            while (true)
            {
                var read = await source.ReadOutputAsync(buffer, 0, buffer.Length, ct).ConfigureAwait(false);
                if (read.EOF) return;
                var target = read.Target == MultiplexedStream.TargetStream.StandardError ? stderr : stdout;
                await target.WriteAsync(buffer.AsMemory(0, read.Count), ct).ConfigureAwait(false);
                await target.FlushAsync(ct).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is ObjectDisposedException or IOException && ct.IsCancellationRequested)
        {
            throw new OperationCanceledException("the copy of the container's output was cancelled", e, ct);
        }
    }
}
