namespace KohakuRiver.Core.Tasks;

/// <summary>
/// What <c>Invoke-RiverTaskCommand</c> returns: the command's exit code and its whole stdout and stderr, and which task
/// and command they came from. <see cref="TaskId"/> lets it pipe on to the task cmdlets (Stop-RiverTask, say).
/// </summary>
public sealed class TaskCommandResult
{
    public long TaskId { get; init; }

    /// <summary>The command as given: the shell command line, or the arguments joined by spaces.</summary>
    public string CommandLine { get; init; } = "";

    public int ExitCode { get; init; }

    public string Stdout { get; init; } = "";

    public string Stderr { get; init; } = "";

    public bool Succeeded => ExitCode == 0;

    public override string ToString() => $"task {TaskId}: exit {ExitCode}";
}
