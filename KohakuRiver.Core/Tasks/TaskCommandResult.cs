using KohakuRiver.Core.Environments;

namespace KohakuRiver.Core.Tasks;

/// <summary>
/// What <c>Invoke-RiverTaskCommand</c> returns: the command's exit code and its whole stdout and stderr, and which task
/// and command they came from. <see cref="TaskId"/> lets it pipe on to the task cmdlets (Stop-RiverTask, say).
/// </summary>
public sealed class TaskCommandResult : CommandResult
{
    public long TaskId { get; init; }

    public override string ToString() => $"task {TaskId}: exit {ExitCode}";
}
