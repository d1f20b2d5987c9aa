using System.Text.Json.Serialization;

namespace KohakuRiver.Core.Wire;

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
