namespace KohakuRiver.Core.Environments;

/// <summary>
/// What <c>Invoke-RiverEnvironmentCommand</c> returns: the command's exit code and its whole stdout and stderr, and
/// which environment and command they came from. <see cref="Environment"/> lets it pipe on to Publish-RiverEnvironment.
/// </summary>
public sealed class EnvironmentCommandResult
{
    public string Environment { get; init; } = "";

    /// <summary>The command as given: the shell command line, or the arguments joined by spaces.</summary>
    public string CommandLine { get; init; } = "";

    public int ExitCode { get; init; }

    public string Stdout { get; init; } = "";

    public string Stderr { get; init; } = "";

    public bool Succeeded => ExitCode == 0;

    public override string ToString() => $"{Environment}: exit {ExitCode}";
}
