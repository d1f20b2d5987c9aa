using System.Collections.ObjectModel;
using KohakuRiver.Core.Models;
using KohakuRiver.Daemon.Configuration;

namespace KohakuRiver.Daemon.Host.Records;

/// <summary>
/// A task as the host keeps it: everything the wire task carries, with its kind and key mode as enums, plus what only
/// the host needs (log paths, the image to run, the VPS's public key). <see cref="TaskWireMapping"/> is the one place
/// that turns it into the wire <c>TaskDto</c> and back; the store and the API both go through it.
/// </summary>
public sealed class TaskRecord
{
    public long TaskId { get; set; }
    public TaskKind Kind { get; set; }
    public long? BatchId { get; set; }
    public string? Name { get; set; }
    public string Command { get; set; } = "";
    public IReadOnlyList<string> Arguments { get; set; } = [];
    public IReadOnlyDictionary<string, string> EnvVars { get; set; } = ReadOnlyDictionary<string, string>.Empty;
    /// <summary>The sweep parameters this task was made from (empty for a plain task).</summary>
    public IReadOnlyDictionary<string, string> Parameters { get; set; } = ReadOnlyDictionary<string, string>.Empty;
    public int RequiredCores { get; set; }
    /// <summary>The GPU ids the task holds: as asked for, or as the host chose them for <see cref="RequiredGpuCount"/>
    /// when it placed the task (null while such a task is queued).</summary>
    public List<int>? RequiredGpus { get; set; }
    /// <summary>How many GPUs the submitter asked for, when it asked for a number rather than for ids.</summary>
    public int? RequiredGpuCount { get; set; }
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
    public IReadOnlyList<string> AdditionalMounts { get; set; } = [];
    public int? SshPort { get; set; }
    /// <summary>VPS only; null for a command.</summary>
    public SshKeyMode? KeyMode { get; set; }
    /// <summary>VPS only: the public key written into the container's authorized_keys (never a private key).</summary>
    public string? SshPublicKey { get; set; }
    /// <summary>Where the host keeps the task's standard output: set when it was stored elsewhere, else named after the
    /// task in <see cref="LogsFolder"/> (so thousands of queued tasks do not each hold two long paths).</summary>
    public string? StdoutPath
    {
        get => _stdoutPath ?? (LogsFolder is null ? null : TaskLogFiles.Stdout(LogsFolder, TaskId));
        set => _stdoutPath = value;
    }

    public string? StderrPath
    {
        get => _stderrPath ?? (LogsFolder is null ? null : TaskLogFiles.Stderr(LogsFolder, TaskId));
        set => _stderrPath = value;
    }

    /// <summary>The folder of this task's output files, shared by every task the host accepted.</summary>
    public string? LogsFolder { get; set; }

    private string? _stdoutPath;
    private string? _stderrPath;
    public int? ExitCode { get; set; }
    public string? ErrorMessage { get; set; }
    public DateTimeOffset SubmittedAt { get; set; }
    public DateTimeOffset? StartedAt { get; set; }
    public DateTimeOffset? CompletedAt { get; set; }

    public bool IsVps => Kind == TaskKind.Vps;

    /// <summary>A copy a caller outside the state's lock can read while the state changes the original. What a task
    /// asked for (its command line, environment, parameters, mounts) is read-only once submitted, so the copy shares it.</summary>
    public TaskRecord Clone()
    {
        var copy = (TaskRecord)MemberwiseClone();
        copy.RequiredGpus = RequiredGpus is null ? null : [.. RequiredGpus];
        return copy;
    }

    public override string ToString() => $"{TaskId} ({Status.ToWire()})";
}
