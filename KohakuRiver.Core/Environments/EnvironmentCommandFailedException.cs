namespace KohakuRiver.Core.Environments;

/// <summary>The command ran and exited with a code other than 0; the result (with its output) is in <see cref="Result"/>.</summary>
public sealed class EnvironmentCommandFailedException(EnvironmentCommandResult result)
    : Exception(CommandFailureMessage.Format(result.CommandLine, $"environment '{result.Environment}'", result.ExitCode, result.Stderr))
{
    public EnvironmentCommandResult Result { get; } = result;
}
