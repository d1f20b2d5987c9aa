namespace KohakuRiver.Core.Nodes;

/// <summary>One GPU in a <see cref="RiverNodeSample"/>: null where the runner had no figure.</summary>
public sealed class RiverGpuSample
{
    public string NodeName { get; init; } = "";
    public DateTimeOffset Timestamp { get; init; }
    public int GpuId { get; init; }
    public int? UtilizationPercent { get; init; }
    public long? MemoryUsedMiB { get; init; }
    public long? MemoryTotalMiB { get; init; }
    public int? TemperatureC { get; init; }

    public override string ToString() => $"{NodeName}::{GpuId} at {Timestamp:u}";
}
