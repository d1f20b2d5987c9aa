using System.Management.Automation;
using System.Management.Automation.Runspaces;

namespace KohakuRiver.PowerShell.Hosting;

/// <summary>Remove-Module stops the session's port forwards: nothing keeps listening for a module that is gone.</summary>
public sealed class PortForwardCleanup : IModuleAssemblyCleanup
{
    public void OnRemove(PSModuleInfo psModuleInfo)
    {
        if (Runspace.DefaultRunspace is { } runspace) PortForwardRegistry.StopAll(runspace.InstanceId);
    }
}
