using System.Management.Automation;
using KohakuRiver.Core.Client;
using KohakuRiver.Core.Wire;

namespace KohakuRiver.PowerShell.Commands;

/// <summary>Kills tasks (pending ones never start).</summary>
[Cmdlet(VerbsLifecycle.Stop, "RiverTask", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(Core.Tasks.RiverTask))]
public sealed class StopRiverTaskCommand : TaskControlCommand
{
    protected override string Action => "Stop (kill)";

    protected override Task<MessageResponse> ApplyAsync(RiverClient client, long taskId, CancellationToken ct) => client.KillAsync(taskId, ct);
}
