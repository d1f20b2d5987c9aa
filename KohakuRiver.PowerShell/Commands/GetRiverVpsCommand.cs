using System.Management.Automation;
using KohakuRiver.Core.Client;
using KohakuRiver.Core.Errors;
using KohakuRiver.Core.Vps;
using KohakuRiver.PowerShell.Completion;
using KohakuRiver.PowerShell.Hosting;

namespace KohakuRiver.PowerShell.Commands;

/// <summary>
/// VPSs: by task id, or all of them newest first (-Active: only those still holding their node). Each shows the key
/// file -GenerateKey saved for it, if this machine has one.
/// </summary>
[Cmdlet(VerbsCommon.Get, "RiverVps")]
[OutputType(typeof(RiverVps))]
public sealed class GetRiverVpsCommand : RiverClientCmdlet
{
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(VpsTaskIdCompleter))]
    public long[]? TaskId { get; set; }

    /// <summary>Only VPSs that have not finished.</summary>
    [Parameter]
    public SwitchParameter Active { get; set; }

    protected override void ProcessRecord()
    {
        var client = Client;
        var keys = VpsKeyFiles.KeyDirectory(ProcessVariable);
        if (TaskId is not { Length: > 0 })
        {
            // An object piped in without a TaskId asks for no VPS in particular: it must not list them all.
            if (MyInvocation.ExpectingInput) return;
            try
            {
                foreach (var t in Await(ct => client.GetVpsAsync(Active, ct)))
                    WriteObject(RiverVps.FromTask(t, VpsKeyFiles.ExistingIdentityFile(keys, t.TaskId)));
            }
            catch (RiverApiException e)
            {
                WriteRiverError(e, client.BaseUri, RiverObjectKind.Vps);
            }
            return;
        }
        foreach (var id in TaskId.Distinct())
        {
            try
            {
                var t = Await(ct => VpsLookup.GetAsync(client, id, ct));
                if (!Active || VpsLookup.IsActive(t)) WriteObject(RiverVps.FromTask(t, VpsKeyFiles.ExistingIdentityFile(keys, id)));
            }
            catch (Exception e) when (e is RiverApiException or KeyNotFoundException)
            {
                WriteRiverError(e, id, RiverObjectKind.Vps);
            }
        }
    }
}
