using KohakuRiver.Core.Wire;

namespace KohakuRiver.Daemon.Host.State;

// The nodes' telemetry history: every accepted heartbeat is recorded (ClusterState.NodeLiveness.cs), and read here.
public sealed partial class ClusterState
{
    /// <summary>What the node's heartbeats said, oldest first (see <see cref="Telemetry.TelemetryHistory"/>). A node
    /// that never registered is a <see cref="HostErrorKind.NotFound"/> error.</summary>
    public NodeHistory History(string hostname, DateTimeOffset? since = null, int? last = null)
    {
        lock (_gate)
        {
            if (!_nodes.ContainsKey(hostname)) throw HostException.NotFound($"node {hostname} is not registered");
        }
        return _history.Read(hostname, since, last);
    }
}
