using System.Runtime.CompilerServices;
using KohakuRiver.Core.Wire;
using KohakuRiver.Daemon.Host.Records;
using KohakuRiver.Daemon.Host.Scheduling;

namespace KohakuRiver.Daemon.Host.State;

/// <summary>The capacity arithmetic the scheduler is fed: every node's size next to what its tasks reserve, and the
/// reservations a dispatch pass adds as it places tasks.</summary>
public static class NodeCapacities
{
    /// <summary>What a registration says a node has, read once per registration rather than on every dispatch pass.</summary>
    private static readonly ConditionalWeakTable<RegisterRequest, NodeShape> Shapes = new();

    private sealed record NodeShape(IReadOnlyDictionary<int, int> NumaCores, IReadOnlySet<int> Gpus, IReadOnlyDictionary<int, int> GpuNumaNodes)
    {
        public static NodeShape Of(RegisterRequest registration) => new(
            (registration.NumaTopology ?? []).Where(kv => int.TryParse(kv.Key, out _)).ToDictionary(kv => int.Parse(kv.Key), kv => kv.Value.Cores.Count),
            (registration.GpuInfo ?? []).Select(g => g.GpuId).ToHashSet(),
            // A GPU listed twice keeps its first NUMA node; an unknown one (-1) is left out, as the scheduler reads absent as unknown.
            (registration.GpuInfo ?? []).Where(g => g.NumaNode >= 0).DistinctBy(g => g.GpuId).ToDictionary(g => g.GpuId, g => g.NumaNode));
    }

    /// <summary>Every node's capacity and reservations now: O(nodes), from the ledger.</summary>
    public static Dictionary<string, NodeCapacity> Of(IEnumerable<NodeRecord> nodes, ReservationLedger reserved)
    {
        var result = new Dictionary<string, NodeCapacity>(StringComparer.Ordinal);
        foreach (var node in nodes)
        {
            var registration = node.Registration;
            var shape = Shapes.GetValue(registration, NodeShape.Of);
            var held = reserved.For(node.Hostname);
            result[node.Hostname] = new NodeCapacity(
                node.Hostname,
                node.Status == NodeStatus.Online,
                registration.TotalCores,
                registration.TotalRamBytes,
                held.Cores,
                held.MemoryBytes,
                shape.NumaCores,
                held.NumaCores.Count == 0 ? NoNumaCores : new Dictionary<int, int>(held.NumaCores),
                shape.Gpus,
                held.Gpus.Count == 0 ? NoGpus : held.Gpus.Keys.ToHashSet())
            {
                GpuNumaNodes = shape.GpuNumaNodes,
            };
        }
        return result;
    }

    private static readonly IReadOnlyDictionary<int, int> NoNumaCores = new Dictionary<int, int>();
    private static readonly IReadOnlySet<int> NoGpus = new HashSet<int>();

    /// <summary>The node with <paramref name="request"/> also reserved on it.</summary>
    public static NodeCapacity Reserve(NodeCapacity node, ResourceRequest request)
    {
        var numa = new Dictionary<int, int>(node.ReservedNumaCores);
        if (request.NumaNode is { } id) numa[id] = numa.GetValueOrDefault(id) + request.Cores;
        var gpus = new HashSet<int>(node.ReservedGpus);
        if (request.GpuIds is not null) gpus.UnionWith(request.GpuIds);
        return node with
        {
            ReservedCores = node.ReservedCores + request.Cores,
            ReservedMemoryBytes = node.ReservedMemoryBytes + request.MemoryBytes,
            ReservedNumaCores = numa,
            ReservedGpus = gpus,
        };
    }

    /// <summary>Whether some online node has room for a task of this size now.</summary>
    public static bool RoomFor(IEnumerable<NodeCapacity> nodes, int cores, long memoryBytes) =>
        nodes.Any(n => n.Online && n.FreeCores >= cores && n.FreeMemoryBytes >= memoryBytes);

    /// <summary>The most free cores and the most free memory on any online node (not necessarily the same node): a
    /// task asking for more of either fits nowhere now.</summary>
    public static (int Cores, long MemoryBytes) MostFree(IEnumerable<NodeCapacity> nodes)
    {
        var (cores, memory) = (0, 0L);
        foreach (var node in nodes)
        {
            if (!node.Online) continue;
            cores = Math.Max(cores, node.FreeCores);
            memory = Math.Max(memory, node.FreeMemoryBytes);
        }
        return (cores, memory);
    }

    /// <summary>The largest node's memory (0 when none is registered): a default memory limit never exceeds it.</summary>
    public static long LargestMemory(IEnumerable<NodeCapacity> nodes) =>
        nodes.Select(c => c.TotalMemoryBytes).DefaultIfEmpty(0).Max();
}
