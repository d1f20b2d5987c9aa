using KohakuRiver.Core.Client;
using KohakuRiver.Core.Environments;
using KohakuRiver.Core.Wire;

namespace KohakuRiver.Core.Tasks;

/// <summary>One-shot commands in a running task's or VPS's container (POST /api/tasks/{id}/exec). The request and its
/// rules are an environment command's: <see cref="EnvironmentCommand.BuildRequest"/>.</summary>
public static class TaskCommand
{
    /// <summary>
    /// Runs the command and returns its result whatever its exit code (the caller decides what a failure means). A
    /// command that outlives its timeout is a <see cref="TimeoutException"/>; a task that is not running, a 409.
    /// </summary>
    public static async Task<TaskCommandResult> InvokeAsync(RiverClient client, long taskId, EnvironmentExecRequest request, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(request);
        var answer = await EnvironmentCommand.CallAsync(c => client.ExecTaskAsync(taskId, request, c), ct).ConfigureAwait(false);
        return new TaskCommandResult
        {
            TaskId = taskId,
            CommandLine = EnvironmentCommand.CommandLineOf(request),
            ExitCode = answer.ExitCode,
            Stdout = answer.Stdout,
            Stderr = answer.Stderr,
        };
    }
}
