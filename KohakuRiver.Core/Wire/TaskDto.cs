using System.Text.Json.Serialization;
using KohakuRiver.Core.Models;

namespace KohakuRiver.Core.Wire;

/// <summary>
/// A task as it travels between host, runner and client, and as the host stores it (one JSON document per task). The
/// cmdlets show <see cref="Tasks.RiverTask"/>, mapped from it; the host works on its own record. JSON names are the
/// original KohakuRiver's snake_case ones (so <c>NodeName</c> travels as <c>assigned_node</c> and <c>Environment</c>
/// as <c>container_name</c>). Ids travel as strings because they exceed 2^53.
/// </summary>
public sealed class TaskDto
{
    [JsonNumberHandling(JsonNumberHandling.WriteAsString | JsonNumberHandling.AllowReadingFromString)]
    public long TaskId { get; set; }
    public string TaskType { get; set; } = TaskKindNames.Command;
    [JsonNumberHandling(JsonNumberHandling.WriteAsString | JsonNumberHandling.AllowReadingFromString)]
    public long? BatchId { get; set; }
    public string? Name { get; set; }
    public string Command { get; set; } = "";
    public List<string> Arguments { get; set; } = [];
    public Dictionary<string, string> EnvVars { get; set; } = [];
    /// <summary>The sweep parameters this task was made from (empty for a plain task).</summary>
    public Dictionary<string, string> Parameters { get; set; } = [];
    public int RequiredCores { get; set; }
    /// <summary>The GPU ids the task holds: as asked for, or as the host chose them for <see cref="RequiredGpuCount"/>
    /// when it placed the task (null until then).</summary>
    public List<int>? RequiredGpus { get; set; }
    /// <summary>Set when the submitter asked for a number of GPUs rather than for ids.</summary>
    public int? RequiredGpuCount { get; set; }
    public long? RequiredMemoryBytes { get; set; }
    /// <summary>The most processes and threads the container may hold at once (its cgroup's pids.max).</summary>
    public int? PidsLimit { get; set; }
    /// <summary>The node the submitter asked for, if any.</summary>
    public string? TargetHostname { get; set; }
    public int? TargetNumaNodeId { get; set; }
    public RiverTaskStatus Status { get; set; }
    [JsonPropertyName("assigned_node")]
    public string? NodeName { get; set; }
    [JsonPropertyName("container_name")]
    public string? Environment { get; set; }
    [JsonPropertyName("registry_image")]
    public string? Image { get; set; }
    public string? DockerImageName { get; set; }
    public bool Privileged { get; set; }
    public List<string> AdditionalMounts { get; set; } = [];
    public int? SshPort { get; set; }
    /// <summary>VPS only: disabled, upload or generate.</summary>
    public string? SshKeyMode { get; set; }
    /// <summary>VPS only: the public key written into the container's authorized_keys (never a private key).</summary>
    public string? SshPublicKey { get; set; }
    public string? StdoutPath { get; set; }
    public string? StderrPath { get; set; }
    public int? ExitCode { get; set; }
    public string? ErrorMessage { get; set; }
    public DateTimeOffset SubmittedAt { get; set; }
    public DateTimeOffset? StartedAt { get; set; }
    public DateTimeOffset? CompletedAt { get; set; }

    [JsonIgnore]
    public bool IsFinished => Status.IsFinal();

    /// <summary><see cref="TaskType"/> read: anything but "vps" is a command, as the host sends nothing else.</summary>
    [JsonIgnore]
    public TaskKind Kind => TaskKindNames.TryParse(TaskType, out var kind) ? kind : TaskKind.Command;

    /// <summary>VPS only: <see cref="SshKeyMode"/> read (null when absent or not a mode).</summary>
    [JsonIgnore]
    public SshKeyMode? KeyMode => SshKeyModeNames.TryParse(SshKeyMode, out var mode) ? mode : null;

    [JsonIgnore]
    public TimeSpan? Duration => StartedAt is { } s ? (CompletedAt ?? DateTimeOffset.UtcNow) - s : null;

    public TaskDto Clone()
    {
        var c = (TaskDto)MemberwiseClone();
        c.Arguments = [.. Arguments];
        c.EnvVars = new(EnvVars);
        c.Parameters = new(Parameters);
        c.RequiredGpus = RequiredGpus is null ? null : [.. RequiredGpus];
        c.AdditionalMounts = [.. AdditionalMounts];
        return c;
    }

    public override string ToString() => $"{TaskId} ({Status.ToWire()})";
}
