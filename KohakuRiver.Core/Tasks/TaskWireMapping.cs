using KohakuRiver.Core.Models;
using KohakuRiver.Core.Wire;

namespace KohakuRiver.Core.Tasks;

/// <summary>Turns the host's task document into what the cmdlets show. The one place the two shapes meet.</summary>
public static class TaskWireMapping
{
    public static RiverTask ToRiverTask(this TaskDto wire)
    {
        ArgumentNullException.ThrowIfNull(wire);
        return new RiverTask
        {
            TaskId = wire.TaskId,
            // An older or foreign host may send a kind this client does not know; it is still a task that runs a command.
            Kind = TaskKindNames.TryParse(wire.TaskType, out var kind) ? kind : TaskKind.Command,
            BatchId = wire.BatchId,
            Name = wire.Name,
            Command = wire.Command,
            Arguments = wire.Arguments,
            EnvVars = wire.EnvVars,
            Parameters = wire.Parameters,
            RequiredCores = wire.RequiredCores,
            RequiredGpus = wire.RequiredGpus,
            RequiredGpuCount = wire.RequiredGpuCount,
            RequiredMemoryBytes = wire.RequiredMemoryBytes,
            PidsLimit = wire.PidsLimit,
            TargetHostname = wire.TargetHostname,
            TargetNumaNodeId = wire.TargetNumaNodeId,
            Status = wire.Status,
            NodeName = wire.NodeName,
            Environment = wire.Environment,
            Image = wire.Image,
            Privileged = wire.Privileged,
            AdditionalMounts = wire.AdditionalMounts,
            SshPort = wire.SshPort,
            SshKeyMode = SshKeyModeNames.TryParse(wire.SshKeyMode, out var mode) ? mode : null,
            ExitCode = wire.ExitCode,
            ErrorMessage = wire.ErrorMessage,
            SubmittedAt = wire.SubmittedAt,
            StartedAt = wire.StartedAt,
            CompletedAt = wire.CompletedAt,
            Internals = wire.StdoutPath is null && wire.StderrPath is null && wire.DockerImageName is null && wire.SshPublicKey is null
                ? RiverTaskInternals.None
                : new RiverTaskInternals(wire.StdoutPath, wire.StderrPath, wire.DockerImageName, wire.SshPublicKey),
        };
    }

    public static List<RiverTask> ToRiverTasks(this IEnumerable<TaskDto> wire) => wire.Select(ToRiverTask).ToList();
}
