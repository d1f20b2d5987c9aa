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
