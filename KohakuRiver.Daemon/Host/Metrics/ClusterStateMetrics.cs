using System.Globalization;
using KohakuRiver.Core.Models;
using KohakuRiver.Core.Wire;
using KohakuRiver.Daemon.Host.State;
using KohakuRiver.Daemon.Host.Storage;
using Prometheus;

namespace KohakuRiver.Daemon.Host.Metrics;

/// <summary>
/// The gauges that describe the cluster's state, computed from it at every scrape (prometheus-net's before-collect
/// callback) instead of being kept in step by hand: tasks by status (the unfinished ones counted in memory, the
/// finished ones by one grouped COUNT on the store's status index), the queue, each node's cores, memory and GPUs,
/// and each GPU's utilisation, memory and temperature as its runner last reported them (figures a GPU did not report,
/// -1 on the wire, have no series).
/// </summary>
public sealed class ClusterStateMetrics
{
    private const double MiB = 1024 * 1024;

    private static readonly RiverTaskStatus[] Statuses = Enum.GetValues<RiverTaskStatus>();

    private readonly object _gate = new();
    private readonly ClusterState _state;
    private readonly HostStore _store;
    private readonly TimeProvider _time;

    private readonly Gauge _tasks;
    private readonly Gauge _queueDepth;
    private readonly Gauge _queueOldestWait;
    private readonly ScrapedGauge _nodeUp, _cores, _coresInUse, _coresFree, _memory, _memoryReserved, _memoryFree, _gpus, _gpusInUse, _gpusFree;
    private readonly ScrapedGauge _gpuUtilization, _gpuMemoryTotal, _gpuMemoryUsed, _gpuTemperature;

    public ClusterStateMetrics(HostMetrics metrics, ClusterState state, HostStore store, TimeProvider time)
    {
        _state = state;
        _store = store;
        _time = time;
        var f = metrics.Factory;
        _tasks = f.CreateGauge("kohakuriver_tasks", "Tasks by status: the unfinished ones the host holds and every finished one it has stored.",
            new GaugeConfiguration { LabelNames = ["status"] });
        _queueDepth = f.CreateGauge("kohakuriver_queue_depth", "Tasks queued for a node (status pending).");
        _queueOldestWait = f.CreateGauge("kohakuriver_queue_oldest_wait_seconds", "How long the longest-queued task has waited since its submission (0 when none is queued).");
        ScrapedGauge Node(string name, string help) => new(f.CreateGauge(name, help, new GaugeConfiguration { LabelNames = ["node"] }));
        ScrapedGauge Gpu(string name, string help) => new(f.CreateGauge(name, help, new GaugeConfiguration { LabelNames = ["node", "gpu"] }));
        _nodeUp = Node("kohakuriver_node_up", "1 when the node is online (heard from within the heartbeat timeout), else 0.");
        _cores = Node("kohakuriver_node_cores", "CPU cores the node offers to tasks.");
        _coresInUse = Node("kohakuriver_node_cores_in_use", "CPU cores reserved by the tasks placed on the node.");
        _coresFree = Node("kohakuriver_node_cores_free", "CPU cores of the node not reserved by any task.");
        _memory = Node("kohakuriver_node_memory_bytes", "Memory the node offers to tasks.");
        _memoryReserved = Node("kohakuriver_node_memory_reserved_bytes", "Memory reserved by the tasks placed on the node.");
        _memoryFree = Node("kohakuriver_node_memory_free_bytes", "Memory of the node not reserved by any task.");
        _gpus = Node("kohakuriver_node_gpus", "GPUs the node reported.");
        _gpusInUse = Node("kohakuriver_node_gpus_in_use", "GPUs of the node held by tasks.");
        _gpusFree = Node("kohakuriver_node_gpus_free", "GPUs of the node no task holds.");
        _gpuUtilization = Gpu("kohakuriver_gpu_utilization_percent", "Percent of time a kernel ran on the GPU over the runner's last sample period.");
        _gpuMemoryTotal = Gpu("kohakuriver_gpu_memory_total_bytes", "The GPU's memory.");
        _gpuMemoryUsed = Gpu("kohakuriver_gpu_memory_used_bytes", "The GPU's memory in use.");
        _gpuTemperature = Gpu("kohakuriver_gpu_temperature_celsius", "The GPU's temperature.");
        metrics.Registry.AddBeforeCollectCallback(Update);
    }

    /// <summary>Rewrites every state gauge from the state as it is now. Concurrent scrapes take turns.</summary>
    public void Update()
    {
        lock (_gate)
        {
            // The unfinished tasks first, then the store: a task that finishes in between is counted in both for this
            // one scrape (an over-count of one, never a task missing), without holding the host's lock over a query.
            var active = _state.CountActiveTasks();
            var finished = _store.CountFinishedByStatus();
            foreach (var status in Statuses)
            {
                long count = active.ByStatus.GetValueOrDefault(status) + finished.GetValueOrDefault(status);
                _tasks.WithLabels(status.ToWire()).Set(count);
            }
            _queueDepth.Set(active.Queued);
            _queueOldestWait.Set(active.OldestQueuedSubmittedAt is { } since ? Math.Max(0, (_time.GetUtcNow() - since).TotalSeconds) : 0);

            foreach (var node in _state.Nodes())
            {
                var name = node.NodeName;
                _nodeUp.Set(node.Status == NodeStatus.Online ? 1 : 0, name);
                _cores.Set(node.TotalCores, name);
                _coresInUse.Set(node.CoresInUse, name);
                _coresFree.Set(node.AvailableCores, name);
                _memory.Set(node.TotalMemoryBytes, name);
                _memoryReserved.Set(node.MemoryReservedBytes, name);
                _memoryFree.Set(node.AvailableMemoryBytes, name);
                var gpus = node.GpuInfo ?? [];
                // The ids tasks hold, from the scheduler's ledger (as /api/nodes shows them).
                var inUse = node.GpusInUse?.Count ?? 0;
                _gpus.Set(gpus.Count, name);
                _gpusInUse.Set(inUse, name);
                _gpusFree.Set(Math.Max(0, gpus.Count - inUse), name);
                foreach (var gpu in gpus)
                {
                    var id = gpu.GpuId.ToString(CultureInfo.InvariantCulture);
                    if (gpu.GpuUtilization >= 0) _gpuUtilization.Set(gpu.GpuUtilization, name, id);
                    if (gpu.MemoryTotalMib >= 0) _gpuMemoryTotal.Set(gpu.MemoryTotalMib * MiB, name, id);
                    if (gpu.MemoryUsedMib >= 0) _gpuMemoryUsed.Set(gpu.MemoryUsedMib * MiB, name, id);
                    if (gpu.Temperature >= 0) _gpuTemperature.Set(gpu.Temperature, name, id);
                }
            }
            foreach (var g in new[] { _nodeUp, _cores, _coresInUse, _coresFree, _memory, _memoryReserved, _memoryFree, _gpus, _gpusInUse, _gpusFree,
                                      _gpuUtilization, _gpuMemoryTotal, _gpuMemoryUsed, _gpuTemperature })
                g.Complete();
        }
    }
}
