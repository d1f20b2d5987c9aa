using System.Management.Automation;
using System.Management.Automation.Runspaces;
using KohakuRiver.Core.Forwarding;
using KohakuRiver.PowerShell.Completion;
using KohakuRiver.PowerShell.Hosting;

namespace KohakuRiver.PowerShell.Commands;

/// <summary>The port forwards this session started and has not stopped (failed ones too, with their Error), oldest
/// first; -TaskId keeps those of some tasks.</summary>
[Cmdlet(VerbsCommon.Get, "RiverPortForward")]
[OutputType(typeof(PortForward))]
public sealed class GetRiverPortForwardCommand : RiverCmdlet
{
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(TaskIdCompleter))]
    public long[]? TaskId { get; set; }

    protected override void ProcessRecord()
    {
        foreach (var forward in PortForwardRegistry.List(Runspace.DefaultRunspace))
            if (TaskId is not { Length: > 0 } || TaskId.Contains(forward.TaskId))
                WriteObject(forward);
    }
}
