namespace KohakuRiver.Daemon.Host.State;

/// <summary>
/// Queued task ids in submission order, with the smallest request among them, so the dispatcher can tell at once
/// that nothing queued fits anywhere and stop rather than walk the whole queue. Not thread-safe: <see cref="ClusterState"/>
/// calls it under its lock.
/// </summary>
public sealed class PendingQueue
{
    private readonly SortedDictionary<long, (int Cores, long Memory)> _tasks = [];
    private readonly SortedDictionary<int, int> _cores = [];
    private readonly SortedDictionary<long, int> _memory = [];

    public int Count => _tasks.Count;

    /// <summary>Ids, oldest first.</summary>
    public IEnumerable<long> Ids => _tasks.Keys;

    /// <summary>Ids with the cores and memory each asks for, oldest first.</summary>
    public IEnumerable<(long TaskId, int Cores, long MemoryBytes)> Entries => _tasks.Select(kv => (kv.Key, kv.Value.Cores, kv.Value.Memory));

    /// <summary>The fewest cores any queued task needs (0 when none is queued).</summary>
    public int MinCores => _cores.Count == 0 ? 0 : _cores.First().Key;

    /// <summary>The least memory any queued task needs (0 when none is queued).</summary>
    public long MinMemoryBytes => _memory.Count == 0 ? 0 : _memory.First().Key;

    public void Add(long taskId, int cores, long memory)
    {
        if (!_tasks.TryAdd(taskId, (cores, memory))) return;
        _cores[cores] = _cores.GetValueOrDefault(cores) + 1;
        _memory[memory] = _memory.GetValueOrDefault(memory) + 1;
    }

    public bool Remove(long taskId)
    {
        if (!_tasks.Remove(taskId, out var size)) return false;
        Drop(_cores, size.Cores);
        Drop(_memory, size.Memory);
        return true;
    }

    private static void Drop<T>(SortedDictionary<T, int> counts, T key) where T : notnull
    {
        if (counts[key] == 1) counts.Remove(key);
        else counts[key]--;
    }
}
