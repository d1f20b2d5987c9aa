using KohakuRiver.Core.Wire;
using KohakuRiver.Daemon.Host.Records;

namespace KohakuRiver.Daemon.Host.State;

// Read views: a task, a set of tasks, the nodes and the cluster's health, as copies taken under the lock (finished
// tasks come from the store).
public sealed partial class ClusterState
{
    public TaskRecord? GetTask(long taskId)
    {
        lock (_gate)
        {
            if (_active.TryGetValue(taskId, out var a)) return a.Task.Clone();
        }
        return _store.GetTask(taskId);
    }

    /// <summary>The tasks as they are now, in the order of <paramref name="ids"/>; ids never stored are left out.</summary>
    private List<TaskRecord> Snapshot(IReadOnlyCollection<long> ids)
    {
        var result = new Dictionary<long, TaskRecord>();
        var rest = new List<long>();
        lock (_gate)
        {
            foreach (var id in ids)
                if (_active.TryGetValue(id, out var a)) result[id] = a.Task.Clone();
                else rest.Add(id);
        }
        foreach (var t in _store.GetTasks(rest)) result[t.TaskId] = t;
        return ids.Where(result.ContainsKey).Select(id => result[id]).ToList();
    }

    public List<RiverNode> Nodes()
    {
        lock (_gate)
        {
            var capacities = Capacities();
            return _nodes.Values.OrderBy(n => n.Stored.Hostname, StringComparer.Ordinal).Select(n =>
            {
                var registration = n.Stored.Registration;
                var capacity = capacities[n.Stored.Hostname];
                var metrics = n.LastMetrics;
                var reservation = _reserved.For(n.Stored.Hostname);
                return new RiverNode
                {
                    NodeName = n.Stored.Hostname,
                    Url = registration.Url,
                    Status = n.Stored.Status,
                    TotalCores = registration.TotalCores,
                    CoresInUse = capacity.ReservedCores,
                    AvailableCores = Math.Max(0, capacity.FreeCores),
                    TotalMemoryBytes = registration.TotalRamBytes,
                    MemoryReservedBytes = capacity.ReservedMemoryBytes,
                    AvailableMemoryBytes = Math.Max(0, capacity.FreeMemoryBytes),
                    RunningTaskCount = reservation.TaskIds.Count,
                    LastHeartbeat = n.Stored.LastHeartbeat,
                    NumaTopology = registration.NumaTopology,
                    GpuInfo = metrics?.GpuInfo ?? registration.GpuInfo,
                    GpusInUse = reservation.Gpus.Keys.Order().ToList(),
                    CpuPercent = metrics?.CpuPercent,
                    MemoryPercent = metrics?.MemoryPercent,
                    MemoryUsedBytes = metrics?.MemoryUsedBytes,
                    MemoryTotalBytes = metrics?.MemoryTotalBytes ?? registration.TotalRamBytes,
                    CurrentAvgTemp = metrics?.CurrentAvgTemp,
                    CurrentMaxTemp = metrics?.CurrentMaxTemp,
                    RunnerVersion = metrics?.RunnerVersion ?? registration.RunnerVersion,
                };
            }).ToList();
        }
    }

    public ClusterHealth Health()
    {
        var nodes = Nodes();
        var online = nodes.Where(n => n.Status == NodeStatus.Online).ToList();
        int pending, running;
        lock (_gate)
        {
            pending = _pending.Count;
            running = _nodes.Keys.Sum(n => _reserved.For(n).TaskIds.Count);
        }
        var withCpu = online.Count(n => n.CpuPercent is not null);
        var withMemory = online.Count(n => n.MemoryPercent is not null);
        // GPU figures of -1 are ones the runner could not read: they count as GPUs but not in sums and averages.
        var gpus = online.SelectMany(n => n.GpuInfo ?? []).ToList();
        var utilizations = gpus.Where(g => g.GpuUtilization >= 0).Select(g => (double)g.GpuUtilization).ToList();
        var temperatures = gpus.Where(g => g.Temperature >= 0).Select(g => g.Temperature).ToList();
        return new ClusterHealth
        {
            TotalNodes = nodes.Count,
            OnlineNodes = online.Count,
            OfflineNodes = nodes.Count - online.Count,
            TotalCores = online.Sum(n => n.TotalCores),
            CoresInUse = online.Sum(n => n.CoresInUse),
            TotalMemBytes = online.Sum(n => n.TotalMemoryBytes),
            UsedMemBytes = online.Sum(n => n.MemoryUsedBytes ?? 0),
            ReservedMemBytes = online.Sum(n => n.MemoryReservedBytes),
            AvgCpuPercent = withCpu > 0 ? online.Sum(n => n.CpuPercent ?? 0) / withCpu : null,
            AvgMemPercent = withMemory > 0 ? online.Sum(n => n.MemoryPercent ?? 0) / withMemory : null,
            MaxAvgCpuTemp = online.Max(n => n.CurrentAvgTemp),
            MaxCpuTemp = online.Max(n => n.CurrentMaxTemp),
            TotalGpus = gpus.Count,
            GpusInUse = online.Sum(n => n.GpusInUse?.Count ?? 0),
            GpuMemoryTotalMib = gpus.Sum(g => Math.Max(g.MemoryTotalMib, 0)),
            GpuMemoryUsedMib = gpus.Sum(g => Math.Max(g.MemoryUsedMib, 0)),
            AvgGpuUtilization = utilizations.Count > 0 ? Math.Round(utilizations.Average(), 2) : null,
            MaxGpuTemp = temperatures.Count > 0 ? temperatures.Max() : null,
            PendingTasks = pending,
            RunningTasks = running,
            LastUpdated = _time.GetUtcNow(),
            SshProxyPort = _settings.SshProxyPort,
        };
    }
}
