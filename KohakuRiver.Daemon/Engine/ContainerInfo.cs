namespace KohakuRiver.Daemon.Engine;

/// <summary>What an inspect of a container tells the product.</summary>
/// <param name="Name">Without Docker's leading "/".</param>
/// <param name="MemoryLimitBytes">0 when unlimited.</param>
/// <param name="PublishedPorts">Container port ("22/tcp") to the host port the engine bound it to; ports exposed but not
/// published (or not yet, in a stopped container) are absent.</param>
/// <param name="NetworkAddresses">Network name to the container's IPv4 address on it, for a running container attached to
/// networks with addresses (empty under network mode "none" or "host", or when stopped).</param>
public sealed record ContainerInfo(
    string Id,
    string Name,
    ContainerState State,
    IReadOnlyDictionary<string, string> Labels,
    long MemoryLimitBytes,
    IReadOnlyDictionary<string, int> PublishedPorts,
    IReadOnlyDictionary<string, string> NetworkAddresses);
