using KohakuRiver.Core.Models;
using KohakuRiver.Core.Wire;
using KohakuRiver.Daemon.Host.Access;

namespace KohakuRiver.Daemon.Host.State;

// Terminals, commands and port forwards: which runner holds a running task, or why nothing may reach it.
public sealed partial class ClusterState
{
    /// <summary>The runner to relay to for a running task or VPS. Unknown id: NotFound; not running (paused, finished,
    /// still queued): Conflict naming its status; node offline: Unavailable. Memory only, except the store lookup that
    /// explains an id that is not active.</summary>
    public AccessTarget ResolveAccess(long taskId)
    {
        lock (_gate)
        {
            if (_active.TryGetValue(taskId, out var a))
            {
                var t = a.Task;
                var what = t.IsVps ? "VPS" : "task";
                if (t.Status != RiverTaskStatus.Running)
                    throw HostException.Conflict($"{what} {taskId} is {t.Status.ToWire()}; only a running {what} can be entered");
                if (t.NodeName is null || !_nodes.TryGetValue(t.NodeName, out var n))
                    throw HostException.Unavailable($"{what} {taskId}'s node is unknown");
                if (n.Stored.Status != NodeStatus.Online)
                    throw HostException.Unavailable($"{what} {taskId}'s node {t.NodeName} is offline");
                return new AccessTarget(taskId, t.NodeName, n.Stored.Registration.Url, t.IsVps);
            }
        }
        var stored = _store.GetTask(taskId) ?? throw HostException.NotFound($"task {taskId} not found");
        throw HostException.Conflict($"{(stored.IsVps ? "VPS" : "task")} {taskId} is {stored.Status.ToWire()}; only a running one can be entered");
    }
}
