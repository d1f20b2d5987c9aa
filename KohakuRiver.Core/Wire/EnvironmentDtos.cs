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

/// <summary>POST /api/docker/host/exec/{env}: a one-shot command inside the environment container.</summary>
public sealed class EnvironmentExecRequest
{
    /// <summary>A shell command line (run under /bin/sh -c) …</summary>
    public string? Command { get; set; }
    /// <summary>… or an argument vector run as is.</summary>
    public List<string>? Arguments { get; set; }
    public double? TimeoutSeconds { get; set; }
}

public sealed class EnvironmentExecResult
{
    public int ExitCode { get; set; }
    public string Stdout { get; set; } = "";
    public string Stderr { get; set; } = "";
}

/// <summary>One published tarball of an environment.</summary>
public sealed class EnvironmentVersion
{
    public long Timestamp { get; set; }
    public string Tarball { get; set; } = "";
    public long SizeBytes { get; set; }
}

/// <summary>GET /api/docker/list: the published versions of one environment (reference shape).</summary>
public sealed class EnvironmentTarballs
{
    public long LatestTimestamp { get; set; }
    public string LatestTarball { get; set; } = "";
    public List<EnvironmentVersion> AllVersions { get; set; } = [];
}

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
