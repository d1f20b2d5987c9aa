using System.Runtime.CompilerServices;
using KohakuRiver.Core.Client;

namespace KohakuRiver.Core.Output;

/// <summary>
/// Reads a task's output as lines. Without <see cref="OutputFollowOptions.Follow"/>: what is there now (or its
/// tail). With it: then continues from the byte offset the host reported (<c>X-Next-Offset</c>), alternating a short
/// long-poll on the task with a read of what was appended, and ends after one last read made once the task was
/// seen final, so nothing written before the end is lost.
/// </summary>
public static class OutputFollower
{
    public static async IAsyncEnumerable<OutputLine> ReadAsync(RiverClient client, long taskId, OutputFollowOptions? options = null,
        [EnumeratorCancellation] CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(client);
        options ??= new OutputFollowOptions();
        if (options.Tail is < 0) throw new ArgumentOutOfRangeException(nameof(options), options.Tail, "the tail is a number of lines, 0 or more");
        var streams = options.Streams switch
        {
            TaskOutputSelection.StandardOutput => new[] { TaskOutputStream.Stdout },
            TaskOutputSelection.StandardError => new[] { TaskOutputStream.Stderr },
            _ => new[] { TaskOutputStream.Stdout, TaskOutputStream.Stderr },
        };
        var cursors = streams.Select(s => new Cursor(s)).ToArray();

        foreach (var c in cursors)
            await foreach (var line in ReadChunkAsync(client, taskId, c, options.Tail, ct).ConfigureAwait(false))
                yield return line;

        if (options.Follow)
        {
            var news = true;
            while (true)
            {
                // No news: a short long-poll, which returns at once when the task ends. News: just look at the status.
                var task = await client.WaitTaskAsync(taskId, news ? TimeSpan.Zero : options.PollInterval, ct).ConfigureAwait(false);
                news = false;
                foreach (var c in cursors)
                {
                    var before = c.BytesRead;
                    await foreach (var line in ReadChunkAsync(client, taskId, c, null, ct).ConfigureAwait(false))
                        yield return line;
                    if (c.BytesRead > before) news = true;
                }
                if (task.IsFinished) break;
            }
        }

        foreach (var c in cursors)
            if (c.Splitter.Flush() is { } last)
                yield return new OutputLine(taskId, c.Stream, last);
    }

    /// <summary>One read from the cursor's offset (or of the tail), as lines while the bytes arrive: a large log is
    /// never held whole.</summary>
    private static async IAsyncEnumerable<OutputLine> ReadChunkAsync(RiverClient client, long taskId, Cursor cursor, int? tail,
        [EnumeratorCancellation] CancellationToken ct)
    {
        var offset = tail is null ? cursor.Offset : (long?)null;
        var output = await client.OpenOutputAsync(taskId, cursor.Stream, tail, offset, ct).ConfigureAwait(false);
        await using (output.ConfigureAwait(false))
        {
            var buffer = new byte[64 * 1024];
            var lines = new List<string>();
            long total = 0;
            int read;
            while ((read = await output.Content.ReadAsync(buffer, ct).ConfigureAwait(false)) > 0)
            {
                cursor.Splitter.Append(buffer.AsSpan(0, read), lines);
                total += read;
                cursor.BytesRead += read;
                foreach (var l in lines) yield return new OutputLine(taskId, cursor.Stream, l);
                lines.Clear();
            }
            // The host says where its answer ended; without that, count what came (exact when reading from an offset).
            cursor.Offset = output.NextOffset ?? (offset ?? 0) + total;
        }
    }

    private sealed class Cursor(TaskOutputStream stream)
    {
        public TaskOutputStream Stream { get; } = stream;
        public long Offset { get; set; }
        public Utf8LineSplitter Splitter { get; } = new();
        public long BytesRead { get; set; }
    }
}
