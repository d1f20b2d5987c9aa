using KohakuRiver.Core.Wire;

namespace KohakuRiver.Daemon.Host.Records;

/// <summary>A node as the host keeps and stores it: its registration and last known liveness.</summary>
public sealed class NodeRecord
{
    public required string Hostname { get; init; }
    public required RegisterRequest Registration { get; set; }
    public NodeStatus Status { get; set; }
    public DateTimeOffset? LastHeartbeat { get; set; }
}
