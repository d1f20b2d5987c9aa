using System.Text.Json.Serialization;

namespace KohakuRiver.Core.Wire;

/// <summary>GET /api/health: the cluster in one object. JSON names follow the reference (camelCase there).</summary>
public sealed class ClusterHealth
{
    [JsonPropertyName("totalNodes")] public int TotalNodes { get; set; }
    [JsonPropertyName("onlineNodes")] public int OnlineNodes { get; set; }
    [JsonPropertyName("offlineNodes")] public int OfflineNodes { get; set; }
    [JsonPropertyName("totalCores")] public int TotalCores { get; set; }
    [JsonPropertyName("coresInUse")] public int CoresInUse { get; set; }
    [JsonPropertyName("totalMemBytes")] public long TotalMemBytes { get; set; }
    [JsonPropertyName("usedMemBytes")] public long UsedMemBytes { get; set; }
    [JsonPropertyName("reservedMemBytes")] public long ReservedMemBytes { get; set; }
    [JsonPropertyName("avgCpuPercent")] public double? AvgCpuPercent { get; set; }
    [JsonPropertyName("avgMemPercent")] public double? AvgMemPercent { get; set; }
    [JsonPropertyName("maxAvgCpuTemp")] public double? MaxAvgCpuTemp { get; set; }
    /// <summary>The hottest CPU sensor on any online node (ours, as are the GPU figures below).</summary>
    [JsonPropertyName("maxCpuTemp")] public double? MaxCpuTemp { get; set; }
    [JsonPropertyName("totalGpus")] public int TotalGpus { get; set; }
    [JsonPropertyName("gpusInUse")] public int GpusInUse { get; set; }
    [JsonPropertyName("gpuMemoryTotalMib")] public long GpuMemoryTotalMib { get; set; }
    [JsonPropertyName("gpuMemoryUsedMib")] public long GpuMemoryUsedMib { get; set; }
    /// <summary>Mean utilisation over the online GPUs that report one; null when none does.</summary>
    [JsonPropertyName("avgGpuUtilization")] public double? AvgGpuUtilization { get; set; }
    [JsonPropertyName("maxGpuTemp")] public int? MaxGpuTemp { get; set; }
    /// <summary>GPUs held by tasks over GPUs online, as "1/4"; null when no online node has a GPU. Not on the wire.</summary>
    [JsonIgnore] public string? GpuUsage => TotalGpus > 0 ? $"{GpusInUse}/{TotalGpus}" : null;
    [JsonPropertyName("pendingTasks")] public int PendingTasks { get; set; }
    [JsonPropertyName("runningTasks")] public int RunningTasks { get; set; }
    [JsonPropertyName("lastUpdated")] public DateTimeOffset LastUpdated { get; set; }
    /// <summary>Where the host's SSH proxy listens (same host name as the API).</summary>
    [JsonPropertyName("sshProxyPort")] public int? SshProxyPort { get; set; }
}
