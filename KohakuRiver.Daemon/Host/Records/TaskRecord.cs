using KohakuRiver.Core.Models;

namespace KohakuRiver.Daemon.Host.Records;

/// <summary>
/// A task as the host keeps it: everything the wire task carries, with its kind and key mode as enums, plus what only
/// the host needs (log paths, the image to run, the VPS's public key). <see cref="TaskWireMapping"/> is the one place
/// that turns it into the wire <c>RiverTask</c> and back; the store and the API both go through it.
/// </summary>
public sealed class TaskRecord
{
    public long TaskId { get; set; }
    public TaskKind Kind { get; set; }
    public long? BatchId { get; set; }
    public string? Name { get; set; }
    public string Command { get; set; } = "";
    public List<string> Arguments { get; set; } = [];
    public Dictionary<string, string> EnvVars { get; set; } = [];
    /// <summary>The sweep parameters this task was made from (empty for a plain task).</summary>
    public Dictionary<string, string> Parameters { get; set; } = [];
    public int RequiredCores { get; set; }
    public List<int>? RequiredGpus { get; set; }
    public long? RequiredMemoryBytes { get; set; }
    public int? PidsLimit { get; set; }
    /// <summary>The node the submitter asked for, if any.</summary>
    public string? TargetHostname { get; set; }
    public int? TargetNumaNodeId { get; set; }
    public RiverTaskStatus Status { get; set; }
    /// <summary>The node it was placed on (the wire's <c>assigned_node</c>).</summary>
    public string? NodeName { get; set; }
    /// <summary>The environment it runs in (the wire's <c>container_name</c>); null when it names an image.</summary>
    public string? Environment { get; set; }
    /// <summary>The registry image the submitter named, if any.</summary>
    public string? Image { get; set; }
    /// <summary>The image the runner starts: <see cref="Image"/>, or the environment's image.</summary>
    public string? DockerImageName { get; set; }
    public bool Privileged { get; set; }
    public List<string> AdditionalMounts { get; set; } = [];
    public int? SshPort { get; set; }
    /// <summary>VPS only; null for a command.</summary>
    public SshKeyMode? KeyMode { get; set; }
    /// <summary>VPS only: the public key written into the container's authorized_keys (never a private key).</summary>
    public string? SshPublicKey { get; set; }
    public string? StdoutPath { get; set; }
    public string? StderrPath { get; set; }
    public int? ExitCode { get; set; }
    public string? ErrorMessage { get; set; }
    public DateTimeOffset SubmittedAt { get; set; }
    public DateTimeOffset? StartedAt { get; set; }
    public DateTimeOffset? CompletedAt { get; set; }

    public bool IsVps => Kind == TaskKind.Vps;

    /// <summary>A copy whose lists and maps are its own, so a caller outside the state's lock cannot see it change.</summary>
    public TaskRecord Clone()
    {
        var copy = (TaskRecord)MemberwiseClone();
        copy.Arguments = [.. Arguments];
        copy.EnvVars = new(EnvVars);
        copy.Parameters = new(Parameters);
        copy.RequiredGpus = RequiredGpus is null ? null : [.. RequiredGpus];
        copy.AdditionalMounts = [.. AdditionalMounts];
        return copy;
    }

    public override string ToString() => $"{TaskId} ({Status.ToWire()})";
}
