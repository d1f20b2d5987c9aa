namespace KohakuRiver.Daemon.Host.State;

/// <summary>What became of a runner's status report (<see cref="ClusterState.ApplyUpdate"/>).</summary>
public enum UpdateOutcome
{
    /// <summary>The task moved (or its SSH port changed) as reported.</summary>
    Applied,
    /// <summary>Stale or duplicate: the task already moved past it, or the move is not allowed.</summary>
    Ignored,
    /// <summary>No task with that id was ever stored.</summary>
    Unknown,
}
