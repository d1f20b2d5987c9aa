using KohakuRiver.Core.Models;
using KohakuRiver.Core.Wire;
using KohakuRiver.Daemon.Host.Records;

namespace KohakuRiver.Bench.Metrics;

/// <summary>
/// The benchmark's stored state, the same on every run (fixed seed): nodes of mixed sizes, every third with four GPUs
/// reporting every figure, and tasks of mixed statuses as a lab's host holds them after a while (most finished, some
/// running on the nodes, some queued).
/// </summary>
internal static class MetricsWorkload
{
    private const long GiB = 1L << 30;

    public static List<NodeRecord> Nodes(int count, string url, DateTimeOffset now, int seed = 1)
    {
        var random = new Random(seed);
        var nodes = new List<NodeRecord>(count);
        for (var i = 0; i < count; i++)
        {
            var cores = new[] { 8, 16, 32, 64 }[random.Next(4)];
            nodes.Add(new NodeRecord
            {
                Hostname = $"sim-{i:000}",
                Status = NodeStatus.Online,
                LastHeartbeat = now,
                Registration = new RegisterRequest
                {
                    Hostname = $"sim-{i:000}",
                    Url = url,
                    TotalCores = cores,
                    TotalRamBytes = cores * new[] { 2L, 4, 8 }[random.Next(3)] * GiB,
                    GpuInfo = i % 3 != 0 ? null : Enumerable.Range(0, 4).Select(g => new GpuInfo
                    {
                        GpuId = g,
                        Name = "Simulated GPU",
                        GpuUtilization = random.Next(101),
                        MemoryTotalMib = 24 * 1024,
                        MemoryUsedMib = random.Next(24 * 1024),
                        MemoryFreeMib = 0,
                        Temperature = 30 + random.Next(50),
                    }).ToList(),
                },
            });
        }
        return nodes;
    }

    /// <summary>How many of each status, out of <paramref name="count"/>: 79% finished in one of the final statuses,
    /// 13% running or paused, 2% being handed over, 6% queued.</summary>
    public static List<TaskRecord> Tasks(int count, IReadOnlyList<NodeRecord> nodes, DateTimeOffset now, int seed = 2)
    {
        var random = new Random(seed);
        var shares = new (RiverTaskStatus Status, double Share)[]
        {
            (RiverTaskStatus.Completed, 0.60), (RiverTaskStatus.Failed, 0.12), (RiverTaskStatus.Killed, 0.04),
            (RiverTaskStatus.KilledOom, 0.01), (RiverTaskStatus.Lost, 0.01), (RiverTaskStatus.Stopped, 0.005),
            (RiverTaskStatus.Rejected, 0.005), (RiverTaskStatus.Running, 0.12), (RiverTaskStatus.Paused, 0.01),
            (RiverTaskStatus.Assigning, 0.02), (RiverTaskStatus.Pending, 0.06),
        };
        // Resource-holding tasks go to nodes with a core free for them, one core each.
        var slots = new Queue<string>(nodes.SelectMany(n => Enumerable.Repeat(n.Hostname, n.Registration.TotalCores)).OrderBy(_ => random.Next()));
        var tasks = new List<TaskRecord>(count);
        long id = 1_000_000;
        foreach (var (status, share) in shares)
        {
            var n = status == RiverTaskStatus.Pending ? count - tasks.Count : (int)Math.Round(count * share);
            for (var i = 0; i < n; i++)
            {
                var submitted = now.AddMinutes(-random.Next(1, 24 * 60));
                var task = new TaskRecord
                {
                    TaskId = ++id,
                    BatchId = id,
                    Kind = TaskKind.Command,
                    Command = "true",
                    Status = status,
                    RequiredCores = status == RiverTaskStatus.Pending ? 16 : 1,
                    RequiredMemoryBytes = status == RiverTaskStatus.Pending ? 64 * GiB : GiB,
                    SubmittedAt = submitted,
                };
                if (status.HoldsResources() && slots.Count > 0) task.NodeName = slots.Dequeue();
                else if (status != RiverTaskStatus.Pending) task.NodeName = nodes[random.Next(nodes.Count)].Hostname;
                if (status is not (RiverTaskStatus.Pending or RiverTaskStatus.Assigning)) task.StartedAt = submitted.AddSeconds(random.Next(1, 600));
                if (status.IsFinal())
                {
                    task.CompletedAt = task.StartedAt!.Value.AddSeconds(random.Next(1, 3600));
                    task.ExitCode = status == RiverTaskStatus.Completed ? 0 : 1;
                }
                tasks.Add(task);
            }
        }
        return tasks;
    }
}
