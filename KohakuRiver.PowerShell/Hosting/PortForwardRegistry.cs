using System.Management.Automation.Runspaces;
using KohakuRiver.Core.Forwarding;

namespace KohakuRiver.PowerShell.Hosting;

/// <summary>
/// The port forwards each runspace (PowerShell session) started: they live until Stop-RiverPortForward, the module's
/// removal, or the runspace's end, whichever comes first.
/// </summary>
public static class PortForwardRegistry
{
    private static readonly object Gate = new();
    private static readonly Dictionary<Guid, List<PortForward>> ByRunspace = [];

    /// <summary>Keeps a forward under the current runspace, and stops that runspace's forwards when it closes.</summary>
    public static void Add(Runspace? runspace, PortForward forward)
    {
        var key = runspace?.InstanceId ?? Guid.Empty;
        lock (Gate)
        {
            if (!ByRunspace.TryGetValue(key, out var list))
            {
                ByRunspace[key] = list = [];
                if (runspace is not null) runspace.StateChanged += OnStateChanged;
            }
            list.Add(forward);
        }
    }

    /// <summary>The forwards of the current runspace, oldest first.</summary>
    public static IReadOnlyList<PortForward> List(Runspace? runspace)
    {
        lock (Gate) return ByRunspace.TryGetValue(runspace?.InstanceId ?? Guid.Empty, out var list) ? [.. list] : [];
    }

    /// <summary>Takes a forward out of the runspace's list (the caller stops it); false when it was not there.</summary>
    public static bool Remove(Runspace? runspace, PortForward forward)
    {
        lock (Gate) return ByRunspace.TryGetValue(runspace?.InstanceId ?? Guid.Empty, out var list) && list.Remove(forward);
    }

    /// <summary>Stops and forgets every forward of a runspace.</summary>
    public static void StopAll(Guid runspace)
    {
        List<PortForward>? list;
        lock (Gate)
        {
            if (!ByRunspace.Remove(runspace, out list)) return;
        }
        // Stopping closes sockets; it does not wait on the network.
        Task.WhenAll(list.Select(f => f.StopAsync())).Wait(TimeSpan.FromSeconds(10));
    }

    private static void OnStateChanged(object? sender, RunspaceStateEventArgs e)
    {
        if (sender is not Runspace runspace ||
            e.RunspaceStateInfo.State is not (RunspaceState.Closing or RunspaceState.Closed or RunspaceState.Broken)) return;
        runspace.StateChanged -= OnStateChanged;
        StopAll(runspace.InstanceId);
    }
}
