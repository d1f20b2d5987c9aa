using KohakuRiver.Core.Environments;

namespace KohakuRiver.Core.Tasks;

/// <summary>The command ran in the task and exited with a code other than 0; the result (with its output) is in
/// <see cref="Result"/>.</summary>
public sealed class TaskCommandFailedException(TaskCommandResult result)
    : Exception(CommandFailureMessage.Format(result.CommandLine, $"task {result.TaskId}", result.ExitCode, result.Stderr))
{
    public TaskCommandResult Result { get; } = result;
}
