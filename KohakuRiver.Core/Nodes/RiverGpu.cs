using KohakuRiver.Core.Wire;

namespace KohakuRiver.Core.Nodes;

/// <summary>
/// One GPU of a node, as <c>Get-RiverNode</c>'s <c>Gpus</c> lists it: the runner's report (<see cref="GpuInfo"/>) with
/// PowerShell names and units, null where the runner could not read a figure (the wire's -1), and whether a task holds
/// it now. Its string form is the target syntax, <c>node::id</c>, so it can be handed to <c>-Target</c>.
/// </summary>
public sealed class RiverGpu
{
    public string NodeName { get; init; } = "";
    public int GpuId { get; init; }
    public string Name { get; init; } = "";
    public string? DriverVersion { get; init; }
    public string? PciBusId { get; init; }
    public int? NumaNode { get; init; }
    /// <summary>Percent of time a kernel ran over the runner's last sample period.</summary>
    public int? UtilizationPercent { get; init; }
    /// <summary>Percent of time device memory was read or written over the last sample period.</summary>
    public int? MemoryUtilizationPercent { get; init; }
    public long? MemoryTotalMiB { get; init; }
    public long? MemoryUsedMiB { get; init; }
    public long? MemoryFreeMiB { get; init; }
    public int? TemperatureC { get; init; }
    public int? FanSpeedPercent { get; init; }
    public double? PowerUsageWatts { get; init; }
    public double? PowerLimitWatts { get; init; }
    public int? GraphicsClockMHz { get; init; }
    public int? MemoryClockMHz { get; init; }
    /// <summary>A task on the node holds this GPU now.</summary>
    public bool InUse { get; init; }

    public static RiverGpu From(string nodeName, GpuInfo g, bool inUse) => new()
    {
        NodeName = nodeName,
        GpuId = g.GpuId,
        Name = g.Name,
        DriverVersion = string.IsNullOrEmpty(g.DriverVersion) ? null : g.DriverVersion,
        PciBusId = string.IsNullOrEmpty(g.PciBusId) ? null : g.PciBusId,
        NumaNode = Known(g.NumaNode),
        UtilizationPercent = Known(g.GpuUtilization),
        MemoryUtilizationPercent = Known(g.MemUtilization),
        MemoryTotalMiB = Known(g.MemoryTotalMib),
        MemoryUsedMiB = Known(g.MemoryUsedMib),
        MemoryFreeMiB = Known(g.MemoryFreeMib),
        TemperatureC = Known(g.Temperature),
        FanSpeedPercent = Known(g.FanSpeed),
        PowerUsageWatts = Watts(g.PowerUsageMw),
        PowerLimitWatts = Watts(g.PowerLimitMw),
        GraphicsClockMHz = Known(g.GraphicsClockMhz),
        MemoryClockMHz = Known(g.MemClockMhz),
        InUse = inUse,
    };

    /// <summary>The node's GPUs in id order, each marked in use when <paramref name="inUse"/> names it.</summary>
    public static IReadOnlyList<RiverGpu> ListOf(string nodeName, IEnumerable<GpuInfo?>? gpus, IEnumerable<int>? inUse)
    {
        if (gpus is null) return [];
        var held = inUse?.ToHashSet() ?? [];
        return gpus.OfType<GpuInfo>().OrderBy(g => g.GpuId).Select(g => From(nodeName, g, held.Contains(g.GpuId))).ToList();
    }

    internal static int? Known(int value) => value < 0 ? null : value;

    internal static long? Known(long value) => value < 0 ? null : value;

    private static double? Watts(long milliwatts) => milliwatts < 0 ? null : milliwatts / 1000.0;

    public override string ToString() => $"{NodeName}::{GpuId}";
}
