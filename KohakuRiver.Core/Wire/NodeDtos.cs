using System.Text.Json.Serialization;

namespace KohakuRiver.Core.Wire;

public sealed class NumaNodeInfo
{
    public List<int> Cores { get; set; } = [];
    public long MemoryBytes { get; set; }
}

public sealed class GpuInfo
{
    public int GpuId { get; set; }
    public string Name { get; set; } = "";
    public long MemoryTotalBytes { get; set; }
    public long MemoryUsedBytes { get; set; }
    public double? UtilizationPercent { get; set; }
    public double? TemperatureC { get; set; }
}

/// <summary>POST /api/register (runner → host).</summary>
public sealed class RegisterRequest
{
    public string Hostname { get; set; } = "";
    public string Url { get; set; } = "";
    public int TotalCores { get; set; }
    public long TotalRamBytes { get; set; }
    public Dictionary<string, NumaNodeInfo>? NumaTopology { get; set; }
    public List<GpuInfo>? GpuInfo { get; set; }
    public string? RunnerVersion { get; set; }
}

public sealed class KilledTaskReport
{
    [JsonNumberHandling(JsonNumberHandling.AllowReadingFromString)]
    public long TaskId { get; set; }
    public string Reason { get; set; } = "";
}

/// <summary>PUT /api/heartbeat/{hostname} (runner → host).</summary>
public sealed class HeartbeatRequest
{
    /// <summary>Every task the runner still holds: running, paused, or finished with its report not yet acknowledged.</summary>
    [JsonNumberHandling(JsonNumberHandling.AllowReadingFromString)]
    public List<long> RunningTasks { get; set; } = [];
    public List<KilledTaskReport> KilledTasks { get; set; } = [];
    public double? CpuPercent { get; set; }
    public double? MemoryPercent { get; set; }
    public long? MemoryUsedBytes { get; set; }
    public long? MemoryTotalBytes { get; set; }
    public double? CurrentAvgTemp { get; set; }
    public double? CurrentMaxTemp { get; set; }
    public List<GpuInfo>? GpuInfo { get; set; }
    public string? RunnerVersion { get; set; }
}

/// <summary>The host's answer to a heartbeat: tasks the runner holds that the host has finished (killed, lost) or never
/// gave it, which the runner must stop.</summary>
public sealed class HeartbeatResponse
{
    public string Message { get; set; } = "";
    [JsonNumberHandling(JsonNumberHandling.AllowReadingFromString)]
    public List<long> KillTasks { get; set; } = [];
}

/// <summary>POST /api/update (runner → host).</summary>
public sealed class TaskUpdateRequest
{
    [JsonNumberHandling(JsonNumberHandling.AllowReadingFromString)]
    public long TaskId { get; set; }
    public string Status { get; set; } = "";
    public int? ExitCode { get; set; }
    public string? Message { get; set; }
    public DateTimeOffset? StartedAt { get; set; }
    public DateTimeOffset? CompletedAt { get; set; }
    public int? SshPort { get; set; }
}

/// <summary>POST /api/kill|pause|resume on a runner (host → runner).</summary>
public sealed class RunnerTaskCommand
{
    [JsonNumberHandling(JsonNumberHandling.AllowReadingFromString)]
    public long TaskId { get; set; }
    public string? ContainerName { get; set; }
}

public enum NodeStatus
{
    Online,
    Offline,
}

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
    public double? CpuPercent { get; set; }
    public double? MemoryPercent { get; set; }
    public long? MemoryUsedBytes { get; set; }
    public long? MemoryTotalBytes { get; set; }
    public double? CurrentAvgTemp { get; set; }
    public double? CurrentMaxTemp { get; set; }
    public string? RunnerVersion { get; set; }

    public override string ToString() => $"{NodeName} ({Status})";
}

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
    [JsonPropertyName("pendingTasks")] public int PendingTasks { get; set; }
    [JsonPropertyName("runningTasks")] public int RunningTasks { get; set; }
    [JsonPropertyName("lastUpdated")] public DateTimeOffset LastUpdated { get; set; }
    /// <summary>Where the host's SSH proxy listens (same host name as the API).</summary>
    [JsonPropertyName("sshProxyPort")] public int? SshProxyPort { get; set; }
}
