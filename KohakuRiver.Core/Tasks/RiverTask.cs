using KohakuRiver.Core.Models;

namespace KohakuRiver.Core.Tasks;

/// <summary>
/// A task as the cmdlets show it: what was asked for, where it runs and how it ended. What only the host and the runner
/// need (log file paths on the host, the engine's image name, the VPS's public key) is kept apart in
/// <see cref="Internals"/>, which no view shows; ask for it by name (<c>$task.Internals</c>) when debugging the cluster.
/// </summary>
public sealed class RiverTask
{
    public long TaskId { get; init; }
    public TaskKind Kind { get; init; }
    public long? BatchId { get; init; }
    public string? Name { get; init; }
    public string Command { get; init; } = "";
    public IReadOnlyList<string> Arguments { get; init; } = [];
    public IReadOnlyDictionary<string, string> EnvVars { get; init; } = new Dictionary<string, string>();
    /// <summary>The sweep parameters this task was made from (empty for a plain task).</summary>
    public IReadOnlyDictionary<string, string> Parameters { get; init; } = new Dictionary<string, string>();
    public int RequiredCores { get; init; }
    /// <summary>The GPU ids the task holds: as asked for, or as the host chose them for <see cref="RequiredGpuCount"/>
    /// when it placed the task (null while such a task waits in the queue).</summary>
    public IReadOnlyList<int>? RequiredGpus { get; init; }
    /// <summary>How many GPUs the task asked the host to choose (-Gpus); null when it named ids or wanted none.</summary>
    public int? RequiredGpuCount { get; init; }
    public long? RequiredMemoryBytes { get; init; }
    /// <summary>The most processes and threads the container may hold at once.</summary>
    public int? PidsLimit { get; init; }
    /// <summary>The node the submitter asked for, if any.</summary>
    public string? TargetHostname { get; init; }
    public int? TargetNumaNodeId { get; init; }
    public RiverTaskStatus Status { get; init; }
    /// <summary>The node it was placed on.</summary>
    public string? NodeName { get; init; }
    public string? Environment { get; init; }
    /// <summary>The registry image it runs in, when it was submitted with one instead of an environment.</summary>
    public string? Image { get; init; }
    public bool Privileged { get; init; }
    public IReadOnlyList<string> AdditionalMounts { get; init; } = [];
    /// <summary>VPS only: where its sshd listens on its node (reached through the host's SSH proxy).</summary>
    public int? SshPort { get; init; }
    /// <summary>VPS only: how its SSH server got its key.</summary>
    public SshKeyMode? SshKeyMode { get; init; }
    public int? ExitCode { get; init; }
    public string? ErrorMessage { get; init; }
    public DateTimeOffset SubmittedAt { get; init; }
    public DateTimeOffset? StartedAt { get; init; }
    public DateTimeOffset? CompletedAt { get; init; }
    /// <summary>The cluster's own bookkeeping for this task; shown only when asked for by name.</summary>
    public RiverTaskInternals Internals { get; init; } = RiverTaskInternals.None;

    public bool IsFinished => Status.IsFinal();

    /// <summary>How long it ran (so far, while it runs).</summary>
    public TimeSpan? Duration => StartedAt is { } started ? (CompletedAt ?? DateTimeOffset.UtcNow) - started : null;

    public override string ToString() => $"{TaskId} ({Status.ToWire()})";
}
