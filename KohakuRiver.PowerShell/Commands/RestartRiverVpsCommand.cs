using System.Management.Automation;
using KohakuRiver.Core.Client;
using KohakuRiver.Core.Vps;

namespace KohakuRiver.PowerShell.Commands;

/// <summary>Restarts VPSs' containers on their nodes, with the same key; the SSH port may change (the proxy follows).</summary>
[Cmdlet(VerbsLifecycle.Restart, "RiverVps", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(RiverVps))]
public sealed class RestartRiverVpsCommand : VpsControlCommand
{
    protected override string Action => "Restart its container";

    protected override async Task<string> ApplyAsync(RiverClient client, long taskId, CancellationToken ct)
    {
        var answer = await client.RestartVpsAsync(taskId, ct).ConfigureAwait(false);
        return answer.SshPort is { } port ? $"{answer.Message}; sshd on port {port}" : answer.Message;
    }
}
