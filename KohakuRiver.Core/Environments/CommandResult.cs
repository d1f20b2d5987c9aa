namespace KohakuRiver.Core.Environments;

/// <summary>How a one-shot command in a container ended: its exit code and its whole stdout and stderr, and the command
/// as given. The kinds differ in where it ran (<see cref="EnvironmentCommandResult"/>, <see cref="Tasks.TaskCommandResult"/>).</summary>
public abstract class CommandResult
{
    /// <summary>The command as given: the shell command line, or the arguments joined by spaces.</summary>
    public string CommandLine { get; init; } = "";

    public int ExitCode { get; init; }

    public string Stdout { get; init; } = "";

    public string Stderr { get; init; } = "";

    public bool Succeeded => ExitCode == 0;
}
