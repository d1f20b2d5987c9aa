using System.Text.Json.Serialization;

namespace KohakuRiver.Core.Wire;

/// <summary>POST /api/docker/host/create: an environment container on the host from a local image.</summary>
public sealed class CreateEnvironmentRequest
{
    /// <summary>The local image to start from (e.g. <c>python:3.12-slim</c> or <c>kohakuriver/busybox:base</c>).</summary>
    public string ImageName { get; set; } = "";
    /// <summary>The environment's name (the reference calls it container_name).</summary>
    [JsonPropertyName("container_name")]
    public string Environment { get; set; } = "";
}
