using System.Text.Json.Serialization;
using KohakuRiver.Core.Nodes;

namespace KohakuRiver.Core.Wire;

/// <summary>A node as GET /api/nodes reports it.</summary>
public sealed class RiverNode
{
    [JsonPropertyName("hostname")]
    public string NodeName { get; set; } = "";
    public string Url { get; set; } = "";
    public NodeStatus Status { get; set; }
    public int TotalCores { get; set; }
    public int CoresInUse { get; set; }
    public int AvailableCores { get; set; }
    [JsonPropertyName("total_ram_bytes")]
    public long TotalMemoryBytes { get; set; }
    public long MemoryReservedBytes { get; set; }
    public long AvailableMemoryBytes { get; set; }
    public int RunningTaskCount { get; set; }
    public DateTimeOffset? LastHeartbeat { get; set; }
    public Dictionary<string, NumaNodeInfo>? NumaTopology { get; set; }
    public List<GpuInfo>? GpuInfo { get; set; }
    /// <summary>The GPU ids tasks on this node hold now (ours).</summary>
    public List<int>? GpusInUse { get; set; }
    public double? CpuPercent { get; set; }
    public double? MemoryPercent { get; set; }
    public long? MemoryUsedBytes { get; set; }
    public long? MemoryTotalBytes { get; set; }
    public double? CurrentAvgTemp { get; set; }
    public double? CurrentMaxTemp { get; set; }
    public string? RunnerVersion { get; set; }

    /// <summary>The GPUs of <see cref="GpuInfo"/> as typed objects (PowerShell names, null for the wire's -1), each
    /// marked <see cref="RiverGpu.InUse"/> from <see cref="GpusInUse"/>; empty for a node without GPUs. Not on the wire.</summary>
    [JsonIgnore]
    public IReadOnlyList<RiverGpu> Gpus => RiverGpu.ListOf(NodeName, GpuInfo, GpusInUse);

    /// <summary>GPUs held by tasks over GPUs reported, as "1/4"; null for a node without GPUs. Not on the wire.</summary>
    [JsonIgnore]
    public string? GpuUsage => GpuInfo is { Count: > 0 } gpus ? $"{GpusInUse?.Count ?? 0}/{gpus.Count}" : null;

    public override string ToString() => $"{NodeName} ({Status})";
}
