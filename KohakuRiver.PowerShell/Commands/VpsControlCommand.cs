using System.Management.Automation;
using KohakuRiver.Core.Client;
using KohakuRiver.Core.Errors;
using KohakuRiver.Core.Vps;
using KohakuRiver.PowerShell.Completion;
using KohakuRiver.PowerShell.Hosting;

namespace KohakuRiver.PowerShell.Commands;

/// <summary>Stop and Restart of VPSs: one host call per VPS, each confirmed through ShouldProcess; one that fails is
/// reported and the rest go on. -PassThru writes each VPS as it is afterwards.</summary>
public abstract class VpsControlCommand : RiverClientCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(VpsTaskIdCompleter))]
    public long[] TaskId { get; set; } = [];

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected abstract string Action { get; }

    /// <summary>Does it; returns the line for -Verbose.</summary>
    protected abstract Task<string> ApplyAsync(RiverClient client, long taskId, CancellationToken ct);

    protected override void ProcessRecord()
    {
        foreach (var id in TaskId)
        {
            if (!ShouldProcess($"VPS {id}", Action)) continue;
            var client = Client;
            try
            {
                WriteVerbose(Await(ct => ApplyAsync(client, id, ct)));
                if (!PassThru) continue;
                var task = Await(ct => VpsLookup.GetAsync(client, id, ct));
                WriteObject(RiverVps.FromTask(task, VpsKeyFiles.ExistingIdentityFile(VpsKeyFiles.KeyDirectory(ProcessVariable), id)));
            }
            catch (Exception e) when (e is RiverApiException or KeyNotFoundException)
            {
                WriteRiverError(e, id, RiverObjectKind.Vps);
            }
        }
    }
}

/// <summary>Stops VPSs: their containers are removed and their resources freed (what was not saved elsewhere is lost).</summary>
[Cmdlet(VerbsLifecycle.Stop, "RiverVps", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(RiverVps))]
public sealed class StopRiverVpsCommand : VpsControlCommand
{
    protected override string Action => "Stop (remove its container)";

    protected override async Task<string> ApplyAsync(RiverClient client, long taskId, CancellationToken ct) =>
        (await client.StopVpsAsync(taskId, ct).ConfigureAwait(false)).Message;
}

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
