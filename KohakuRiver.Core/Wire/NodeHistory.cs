namespace KohakuRiver.Core.Wire;

/// <summary>GET /api/nodes/{hostname}/history: what a node's heartbeats said, oldest first, for charts (ours).</summary>
public sealed class NodeHistory
{
    public string Hostname { get; set; } = "";
    /// <summary>The runner's heartbeat interval as the host knows it: about one sample per interval.</summary>
    public double IntervalSeconds { get; set; }
    /// <summary>The most samples the host keeps per node; older ones are dropped.</summary>
    public int Capacity { get; set; }
    public List<NodeSample> Samples { get; set; } = [];
}

/// <summary>One heartbeat's figures. Null where the runner did not report one.</summary>
public sealed class NodeSample
{
    public DateTimeOffset Timestamp { get; set; }
    public double? CpuPercent { get; set; }
    public double? MemoryPercent { get; set; }
    public long? MemoryUsedBytes { get; set; }
    public double? CurrentAvgTemp { get; set; }
    public double? CurrentMaxTemp { get; set; }
    public List<GpuSample>? Gpus { get; set; }
}

/// <summary>One GPU in a <see cref="NodeSample"/>; -1 where the runner had no figure, as in <see cref="GpuInfo"/>.</summary>
public sealed class GpuSample
{
    public int GpuId { get; set; }
    public int GpuUtilization { get; set; } = GpuInfo.Unavailable;
    public long MemoryUsedMib { get; set; } = GpuInfo.Unavailable;
    public long MemoryTotalMib { get; set; } = GpuInfo.Unavailable;
    public int Temperature { get; set; } = GpuInfo.Unavailable;
}
