using System.Management.Automation;
using KohakuRiver.Core.Client;
using KohakuRiver.Core.Wire;

namespace KohakuRiver.PowerShell.Commands;

/// <summary>Resumes paused tasks.</summary>
[Cmdlet(VerbsLifecycle.Resume, "RiverTask", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(Core.Tasks.RiverTask))]
public sealed class ResumeRiverTaskCommand : TaskControlCommand
{
    protected override string Action => "Resume";

    protected override Task<MessageResponse> ApplyAsync(RiverClient client, long taskId, CancellationToken ct) => client.ResumeAsync(taskId, ct);
}
