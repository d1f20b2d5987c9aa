using System.Text.Json.Serialization;

namespace KohakuRiver.Core.Wire;

public sealed class KilledTaskReport
{
    [JsonNumberHandling(JsonNumberHandling.AllowReadingFromString)]
    public long TaskId { get; set; }
    public string Reason { get; set; } = "";
}
