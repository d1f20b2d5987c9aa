using System.Collections.Concurrent;
using System.Globalization;

namespace KohakuRiver.Core.Client;

/// <summary>
/// An ambient observer of the HTTP calls a <see cref="RiverClient"/> makes on behalf of one command. The client is
/// shared (one per cluster, see <c>RiverClientPool</c>) and its calls run on the thread pool, so a command cannot hand
/// it a logger: it sets a trace here for the flow of its own calls (<see cref="AsyncLocal{T}"/> follows them across
/// awaits and into <c>Task.Run</c>), and reads the messages back on its own thread. With no trace set, the client does
/// no work for it. Messages name the method, the URL, body sizes and counts, and the answer's status: never a header
/// (the token travels in one) and never a body's content.
/// </summary>
public sealed class RiverCallTrace
{
    private static readonly AsyncLocal<RiverCallTrace?> Ambient = new();
    private readonly ConcurrentQueue<string> _messages = new();

    /// <summary>The trace of the current flow, or null when nobody is listening.</summary>
    public static RiverCallTrace? Current => Ambient.Value;

    /// <summary>Makes this trace the current one until the returned scope is disposed (on the same thread).</summary>
    public Scope Begin()
    {
        var previous = Ambient.Value;
        Ambient.Value = this;
        return new Scope(previous);
    }

    /// <summary>Queues a message; safe from any thread.</summary>
    public void Add(string message) => _messages.Enqueue(message);

    /// <summary>Hands every queued message, oldest first, to <paramref name="write"/> (on the caller's thread).</summary>
    public void Drain(Action<string> write)
    {
        ArgumentNullException.ThrowIfNull(write);
        while (_messages.TryDequeue(out var m)) write(m);
    }

    /// <summary>A byte count as people read it: 512 B, 1.2 KB, 2.0 MB (powers of 1024).</summary>
    public static string FormatSize(long bytes) => bytes switch
    {
        < 1024 => bytes.ToString(CultureInfo.InvariantCulture) + " B",
        < 1024 * 1024 => (bytes / 1024.0).ToString("0.0", CultureInfo.InvariantCulture) + " KB",
        _ => (bytes / (1024.0 * 1024)).ToString("0.0", CultureInfo.InvariantCulture) + " MB",
    };

    public readonly struct Scope(RiverCallTrace? previous) : IDisposable
    {
        public void Dispose() => Ambient.Value = previous;
    }
}
