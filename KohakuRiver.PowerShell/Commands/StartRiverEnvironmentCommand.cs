using System.Management.Automation;
using KohakuRiver.Core.Client;
using KohakuRiver.Core.Environments;
using KohakuRiver.Core.Wire;

namespace KohakuRiver.PowerShell.Commands;

/// <summary>Starts environments' host containers (a stopped one keeps what was installed in it).</summary>
[Cmdlet(VerbsLifecycle.Start, "RiverEnvironment", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(RiverEnvironment))]
public sealed class StartRiverEnvironmentCommand : EnvironmentControlCommand
{
    protected override string Action => "Start the host container";

    protected override Task<MessageResponse> ApplyAsync(RiverClient client, string environment, CancellationToken ct) =>
        client.StartEnvironmentAsync(environment, ct);
}
