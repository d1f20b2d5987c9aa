using System.Management.Automation;
using KohakuRiver.Core.Client;
using KohakuRiver.Core.Environments;
using KohakuRiver.Core.Wire;

namespace KohakuRiver.PowerShell.Commands;

/// <summary>Stops environments' host containers; published versions are not affected.</summary>
[Cmdlet(VerbsLifecycle.Stop, "RiverEnvironment", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(RiverEnvironment))]
public sealed class StopRiverEnvironmentCommand : EnvironmentControlCommand
{
    protected override string Action => "Stop the host container";

    protected override Task<MessageResponse> ApplyAsync(RiverClient client, string environment, CancellationToken ct) =>
        client.StopEnvironmentAsync(environment, ct);
}
