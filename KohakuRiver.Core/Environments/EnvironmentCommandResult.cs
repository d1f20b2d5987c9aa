namespace KohakuRiver.Core.Environments;

/// <summary>
/// What <c>Invoke-RiverEnvironmentCommand</c> returns: the command's exit code and its whole stdout and stderr, and
/// which environment and command they came from. <see cref="Environment"/> lets it pipe on to Publish-RiverEnvironment.
/// </summary>
public sealed class EnvironmentCommandResult : CommandResult
{
    public string Environment { get; init; } = "";

    public override string ToString() => $"{Environment}: exit {ExitCode}";
}
