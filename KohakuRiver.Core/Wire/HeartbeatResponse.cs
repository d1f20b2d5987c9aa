using System.Text.Json.Serialization;

namespace KohakuRiver.Core.Wire;

/// <summary>The host's answer to a heartbeat: tasks the runner holds that the host has finished (killed, lost) or never
/// gave it, which the runner must stop.</summary>
public sealed class HeartbeatResponse
{
    public string Message { get; set; } = "";
    [JsonNumberHandling(JsonNumberHandling.AllowReadingFromString)]
    public List<long> KillTasks { get; set; } = [];
}
