using System.Management.Automation;
using KohakuRiver.Core.Client;
using KohakuRiver.Core.Errors;
using KohakuRiver.Core.Wire;
using KohakuRiver.PowerShell.Hosting;

namespace KohakuRiver.PowerShell.Commands;

/// <summary>The cluster in one object: nodes online, cores and memory in use, tasks pending and running.</summary>
[Cmdlet(VerbsCommon.Get, "RiverHealth")]
[OutputType(typeof(ClusterHealth))]
public sealed class GetRiverHealthCommand : RiverClientCmdlet
{
    protected override void ProcessRecord()
    {
        var client = Client;
        try
        {
            WriteObject(Await(ct => client.GetHealthAsync(ct)));
        }
        catch (RiverApiException e)
        {
            WriteRiverError(e, client.BaseUri, RiverObjectKind.Cluster);
        }
    }
}
