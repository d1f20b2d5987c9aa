using System.Text.Json.Serialization;

namespace KohakuRiver.Core.Wire;

/// <summary>An environment container on the host.</summary>
public sealed class EnvironmentContainer
{
    [JsonPropertyName("name")]
    public string Environment { get; set; } = "";
    public string ContainerName { get; set; } = "";
    public string Image { get; set; } = "";
    /// <summary>Docker's state: running, exited, paused, created…</summary>
    public string Status { get; set; } = "";
    public DateTimeOffset? Created { get; set; }
}
