using System.Text.Json.Serialization;

namespace KohakuRiver.Core.Wire;

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
