using System.Management.Automation;
using KohakuRiver.Core.Connection;
using KohakuRiver.Core.Errors;
using KohakuRiver.PowerShell.Hosting;

namespace KohakuRiver.PowerShell.Commands;

/// <summary>Which cluster commands would use now, and where that came from (session, environment, config file).</summary>
[Cmdlet(VerbsCommon.Get, "RiverCluster")]
[OutputType(typeof(RiverClusterConnection))]
public sealed class GetRiverClusterCommand : RiverCmdlet
{
    protected override void ProcessRecord()
    {
        try
        {
            WriteObject(RiverSession.Resolve(null));
        }
        catch (Exception e) when (e is RiverNotConnectedException or ClientConfigException)
        {
            WriteError(ToErrorRecord(e, null, RiverObjectKind.Cluster, out _));
        }
    }
}
