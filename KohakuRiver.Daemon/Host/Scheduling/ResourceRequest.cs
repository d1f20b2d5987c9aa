using KohakuRiver.Daemon.Host.Records;

namespace KohakuRiver.Daemon.Host.Scheduling;

/// <summary>What a task asks for, as the scheduler sees it.</summary>
public sealed record ResourceRequest(int Cores, long MemoryBytes, string? TargetNode, int? NumaNode, IReadOnlyList<int>? GpuIds)
{
    public static ResourceRequest Of(TaskRecord t) =>
        new(t.RequiredCores, t.RequiredMemoryBytes ?? 0, t.TargetHostname, t.TargetNumaNodeId, t.RequiredGpus);
}
