using KohakuRiver.ModuleInspection;

namespace KohakuRiver.HelpBuilder;

/// <summary>What keeps the help from drifting from the cmdlets: the source must describe exactly the parameters the
/// built cmdlet has (not the common ones, which PowerShell describes), each with some text.</summary>
public static class HelpChecks
{
    public static void Check(string path, CmdletDescription cmdlet, CommandHelp help, List<string> errors)
    {
        void Error(int line, string message) => errors.Add($"{path}({line + 1}): error KRHELP: {message}");

        if (help.Synopsis.Count == 0) Error(0, $"{cmdlet.Name} has no synopsis");
        if (help.Description.Count == 0) Error(0, $"{cmdlet.Name} has no description");
        var actual = cmdlet.Parameters.Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var group in help.Parameters.GroupBy(p => p.Name, StringComparer.OrdinalIgnoreCase).Where(g => g.Count() > 1))
            Error(group.Last().Line, $"-{group.Key} is described twice");
        foreach (var p in help.Parameters)
        {
            if (!actual.Contains(p.Name))
                Error(p.Line, $"{cmdlet.Name} has no parameter -{p.Name} (its parameters: {string.Join(", ", actual.Order().Select(n => "-" + n))})");
            else if (p.Text.Count == 0)
                Error(p.Line, $"-{p.Name} of {cmdlet.Name} has no text");
        }
        foreach (var missing in actual.Where(n => !help.Parameters.Any(p => p.Name == n)).Order())
            Error(0, $"-{missing} of {cmdlet.Name} is not described; add '### -{missing}' with its text under '## PARAMETERS'");
    }
}
