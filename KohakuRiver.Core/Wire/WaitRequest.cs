using System.Text.Json.Serialization;

namespace KohakuRiver.Core.Wire;

/// <summary>POST /api/tasks/wait: long-poll until all (or any) of the tasks are final, or the timeout passes.</summary>
public sealed class WaitRequest
{
    [JsonNumberHandling(JsonNumberHandling.WriteAsString | JsonNumberHandling.AllowReadingFromString)]
    public List<long> TaskIds { get; set; } = [];
    public bool Any { get; set; }
    public double TimeoutSeconds { get; set; } = 30;
}
