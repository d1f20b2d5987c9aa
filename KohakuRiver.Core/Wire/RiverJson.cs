using System.Text.Json;
using System.Text.Json.Serialization;
using KohakuRiver.Core.Models;

namespace KohakuRiver.Core.Wire;

/// <summary>Source-generated serialisation of the whole wire contract: snake_case names, enums as wire strings.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    NumberHandling = JsonNumberHandling.AllowReadingFromString,
    Converters = [typeof(RiverTaskStatusConverter), typeof(NodeStatusConverter)])]
[JsonSerializable(typeof(TaskDto))]
[JsonSerializable(typeof(List<TaskDto>))]
[JsonSerializable(typeof(SubmitRequest))]
[JsonSerializable(typeof(BatchSubmitRequest))]
[JsonSerializable(typeof(SubmitResponse))]
[JsonSerializable(typeof(WaitRequest))]
[JsonSerializable(typeof(ErrorResponse))]
[JsonSerializable(typeof(MessageResponse))]
[JsonSerializable(typeof(RegisterRequest))]
[JsonSerializable(typeof(HeartbeatRequest))]
[JsonSerializable(typeof(HeartbeatResponse))]
[JsonSerializable(typeof(TaskUpdateRequest))]
[JsonSerializable(typeof(RunnerTaskCommand))]
[JsonSerializable(typeof(RiverNode))]
[JsonSerializable(typeof(List<RiverNode>))]
[JsonSerializable(typeof(ClusterHealth))]
[JsonSerializable(typeof(Dictionary<string, string>))]
[JsonSerializable(typeof(List<string>))]
[JsonSerializable(typeof(List<int>))]
[JsonSerializable(typeof(Dictionary<string, NumaNodeInfo>))]
[JsonSerializable(typeof(List<GpuInfo>))]
[JsonSerializable(typeof(NodeHistory))]
[JsonSerializable(typeof(CreateEnvironmentRequest))]
[JsonSerializable(typeof(EnvironmentContainer))]
[JsonSerializable(typeof(List<EnvironmentContainer>))]
[JsonSerializable(typeof(EnvironmentExecRequest))]
[JsonSerializable(typeof(EnvironmentExecResult))]
[JsonSerializable(typeof(Dictionary<string, EnvironmentTarballs>))]
[JsonSerializable(typeof(PublishResult))]
[JsonSerializable(typeof(VpsCreateRequest))]
[JsonSerializable(typeof(VpsCreateResponse))]
[JsonSerializable(typeof(VpsRestartResponse))]
[JsonSerializable(typeof(TerminalMessage))]
[JsonSerializable(typeof(WebSocketTicket))]
public sealed partial class RiverJsonContext : JsonSerializerContext;

public sealed class RiverTaskStatusConverter : JsonConverter<RiverTaskStatus>
{
    public override RiverTaskStatus Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        TaskStatusNames.TryParse(reader.GetString(), out var s) ? s : throw new JsonException($"unknown task status '{reader.GetString()}'");

    public override void Write(Utf8JsonWriter writer, RiverTaskStatus value, JsonSerializerOptions options) =>
        writer.WriteStringValue(value.ToWire());
}

public sealed class NodeStatusConverter : JsonConverter<NodeStatus>
{
    public override NodeStatus Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.GetString()?.ToLowerInvariant() switch
        {
            "online" => NodeStatus.Online,
            "offline" => NodeStatus.Offline,
            var other => throw new JsonException($"unknown node status '{other}'"),
        };

    public override void Write(Utf8JsonWriter writer, NodeStatus value, JsonSerializerOptions options) =>
        writer.WriteStringValue(value == NodeStatus.Online ? "online" : "offline");
}
