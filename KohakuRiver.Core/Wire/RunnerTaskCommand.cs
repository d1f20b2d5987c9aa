using System.Text.Json.Serialization;

namespace KohakuRiver.Core.Wire;

/// <summary>POST /api/kill|pause|resume on a runner (host → runner).</summary>
public sealed class RunnerTaskCommand
{
    [JsonNumberHandling(JsonNumberHandling.AllowReadingFromString)]
    public long TaskId { get; set; }
    public string? ContainerName { get; set; }
}
