using KohakuRiver.Daemon.Host.Records;

namespace KohakuRiver.Daemon.Host.Scheduling;

/// <summary>What a task asks for, as the scheduler sees it. <see cref="GpuIds"/> are GPUs asked for by id (or already
/// chosen); <see cref="GpuCount"/> is a number of GPUs the scheduler chooses, and is 0 once ids are known.</summary>
public sealed record ResourceRequest(int Cores, long MemoryBytes, string? TargetNode, int? NumaNode, IReadOnlyList<int>? GpuIds, int GpuCount = 0)
{
    public static ResourceRequest Of(TaskRecord t) =>
        new(t.RequiredCores, t.RequiredMemoryBytes ?? 0, t.TargetHostname, t.TargetNumaNodeId, t.RequiredGpus,
            t.RequiredGpus is { Count: > 0 } ? 0 : t.RequiredGpuCount ?? 0);
}
