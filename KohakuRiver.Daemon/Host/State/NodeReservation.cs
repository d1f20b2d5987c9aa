namespace KohakuRiver.Daemon.Host.State;

/// <summary>What the tasks holding resources on one node have reserved there.</summary>
public sealed class NodeReservation
{
    public int Cores { get; internal set; }
    public long MemoryBytes { get; internal set; }
    /// <summary>Cores reserved per NUMA node, by tasks that asked for one.</summary>
    public Dictionary<int, int> NumaCores { get; } = [];
    /// <summary>How many tasks hold each GPU (never more than one while the scheduler does its job).</summary>
    public Dictionary<int, int> Gpus { get; } = [];
    /// <summary>The tasks holding resources here.</summary>
    public HashSet<long> TaskIds { get; } = [];
}
