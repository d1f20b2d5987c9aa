using System.Text.Json.Serialization;

namespace KohakuRiver.Core.Wire;

/// <summary>POST /api/docker/create_tar/{env}: what was published.</summary>
public sealed class PublishResult
{
    [JsonPropertyName("name")]
    public string Environment { get; set; } = "";
    public string Image { get; set; } = "";
    public long Timestamp { get; set; }
    public string Tarball { get; set; } = "";
    public long SizeBytes { get; set; }
    public List<string> Pruned { get; set; } = [];
}
