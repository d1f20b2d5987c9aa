using System.Management.Automation;
using KohakuRiver.Core.Errors;
using KohakuRiver.Core.Terminals;
using KohakuRiver.PowerShell.Completion;

namespace KohakuRiver.PowerShell.Commands;

/// <summary>
/// Opens an interactive terminal in a running task's or VPS's container through the host (no SSH needed): the local
/// terminal goes raw, so every key (Ctrl+C included) reaches the remote shell; window resizes follow; Ctrl+] detaches.
/// $LASTEXITCODE is the remote shell's exit code, or -1 when there is none. Several ids connect one after another.
/// </summary>
[Cmdlet(VerbsCommunications.Connect, "RiverTask")]
[OutputType(typeof(TerminalSessionResult))]
public sealed class ConnectRiverTaskCommand : TerminalCommand
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(TaskIdCompleter))]
    public long[] TaskId { get; set; } = [];

    protected override void ProcessRecord()
    {
        foreach (var id in TaskId)
            RunSession((client, size, ct) => client.OpenTaskTerminalAsync(id, Command, size, ct), id, RiverObjectKind.Task);
    }
}
