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
    private static readonly IReadOnlyDictionary<int, int> NoGpuNumaNodes = new Dictionary<int, int>();

    public int FreeCores => TotalCores - ReservedCores;
    public long FreeMemoryBytes => TotalMemoryBytes - ReservedMemoryBytes;

    /// <summary>The GPUs no task holds now.</summary>
    public int FreeGpuCount => Gpus.Count - Gpus.Count(ReservedGpus.Contains);

    /// <summary>The NUMA node of each GPU, as the runner reported it; a GPU absent here (or at -1) is on no known node.</summary>
    public IReadOnlyDictionary<int, int> GpuNumaNodes { get; init; } = NoGpuNumaNodes;
}
