using KohakuRiver.Core.Models;
using KohakuRiver.Core.Wire;

namespace KohakuRiver.Daemon.Runner.Execution;

/// <summary>One task or VPS this runner holds, and what has been asked of it while it runs.</summary>
internal sealed class TaskRun(TaskDto task)
{
    public TaskDto Task { get; } = task;
    public bool IsVps => Task.Kind == TaskKind.Vps;
    public string ContainerName { get; } = task.Kind == TaskKind.Vps ? Vps.VpsContainerSpec.ContainerName(task.TaskId) : ContainerLabels.TaskContainerName(task.TaskId);
    public volatile string? ContainerId;
    public volatile bool KillRequested;
    public volatile bool StopRequested;
    public volatile bool Paused;
    public volatile System.Threading.Tasks.Task? Restarting;
    public DateTimeOffset? StartedAt;

    /// <summary>The task's own mounts, resolved and checked just before its container is created.</summary>
    public IReadOnlyList<MountSpec> Mounts = [];
}
