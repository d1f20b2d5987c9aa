namespace KohakuRiver.Daemon.Engine;

/// <summary>A host address a container port is published on; an empty <see cref="HostPort"/> lets the engine pick one.</summary>
public sealed class PortBindingSpec
{
    public string? HostIp { get; set; }
    public string? HostPort { get; set; }
}
