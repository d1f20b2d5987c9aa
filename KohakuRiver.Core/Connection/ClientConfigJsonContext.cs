using System.Text.Json.Serialization;

namespace KohakuRiver.Core.Connection;

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, WriteIndented = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ClientConfig))]
internal sealed partial class ClientConfigJsonContext : JsonSerializerContext;
