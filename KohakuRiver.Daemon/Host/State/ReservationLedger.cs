using KohakuRiver.Daemon.Host.Records;

namespace KohakuRiver.Daemon.Host.State;

/// <summary>
/// Reservations per node, kept up to date as tasks move in and out of a resource-holding status, so that capacity,
/// feasibility and a node's tasks are known without scanning every unfinished task: a submit or a heartbeat costs the
/// same with 100,000 tasks queued as with none. Not thread-safe: <see cref="ClusterState"/> calls it under its lock.
/// </summary>
public sealed class ReservationLedger
{
    private static readonly NodeReservation Empty = new();
    private readonly Dictionary<string, NodeReservation> _nodes = new(StringComparer.Ordinal);

    public NodeReservation For(string node) => _nodes.GetValueOrDefault(node) ?? Empty;

    public void Add(string node, TaskRecord t)
    {
        if (!_nodes.TryGetValue(node, out var r)) _nodes[node] = r = new NodeReservation();
        if (!r.TaskIds.Add(t.TaskId)) return;
        Apply(r, t, +1);
    }

    public void Remove(string node, TaskRecord t)
    {
        if (!_nodes.TryGetValue(node, out var r) || !r.TaskIds.Remove(t.TaskId)) return;
        Apply(r, t, -1);
    }

    private static void Apply(NodeReservation r, TaskRecord t, int sign)
    {
        r.Cores += sign * t.RequiredCores;
        r.MemoryBytes += sign * (t.RequiredMemoryBytes ?? 0);
        if (t.TargetNumaNodeId is { } numa) Count(r.NumaCores, numa, sign * t.RequiredCores);
        foreach (var gpu in t.RequiredGpus ?? []) Count(r.Gpus, gpu, sign);
    }

    private static void Count(Dictionary<int, int> d, int key, int delta)
    {
        var n = d.GetValueOrDefault(key) + delta;
        if (n == 0) d.Remove(key);
        else d[key] = n;
    }
}
