using System.Text.Json.Serialization;

namespace KohakuRiver.Core.Wire;

public sealed class SubmitResponse
{
    public string Message { get; set; } = "";
    [JsonNumberHandling(JsonNumberHandling.WriteAsString | JsonNumberHandling.AllowReadingFromString)]
    public long? BatchId { get; set; }
    public List<string> TaskIds { get; set; } = [];
    public List<FailedTarget> FailedTargets { get; set; } = [];
}
