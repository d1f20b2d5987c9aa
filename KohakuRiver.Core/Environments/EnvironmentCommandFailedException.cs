namespace KohakuRiver.Core.Environments;

/// <summary>The command ran and exited with a code other than 0; the result (with its output) is in <see cref="Result"/>.</summary>
public sealed class EnvironmentCommandFailedException(EnvironmentCommandResult result)
    : Exception($"'{Shorten(result.CommandLine)}' in environment '{result.Environment}' exited with {result.ExitCode}" +
                (string.IsNullOrWhiteSpace(result.Stderr) ? "" : ": " + LastLine(result.Stderr)))
{
    public EnvironmentCommandResult Result { get; } = result;

    private static string Shorten(string s) => s.Length <= 80 ? s : s[..80] + "…";

    private static string LastLine(string text)
    {
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return lines.Length == 0 ? "" : Shorten(lines[^1]);
    }
}
