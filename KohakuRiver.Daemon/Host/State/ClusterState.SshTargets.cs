using KohakuRiver.Core.Models;
using KohakuRiver.Core.Wire;
using KohakuRiver.Daemon.Host.SshProxy;

namespace KohakuRiver.Daemon.Host.State;

// The SSH proxy's lookup (ISshTargetResolver): where a VPS's SSH server listens, or why it cannot be reached.
public sealed partial class ClusterState
{
    /// <summary>Where the SSH proxy connects for a VPS, or why it must not. Memory only, except the store lookup
    /// that explains an id that is not active.</summary>
    public SshTargetResult Resolve(long taskId)
    {
        lock (_gate)
        {
            if (_active.TryGetValue(taskId, out var a))
            {
                var t = a.Task;
                if (!t.IsVps) return SshTargetResult.NotAVps(taskId);
                if (t.Status != RiverTaskStatus.Running) return SshTargetResult.NotRunning(taskId, t.Status.ToWire());
                if (t.KeyMode == SshKeyMode.Disabled) return SshTargetResult.Failure($"VPS {taskId} was created without SSH");
                if (t.SshPort is not { } port) return SshTargetResult.NoSshPort(taskId);
                if (t.NodeName is null || !_nodes.TryGetValue(t.NodeName, out var n)) return SshTargetResult.Failure($"VPS {taskId}'s node is unknown");
                if (n.Stored.Status != NodeStatus.Online) return SshTargetResult.Failure($"VPS {taskId}'s node {t.NodeName} is offline");
                return SshTargetResult.Success(new Uri(n.Stored.Registration.Url).Host, port);
            }
        }
        var stored = _store.GetTask(taskId);
        return stored is null ? SshTargetResult.NotFound(taskId)
            : !stored.IsVps ? SshTargetResult.NotAVps(taskId)
            : SshTargetResult.NotRunning(taskId, stored.Status.ToWire());
    }
}
