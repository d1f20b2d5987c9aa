using System.Text;

namespace KohakuRiver.Tests.Docker;

/// <summary>
/// A write sink that lets a test await the moment some text has arrived, instead of sleeping and hoping.
/// Also counts flushes, which is how streaming (as opposed to copy-at-the-end) is observable.
/// </summary>
internal sealed class WatchedStream : MemoryStream
{
    private readonly object _gate = new();
    private readonly List<(string Text, TaskCompletionSource Seen)> _waiters = [];

    public int FlushCount { get; private set; }

    public string Text
    {
        get
        {
            lock (_gate) return Encoding.UTF8.GetString(GetBuffer(), 0, (int)Length);
        }
    }

    /// <summary>Completes once <paramref name="text"/> is somewhere in what was written.</summary>
    public Task WaitForAsync(string text)
    {
        lock (_gate)
        {
            if (Encoding.UTF8.GetString(GetBuffer(), 0, (int)Length).Contains(text, StringComparison.Ordinal))
                return Task.CompletedTask;
            var seen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((text, seen));
            return seen.Task;
        }
    }

    // MemoryStream's span overload calls back into this one for derived types, so this is the one
    // that does the work.
    public override void Write(byte[] buffer, int offset, int count)
    {
        lock (_gate)
        {
            base.Write(buffer, offset, count);
            if (_waiters.Count == 0) return;
            string all = Encoding.UTF8.GetString(GetBuffer(), 0, (int)Length);
            _waiters.RemoveAll(w =>
            {
                if (!all.Contains(w.Text, StringComparison.Ordinal)) return false;
                w.Seen.TrySetResult();
                return true;
            });
        }
    }

    public override void Write(ReadOnlySpan<byte> buffer) => Write(buffer.ToArray(), 0, buffer.Length);

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken ct)
    {
        Write(buffer, offset, count);
        return Task.CompletedTask;
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken ct = default)
    {
        Write(buffer.Span);
        return ValueTask.CompletedTask;
    }

    public override void Flush() => FlushCount++;

    public override Task FlushAsync(CancellationToken ct)
    {
        FlushCount++;
        return Task.CompletedTask;
    }
}
