namespace KohakuRiver.Core.Vps;

/// <summary>What New-RiverVps was asked for, before the key decision.</summary>
public sealed class VpsOptions
{
    /// <summary>The environment; null takes the host's default environment.</summary>
    public string? Environment { get; init; }
    public int? Cores { get; init; }
    public long? MemoryBytes { get; init; }
    /// <summary>The most processes the VPS may hold at once; null takes the host's default.</summary>
    public int? PidsLimit { get; init; }
    /// <summary><c>node</c>, <c>node:numa</c>, <c>node::gpu,gpu</c> or <c>node:numa::gpu,gpu</c>.</summary>
    public string? Target { get; init; }
    /// <summary>How many GPUs the host chooses for the VPS (1-64); not together with GPU ids in <see cref="Target"/>.</summary>
    public int? Gpus { get; init; }
    public string? Name { get; init; }
    /// <summary>How long the host waits for the VPS to run before answering (0-300 s; null: the host's 60 s).</summary>
    public int? WaitSeconds { get; init; }
}
