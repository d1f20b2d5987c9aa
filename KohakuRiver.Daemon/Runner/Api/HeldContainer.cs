using KohakuRiver.Daemon.Runner.Execution;
using KohakuRiver.Daemon.Web;

namespace KohakuRiver.Daemon.Runner.Api;

/// <summary>Where a terminal, a command or a forward goes on this runner: the container of a task it holds and runs.</summary>
public static class HeldContainer
{
    /// <summary>The container's id; 404 when this runner holds no such task, 409 when the task's container is not
    /// running (starting, stopping, finished).</summary>
    public static string Of(TaskExecutor executor, long taskId) =>
        executor.ContainerFor(taskId) ?? throw (executor.HeldTaskIds.Contains(taskId)
            ? ApiException.Conflict($"task {taskId}'s container is not running on node {executor.NodeName}")
            : ApiException.NotFound($"task {taskId} is not running on node {executor.NodeName}"));
}
