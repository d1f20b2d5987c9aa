using System.Collections.ObjectModel;
using KohakuRiver.Core.Models;
using KohakuRiver.Core.Wire;

namespace KohakuRiver.Daemon.Host.Records;

/// <summary>
/// The one mapping between the host's <see cref="TaskRecord"/> and the wire <see cref="TaskDto"/> (what clients,
/// runners and the stored document see). Field for field, so the JSON the host sends is what it sent before records
/// existed; only the kind and key mode change form (enum here, wire name there).
/// </summary>
public static class TaskWireMapping
{
    public static TaskDto ToWire(this TaskRecord r) => new()
    {
        TaskId = r.TaskId,
        TaskType = r.Kind.ToWire(),
        BatchId = r.BatchId,
        Name = r.Name,
        Command = r.Command,
        Arguments = [.. r.Arguments],
        EnvVars = new(r.EnvVars),
        Parameters = new(r.Parameters),
        RequiredCores = r.RequiredCores,
        RequiredGpus = r.RequiredGpus is null ? null : [.. r.RequiredGpus],
        RequiredGpuCount = r.RequiredGpuCount,
        RequiredMemoryBytes = r.RequiredMemoryBytes,
        PidsLimit = r.PidsLimit,
        TargetHostname = r.TargetHostname,
        TargetNumaNodeId = r.TargetNumaNodeId,
        Status = r.Status,
        NodeName = r.NodeName,
        Environment = r.Environment,
        Image = r.Image,
        DockerImageName = r.DockerImageName,
        Privileged = r.Privileged,
        AdditionalMounts = [.. r.AdditionalMounts],
        SshPort = r.SshPort,
        SshKeyMode = r.KeyMode?.ToWire(),
        SshPublicKey = r.SshPublicKey,
        StdoutPath = r.StdoutPath,
        StderrPath = r.StderrPath,
        ExitCode = r.ExitCode,
        ErrorMessage = r.ErrorMessage,
        SubmittedAt = r.SubmittedAt,
        StartedAt = r.StartedAt,
        CompletedAt = r.CompletedAt,
    };

    /// <summary>Reads a task the host itself wrote (a stored document). A kind or key mode it does not know means the
    /// document is not the host's: that is an error, not a guess.</summary>
    public static TaskRecord ToRecord(this TaskDto t)
    {
        if (!TaskKindNames.TryParse(t.TaskType, out var kind))
            throw new InvalidDataException($"task {t.TaskId} has task_type '{t.TaskType}', which is neither {TaskKindNames.Command} nor {TaskKindNames.Vps}");
        SshKeyMode? keyMode = null;
        if (t.SshKeyMode is not null)
        {
            if (!SshKeyModeNames.TryParse(t.SshKeyMode, out var mode))
                throw new InvalidDataException($"task {t.TaskId} has ssh_key_mode '{t.SshKeyMode}', which is not one of {SshKeyModeNames.AllWireNames}");
            keyMode = mode;
        }
        return new TaskRecord
        {
            TaskId = t.TaskId,
            Kind = kind,
            BatchId = t.BatchId,
            Name = t.Name,
            Command = t.Command,
            // The document was just read and is this record's alone; empty ones share one instance.
            Arguments = t.Arguments is { Count: > 0 } arguments ? arguments : [],
            EnvVars = t.EnvVars is { Count: > 0 } variables ? variables : ReadOnlyDictionary<string, string>.Empty,
            Parameters = t.Parameters is { Count: > 0 } parameters ? parameters : ReadOnlyDictionary<string, string>.Empty,
            RequiredCores = t.RequiredCores,
            RequiredGpus = t.RequiredGpus is null ? null : [.. t.RequiredGpus],
            RequiredGpuCount = t.RequiredGpuCount,
            RequiredMemoryBytes = t.RequiredMemoryBytes,
            PidsLimit = t.PidsLimit,
            TargetHostname = t.TargetHostname,
            TargetNumaNodeId = t.TargetNumaNodeId,
            Status = t.Status,
            NodeName = t.NodeName,
            Environment = t.Environment,
            Image = t.Image,
            DockerImageName = t.DockerImageName,
            Privileged = t.Privileged,
            AdditionalMounts = t.AdditionalMounts is { Count: > 0 } mounts ? mounts : [],
            SshPort = t.SshPort,
            KeyMode = keyMode,
            SshPublicKey = t.SshPublicKey,
            StdoutPath = t.StdoutPath,
            StderrPath = t.StderrPath,
            ExitCode = t.ExitCode,
            ErrorMessage = t.ErrorMessage,
            SubmittedAt = t.SubmittedAt,
            StartedAt = t.StartedAt,
            CompletedAt = t.CompletedAt,
        };
    }

    public static List<TaskDto> ToWire(this IEnumerable<TaskRecord> records) => records.Select(ToWire).ToList();
}
