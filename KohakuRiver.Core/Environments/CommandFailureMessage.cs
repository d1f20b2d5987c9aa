namespace KohakuRiver.Core.Environments;

/// <summary>How a failed one-shot command is told, for an environment's and a task's alike: the command (shortened),
/// where it ran, its code, and the last line of its stderr.</summary>
internal static class CommandFailureMessage
{
    public static string Format(string commandLine, string where, int exitCode, string stderr) =>
        $"'{Shorten(commandLine)}' in {where} exited with {exitCode}" + (string.IsNullOrWhiteSpace(stderr) ? "" : ": " + LastLine(stderr));

    private static string Shorten(string s) => s.Length <= 80 ? s : s[..80] + "…";

    private static string LastLine(string text)
    {
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return lines.Length == 0 ? "" : Shorten(lines[^1]);
    }
}
