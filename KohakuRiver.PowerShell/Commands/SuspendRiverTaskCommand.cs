using System.Management.Automation;
using KohakuRiver.Core.Client;
using KohakuRiver.Core.Wire;

namespace KohakuRiver.PowerShell.Commands;

/// <summary>Pauses running tasks (their containers are frozen, their resources kept).</summary>
[Cmdlet(VerbsLifecycle.Suspend, "RiverTask", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(Core.Tasks.RiverTask))]
public sealed class SuspendRiverTaskCommand : TaskControlCommand
{
    protected override string Action => "Suspend (pause)";

    protected override Task<MessageResponse> ApplyAsync(RiverClient client, long taskId, CancellationToken ct) => client.PauseAsync(taskId, ct);
}
