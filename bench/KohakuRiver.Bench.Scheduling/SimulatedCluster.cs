using KohakuRiver.Core.Wire;

namespace KohakuRiver.Bench.Scheduling;

/// <summary>
/// The benchmark's workload, the same on every run (fixed seed): nodes of mixed shapes (cores, memory, NUMA nodes,
/// GPUs) and tasks of mixed sizes, some pinned to a node, a NUMA node or GPUs, as a lab's sweeps and jobs are.
/// </summary>
internal static class SimulatedCluster
{
    private const long GiB = 1L << 30;

    public static List<RegisterRequest> Nodes(int count, string url, int seed = 1)
    {
        var random = new Random(seed);
        var nodes = new List<RegisterRequest>(count);
        for (var i = 0; i < count; i++)
        {
            var cores = new[] { 8, 16, 32, 64 }[random.Next(4)];
            var memory = cores * new[] { 2L, 4, 8 }[random.Next(3)] * GiB;
            var numaNodes = cores >= 32 ? new[] { 1, 2, 4 }[random.Next(3)] : 1;
            var gpus = random.Next(10) < 3 ? new[] { 2, 4, 8 }[random.Next(3)] : 0;
            var perNuma = cores / numaNodes;
            nodes.Add(new RegisterRequest
            {
                Hostname = NodeName(i),
                Url = url,
                TotalCores = cores,
                TotalRamBytes = memory,
                NumaTopology = numaNodes == 1 ? null : Enumerable.Range(0, numaNodes).ToDictionary(
                    n => n.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    n => new NumaNodeInfo { Cores = Enumerable.Range(n * perNuma, perNuma).ToList(), MemoryBytes = memory / numaNodes }),
                GpuInfo = gpus == 0 ? null : Enumerable.Range(0, gpus).Select(g => new GpuInfo
                {
                    GpuId = g, Name = "Simulated GPU", MemoryTotalMib = 24 * 1024,
                }).ToList(),
            });
        }
        return nodes;
    }

    public static string NodeName(int index) => $"sim-{index:000}";

    /// <summary>Tasks of mixed sizes: mostly 1–4 cores, some large; about 1 in 20 pinned to a node's NUMA node and 1 in
    /// 20 to GPUs of a node that has them; every one fits some node when it is empty.</summary>
    public static List<SubmitRequest> Tasks(int count, IReadOnlyList<RegisterRequest> nodes, int seed = 2)
    {
        var random = new Random(seed);
        var numaNodes = nodes.Where(n => n.NumaTopology is { Count: > 1 }).ToList();
        var gpuNodes = nodes.Where(n => n.GpuInfo is { Count: > 0 }).ToList();
        var tasks = new List<SubmitRequest>(count);
        for (var i = 0; i < count; i++)
        {
            var roll = random.Next(100);
            var cores = roll < 50 ? 1 : roll < 80 ? 2 : roll < 92 ? 4 : roll < 98 ? 8 : 16;
            var task = new SubmitRequest
            {
                Command = "true",
                Name = $"t{i}",
                RequiredCores = cores,
                RequiredMemoryBytes = cores * new[] { 1L, 2, 4 }[random.Next(3)] * GiB,
            };
            var pin = random.Next(20);
            if (pin == 0 && numaNodes.Count > 0)
            {
                var node = numaNodes[random.Next(numaNodes.Count)];
                var numa = random.Next(node.NumaTopology!.Count);
                task.RequiredCores = Math.Min(cores, node.NumaTopology[numa.ToString(System.Globalization.CultureInfo.InvariantCulture)].Cores.Count);
                task.RequiredMemoryBytes = Math.Min(task.RequiredMemoryBytes.Value, node.TotalRamBytes / node.NumaTopology.Count);
                task.Targets = [$"{node.Hostname}:{numa}"];
            }
            else if (pin == 1 && gpuNodes.Count > 0)
            {
                var node = gpuNodes[random.Next(gpuNodes.Count)];
                var gpu = random.Next(node.GpuInfo!.Count);
                task.RequiredCores = Math.Min(cores, node.TotalCores);
                task.RequiredMemoryBytes = Math.Min(task.RequiredMemoryBytes.Value, node.TotalRamBytes);
                task.Targets = [$"{node.Hostname}::{gpu}"];
            }
            tasks.Add(task);
        }
        return tasks;
    }
}
