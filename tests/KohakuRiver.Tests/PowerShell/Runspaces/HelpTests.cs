using System.Management.Automation;
using Xunit;


namespace KohakuRiver.Tests.PowerShell.Runspaces;

/// <summary>
/// The help PowerShell shows for the installed module (its MAML and about topic, as the build laid them out), read
/// through Get-Help in a real runspace. The help builder already refuses to build without help for every parameter;
/// this checks what a user gets, independently of how it was made.
/// </summary>
[Collection(RunspaceCollection.Name)]
public sealed class HelpTests
{
    // For every cmdlet: what Get-Help says, and what the command really has (Get-Command), without common parameters.
    private const string ReadHelp = """
        $common = [System.Management.Automation.PSCmdlet]::CommonParameters + [System.Management.Automation.PSCmdlet]::OptionalCommonParameters
        foreach ($command in Get-Command -Module KohakuRiver -CommandType Cmdlet) {
            $help = Get-Help $command.Name -Full
            $texts = @{}
            foreach ($p in @($help.parameters.parameter)) { if ($p) { $texts[[string]$p.name] = (@($p.description | ForEach-Object Text) -join "`n").Trim() } }
            [pscustomobject]@{
                Name = $command.Name
                Synopsis = ([string]$help.Synopsis).Trim()
                Description = (@($help.description | ForEach-Object Text) -join "`n").Trim()
                Examples = @($help.examples.example | Where-Object { $_ } | ForEach-Object {
                    [pscustomobject]@{ Code = ([string]$_.code).Trim(); Remarks = (@($_.remarks | ForEach-Object Text) -join "`n").Trim() } })
                ParameterTexts = $texts
                Parameters = @($command.Parameters.Keys | Where-Object { $_ -notin $common })
                Sets = @($command.ParameterSets | ForEach-Object { (@($_.Parameters.Name | Where-Object { $_ -notin $common }) | Sort-Object) -join ',' })
                SyntaxSets = @($help.syntax.syntaxItem | Where-Object { $_ } | ForEach-Object {
                    (@($_.parameter | Where-Object { $_ } | ForEach-Object { [string]$_.name } | Where-Object { $_ -notin $common }) | Sort-Object) -join ',' })
            }
        }
        """;

    [Fact]
    public void Every_cmdlet_has_a_synopsis_a_description_two_examples_and_text_for_every_parameter()
    {
        using var ps = new ModuleRunspace();
        var commands = ps.Run(ReadHelp).ShouldSucceed().Output;
        Assert.Equal(CmdletSurfaceTests.Expected.Length, commands.Count);

        var problems = new List<string>();
        foreach (var c in commands)
        {
            var name = (string)c.Properties["Name"].Value;
            void Problem(string what) => problems.Add($"{name}: {what}");

            var synopsis = (string)c.Properties["Synopsis"].Value;
            // Without help, Get-Help makes the synopsis from the syntax.
            if (synopsis.Length == 0 || synopsis.StartsWith(name, StringComparison.OrdinalIgnoreCase) || synopsis.Contains("[<CommonParameters>]"))
                Problem($"no synopsis (Get-Help says '{synopsis}')");
            if (((string)c.Properties["Description"].Value).Length == 0) Problem("no description");

            var examples = Items(c, "Examples");
            if (examples.Count < 2) Problem($"{examples.Count} example(s), not two or more");
            foreach (var (e, i) in examples.Select((e, i) => (e, i + 1)))
            {
                if (((string)e.Properties["Code"].Value).Length == 0) Problem($"example {i} has no code");
                if (((string)e.Properties["Remarks"].Value).Length == 0) Problem($"example {i} has no remarks");
            }

            var texts = (System.Collections.Hashtable)Value(c, "ParameterTexts")!;
            foreach (var parameter in Strings(c, "Parameters"))
            {
                if (!texts.ContainsKey(parameter)) Problem($"-{parameter} is not in the help");
                else if (string.IsNullOrWhiteSpace((string?)texts[parameter])) Problem($"-{parameter} has no text");
            }

            var sets = Strings(c, "Sets").Order(StringComparer.Ordinal).ToList();
            var syntax = Strings(c, "SyntaxSets").Order(StringComparer.Ordinal).ToList();
            if (sets.Count == 0) Problem("Get-Command shows no parameter set");
            else if (!sets.SequenceEqual(syntax))
                Problem($"the SYNTAX shows [{string.Join(" | ", syntax)}] but the parameter sets are [{string.Join(" | ", sets)}]");
        }
        Assert.True(problems.Count == 0, "help is missing or wrong:\n" + string.Join("\n", problems));
    }

    [Fact]
    public void Get_Help_shows_the_parameters_details_from_the_cmdlet()
    {
        using var ps = new ModuleRunspace();
        var run = ps.Run("""
            $p = Get-Help Wait-RiverTask -Parameter TaskId
            $p.required; $p.position; $p.pipelineInput; $p.type.name
            (Get-Help Submit-RiverTask -Parameter ArgumentList).aliases
            ((Get-Help Receive-RiverTaskOutput).syntax | Out-String -Width 400) -match '-Stream \{All \| StandardOutput \| StandardError\}'
            """).ShouldSucceed();
        Assert.Equal(["true", "0", "True (ByPropertyName, ByValue)", "System.Int64[]", "Args", true], run.Objects);
    }

    [Fact]
    public void The_about_topic_is_found()
    {
        using var ps = new ModuleRunspace();
        var text = string.Join("\n", ps.Run("Get-Help about_KohakuRiver | Out-String -Width 200").ShouldSucceed().Objects);
        Assert.Contains("about_KohakuRiver", text);
        Assert.Contains("SHORT DESCRIPTION", text);
        Assert.Contains("KOHAKURIVER_TOKEN", text);
        Assert.Contains("RiverTaskStandardError", text);
    }

    private static object? Value(PSObject o, string property) =>
        o.Properties[property].Value is PSObject p ? p.BaseObject : o.Properties[property].Value;

    private static List<PSObject> Items(PSObject o, string property) =>
        Value(o, property) is object[] items ? items.Select(PSObject.AsPSObject).ToList() : [];

    private static List<string> Strings(PSObject o, string property) => Items(o, property).Select(i => i.BaseObject.ToString()!).ToList();
}
