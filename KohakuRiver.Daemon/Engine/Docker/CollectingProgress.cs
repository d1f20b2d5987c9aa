namespace KohakuRiver.Daemon.Engine.Docker;

/// <summary>Keeps every report, on the reporting thread: <see cref="Progress{T}"/> would post them to a thread pool
/// and the caller could read the list before the last ones landed.</summary>
internal sealed class CollectingProgress<T> : IProgress<T>
{
    private readonly List<T> _items = [];

    public IReadOnlyList<T> Items
    {
        get
        {
            lock (_items) return [.. _items];
        }
    }

    public void Report(T value)
    {
        lock (_items) _items.Add(value);
    }
}
