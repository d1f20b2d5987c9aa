using System.Globalization;
using System.Text.Json.Serialization;

namespace KohakuRiver.Daemon.Docker;

// Property names are Docker's own (PascalCase), so they serialise without a naming policy; the few
// that Docker spells differently carry an explicit [JsonPropertyName]. Everything the engine may omit
// is nullable so that DockerJsonContext's WhenWritingNull leaves it out of requests and the engine's
// defaults apply.

/// <summary>Body of <c>POST /containers/create</c>.</summary>
public sealed class ContainerCreateSpec
{
    public string Image { get; set; } = "";
    public List<string>? Cmd { get; set; }

    /// <summary>Null keeps the image's entrypoint; an empty list clears it.</summary>
    public List<string>? Entrypoint { get; set; }

    /// <summary>"KEY=VALUE" entries.</summary>
    public List<string>? Env { get; set; }

    public string? WorkingDir { get; set; }
    public string? User { get; set; }
    public string? Hostname { get; set; }
    public Dictionary<string, string>? Labels { get; set; }
    public bool Tty { get; set; }
    public bool OpenStdin { get; set; }
    public bool AttachStdin { get; set; }
    public bool AttachStdout { get; set; }
    public bool AttachStderr { get; set; }

    /// <summary>Keys like "22/tcp"; the engine wants an empty object as each value (<c>new()</c>).</summary>
    public Dictionary<string, object>? ExposedPorts { get; set; }

    public HostConfigSpec? HostConfig { get; set; }
}

/// <summary>The <c>HostConfig</c> of a create request; also what inspect returns (subset).</summary>
public sealed class HostConfigSpec
{
    public long? NanoCpus { get; set; }
    public long? Memory { get; set; }

    /// <summary>Memory plus swap; equal to <see cref="Memory"/> means no swap, -1 unlimited swap.</summary>
    public long? MemorySwap { get; set; }

    public string? CpusetCpus { get; set; }
    public string? CpusetMems { get; set; }

    /// <summary>"host:container[:opts]" entries. A missing host path is created by the engine (as root).</summary>
    public List<string>? Binds { get; set; }

    /// <summary>Typed mounts. A bind mount whose source is missing is an error here, never created.</summary>
    public List<MountPointSpec>? Mounts { get; set; }

    public string? NetworkMode { get; set; }
    public bool? Privileged { get; set; }
    public bool? AutoRemove { get; set; }
    public long? PidsLimit { get; set; }
    public RestartPolicySpec? RestartPolicy { get; set; }
    public Dictionary<string, List<PortBindingSpec>>? PortBindings { get; set; }
    public List<DeviceRequestSpec>? DeviceRequests { get; set; }
}

public sealed class MountPointSpec
{
    /// <summary>"bind", "volume" or "tmpfs".</summary>
    public string Type { get; set; } = "bind";
    public string Source { get; set; } = "";
    public string Target { get; set; } = "";
    public bool? ReadOnly { get; set; }
}

public sealed class RestartPolicySpec
{
    /// <summary>"", "no", "always", "unless-stopped" or "on-failure".</summary>
    public string? Name { get; set; }

    public int? MaximumRetryCount { get; set; }
}

public sealed class PortBindingSpec
{
    public string? HostIp { get; set; }
    public string? HostPort { get; set; }
}

/// <summary>GPU requests, e.g. Driver "nvidia", Count -1 (all) or DeviceIDs, Capabilities [["gpu"]].</summary>
public sealed class DeviceRequestSpec
{
    public string? Driver { get; set; }
    public int? Count { get; set; }
    public List<string>? DeviceIDs { get; set; }
    public List<List<string>>? Capabilities { get; set; }
    public Dictionary<string, string>? Options { get; set; }
}

/// <summary>Answer of <c>POST /containers/{id}/wait</c>.</summary>
public sealed class ContainerWaitResult
{
    public long StatusCode { get; set; }

    /// <summary>The engine sends <c>{"Message": "..."}</c> or null; see <see cref="ErrorMessage"/>.</summary>
    public ContainerWaitError? Error { get; set; }

    /// <summary>The wait error's message, or null when there was none (the engine may send "").</summary>
    [JsonIgnore]
    public string? ErrorMessage => string.IsNullOrEmpty(Error?.Message) ? null : Error.Message;
}

public sealed class ContainerWaitError
{
    public string? Message { get; set; }
}

/// <summary>Answer of <c>GET /containers/{id}/json</c> (the fields the product uses).</summary>
public sealed class ContainerInspect
{
    public string Id { get; set; } = "";

    /// <summary>Docker prefixes it with "/".</summary>
    public string Name { get; set; } = "";

    public string? Created { get; set; }

    /// <summary>The image id (sha256:...); <see cref="ContainerConfig.Image"/> holds the name used.</summary>
    public string? Image { get; set; }

    public int RestartCount { get; set; }
    public ContainerConfig? Config { get; set; }
    public ContainerState? State { get; set; }
    public NetworkSettings? NetworkSettings { get; set; }
    public HostConfigSpec? HostConfig { get; set; }
}

public sealed class ContainerConfig
{
    public string? Image { get; set; }
    public Dictionary<string, string>? Labels { get; set; }
    public List<string>? Env { get; set; }
    public List<string>? Cmd { get; set; }
    public List<string>? Entrypoint { get; set; }
    public string? WorkingDir { get; set; }
    public string? User { get; set; }
    public string? Hostname { get; set; }
    public bool Tty { get; set; }
    public bool OpenStdin { get; set; }

    /// <summary>Keys like "22/tcp"; the values are empty objects.</summary>
    public Dictionary<string, object>? ExposedPorts { get; set; }
}

public sealed class ContainerState
{
    /// <summary>"created", "running", "paused", "restarting", "removing", "exited" or "dead".</summary>
    public string? Status { get; set; }

    public bool Running { get; set; }
    public bool Paused { get; set; }
    public bool Restarting { get; set; }
    public bool OOMKilled { get; set; }
    public bool Dead { get; set; }
    public int Pid { get; set; }
    public int ExitCode { get; set; }
    public string? Error { get; set; }

    /// <summary>RFC 3339 as the engine sends it; "0001-01-01T00:00:00Z" when never started.</summary>
    public string? StartedAt { get; set; }

    /// <summary>RFC 3339 as the engine sends it; "0001-01-01T00:00:00Z" while it has not finished.</summary>
    public string? FinishedAt { get; set; }

    [JsonIgnore]
    public DateTimeOffset? StartedAtTime => DockerTime.Parse(StartedAt);

    [JsonIgnore]
    public DateTimeOffset? FinishedAtTime => DockerTime.Parse(FinishedAt);
}

public sealed class NetworkSettings
{
    public string? IPAddress { get; set; }

    /// <summary>"22/tcp" → host bindings; the value is null for an exposed but unpublished port.</summary>
    public Dictionary<string, List<PortBindingSpec>?>? Ports { get; set; }
}

/// <summary>One entry of <c>GET /containers/json</c>.</summary>
public sealed class ContainerSummary
{
    public string Id { get; set; } = "";

    /// <summary>Each prefixed with "/".</summary>
    public List<string> Names { get; set; } = [];

    public string? Image { get; set; }
    public string? ImageID { get; set; }
    public string? Command { get; set; }

    /// <summary>"created", "running", "paused", "exited", ...</summary>
    public string? State { get; set; }

    /// <summary>Human text such as "Up 3 minutes" or "Exited (3) 2 seconds ago".</summary>
    public string? Status { get; set; }

    public Dictionary<string, string>? Labels { get; set; }

    /// <summary>Unix seconds.</summary>
    public long Created { get; set; }
}

/// <summary>Answer of <c>GET /images/{name}/json</c> (the fields the product uses).</summary>
public sealed class ImageInspect
{
    public string Id { get; set; } = "";
    public List<string>? RepoTags { get; set; }
    public string? Created { get; set; }
    public ImageConfig? Config { get; set; }
    public long Size { get; set; }

    [JsonIgnore]
    public DateTimeOffset? CreatedTime => DockerTime.Parse(Created);
}

public sealed class ImageConfig
{
    public Dictionary<string, string>? Labels { get; set; }
    public List<string>? Cmd { get; set; }
    public List<string>? Entrypoint { get; set; }
    public List<string>? Env { get; set; }
    public string? WorkingDir { get; set; }
    public string? User { get; set; }
}

/// <summary>Body of <c>POST /containers/{id}/exec</c>.</summary>
public sealed class ExecCreateSpec
{
    public List<string> Cmd { get; set; } = [];
    public bool AttachStdin { get; set; }
    public bool AttachStdout { get; set; }
    public bool AttachStderr { get; set; }
    public bool Tty { get; set; }

    /// <summary>"KEY=VALUE" entries added to the container's environment.</summary>
    public List<string>? Env { get; set; }

    public string? WorkingDir { get; set; }
    public string? User { get; set; }
    public bool? Privileged { get; set; }
}

/// <summary>Answer of <c>GET /exec/{id}/json</c>.</summary>
public sealed class ExecInspect
{
    // The engine spells these "ID" and "ContainerID" here, unlike "Id" everywhere else.
    [JsonPropertyName("ID")]
    public string Id { get; set; } = "";

    [JsonPropertyName("ContainerID")]
    public string? ContainerId { get; set; }

    public bool Running { get; set; }

    /// <summary>Null until the process has exited.</summary>
    public int? ExitCode { get; set; }

    public int Pid { get; set; }
}

/// <summary>Docker's timestamps: RFC 3339 with nanoseconds, and the zero time meaning "never".</summary>
public static class DockerTime
{
    public static DateTimeOffset? Parse(string? value)
    {
        if (string.IsNullOrEmpty(value) || value.StartsWith("0001-01-01", StringComparison.Ordinal))
            return null;
        // Nanosecond precision is one digit more than DateTimeOffset can take; round-trip parsing
        // tolerates up to 7 fractional digits, so cut the rest.
        int dot = value.IndexOf('.');
        if (dot >= 0)
        {
            int end = dot + 1;
            while (end < value.Length && char.IsAsciiDigit(value[end])) end++;
            if (end - dot - 1 > 7) value = string.Concat(value.AsSpan(0, dot + 8), value.AsSpan(end));
        }
        return DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t)
            ? t
            : null;
    }
}

// Wire-only shapes, not part of the public surface.

internal sealed class DockerErrorResponse
{
    [JsonPropertyName("message")]
    public string? Message { get; set; }
}

internal sealed class IdResponse
{
    public string Id { get; set; } = "";
    public List<string>? Warnings { get; set; }
}

internal sealed class ExecStartSpec
{
    public bool Detach { get; set; }
    public bool Tty { get; set; }
}

internal sealed class CommitConfig
{
    public Dictionary<string, string>? Labels { get; set; }
    public List<string>? Cmd { get; set; }
}

/// <summary>One entry of <c>GET /events</c> (the fields the product uses).</summary>
public sealed class DockerEvent
{
    /// <summary>"container", "image", "network", ...</summary>
    public string? Type { get; set; }

    /// <summary>"create", "start", "die", "oom", ...</summary>
    public string? Action { get; set; }

    public DockerEventActor? Actor { get; set; }

    [JsonPropertyName("timeNano")]
    public long TimeNano { get; set; }
}

public sealed class DockerEventActor
{
    public string? ID { get; set; }
    public Dictionary<string, string>? Attributes { get; set; }
}
