using System.Management.Automation;
using KohakuRiver.Core.Errors;
using KohakuRiver.Core.Terminals;
using KohakuRiver.PowerShell.Completion;

namespace KohakuRiver.PowerShell.Commands;

/// <summary>
/// Opens an interactive terminal in an environment's container on the host, to build it by hand before publishing;
/// the same terminal as Connect-RiverTask (raw mode, Ctrl+] detaches, $LASTEXITCODE the shell's exit code or -1).
/// </summary>
[Cmdlet(VerbsCommon.Enter, "RiverEnvironment")]
[OutputType(typeof(TerminalSessionResult))]
public sealed class EnterRiverEnvironmentCommand : TerminalCommand
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("Name")]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(EnvironmentCompleter))]
    public string Environment { get; set; } = "";

    protected override void ProcessRecord() =>
        RunSession((client, size, ct) => client.OpenEnvironmentTerminalAsync(Environment, Command, size, ct), Environment, RiverObjectKind.Environment);
}
