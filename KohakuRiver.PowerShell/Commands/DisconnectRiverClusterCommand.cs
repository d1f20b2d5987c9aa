using System.Management.Automation;
using KohakuRiver.Core.Connection;
using KohakuRiver.Core.Errors;
using KohakuRiver.PowerShell.Hosting;

namespace KohakuRiver.PowerShell.Commands;

/// <summary>Forgets the session's default cluster; -Forget also deletes the saved connection file.</summary>
[Cmdlet(VerbsCommunications.Disconnect, "RiverCluster", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(RiverClusterConnection))]
public sealed class DisconnectRiverClusterCommand : RiverCmdlet
{
    /// <summary>Also delete the per-user config file written by Connect-RiverCluster -Save.</summary>
    [Parameter]
    public SwitchParameter Forget { get; set; }

    /// <summary>Write the connection that was forgotten.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        var current = RiverSession.Default;
        if (current is not null && ShouldProcess(current.Uri.ToString(), "Forget the session's default cluster"))
        {
            RiverSession.Default = null;
            if (PassThru) WriteObject(current);
        }
        if (!Forget) return;
        var file = RiverSession.ConfigFile;
        if (!file.Exists || !ShouldProcess(file.Path, "Delete the saved cluster connection")) return;
        try
        {
            file.Delete();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            WriteError(ToErrorRecord(new ClientConfigException($"cannot delete {file.Path}: {e.Message}", e), file.Path, RiverObjectKind.Cluster, out _));
        }
    }
}
