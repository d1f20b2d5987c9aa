using KohakuRiver.Core.Wire;

namespace KohakuRiver.Core.Nodes;

/// <summary>
/// One heartbeat of a node as the host's history kept it (<c>Get-RiverNodeHistory</c> writes one per sample, oldest
/// first): null where the runner did not report a figure.
/// </summary>
public sealed class RiverNodeSample
{
    public string NodeName { get; init; } = "";
    public DateTimeOffset Timestamp { get; init; }
    public double? CpuPercent { get; init; }
    public double? MemoryPercent { get; init; }
    public long? MemoryUsedBytes { get; init; }
    /// <summary>The mean of the node's CPU temperature sensors, degrees Celsius.</summary>
    public double? AvgTempC { get; init; }
    /// <summary>The hottest CPU temperature sensor, degrees Celsius.</summary>
    public double? MaxTempC { get; init; }
    /// <summary>The node's GPUs at that moment (empty for a node without any).</summary>
    public IReadOnlyList<RiverGpuSample> Gpus { get; init; } = [];

    /// <summary>The mean utilisation of the GPUs that reported one; null when none did.</summary>
    public double? AvgGpuUtilizationPercent
    {
        get
        {
            var reported = Gpus.Where(g => g.UtilizationPercent is not null).Select(g => g.UtilizationPercent!.Value).ToList();
            return reported.Count == 0 ? null : Math.Round(reported.Average(), 1);
        }
    }

    public static IReadOnlyList<RiverNodeSample> FromHistory(NodeHistory history)
    {
        ArgumentNullException.ThrowIfNull(history);
        return history.Samples.OfType<NodeSample>().Select(s => From(history.Hostname, s)).ToList();
    }

    public static RiverNodeSample From(string nodeName, NodeSample s) => new()
    {
        NodeName = nodeName,
        Timestamp = s.Timestamp,
        CpuPercent = s.CpuPercent,
        MemoryPercent = s.MemoryPercent,
        MemoryUsedBytes = s.MemoryUsedBytes,
        AvgTempC = s.CurrentAvgTemp,
        MaxTempC = s.CurrentMaxTemp,
        Gpus = (s.Gpus ?? []).OfType<GpuSample>().Select(g => new RiverGpuSample
        {
            NodeName = nodeName,
            Timestamp = s.Timestamp,
            GpuId = g.GpuId,
            UtilizationPercent = RiverGpu.Known(g.GpuUtilization),
            MemoryUsedMiB = RiverGpu.Known(g.MemoryUsedMib),
            MemoryTotalMiB = RiverGpu.Known(g.MemoryTotalMib),
            TemperatureC = RiverGpu.Known(g.Temperature),
        }).ToList(),
    };

    public override string ToString() => $"{NodeName} at {Timestamp:u}";
}
