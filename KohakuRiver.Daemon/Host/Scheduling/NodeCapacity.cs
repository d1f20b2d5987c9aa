namespace KohakuRiver.Daemon.Host.Scheduling;

/// <summary>A node's capacity and what is reserved on it right now.</summary>
public sealed record NodeCapacity(
    string Name,
    bool Online,
    int TotalCores,
    long TotalMemoryBytes,
    int ReservedCores,
    long ReservedMemoryBytes,
    IReadOnlyDictionary<int, int> NumaCores,
    IReadOnlyDictionary<int, int> ReservedNumaCores,
    IReadOnlySet<int> Gpus,
    IReadOnlySet<int> ReservedGpus)
{
    public int FreeCores => TotalCores - ReservedCores;
    public long FreeMemoryBytes => TotalMemoryBytes - ReservedMemoryBytes;
}
