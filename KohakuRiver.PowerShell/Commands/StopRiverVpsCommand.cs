using System.Management.Automation;
using KohakuRiver.Core.Client;
using KohakuRiver.Core.Vps;

namespace KohakuRiver.PowerShell.Commands;

/// <summary>Stops VPSs: their containers are removed and their resources freed (what was not saved elsewhere is lost).</summary>
[Cmdlet(VerbsLifecycle.Stop, "RiverVps", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(RiverVps))]
public sealed class StopRiverVpsCommand : VpsControlCommand
{
    protected override string Action => "Stop (remove its container)";

    protected override async Task<string> ApplyAsync(RiverClient client, long taskId, CancellationToken ct) =>
        (await client.StopVpsAsync(taskId, ct).ConfigureAwait(false)).Message;
}
