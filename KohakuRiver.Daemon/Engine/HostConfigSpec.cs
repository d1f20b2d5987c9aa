namespace KohakuRiver.Daemon.Engine;

/// <summary>The host side of a container: limits, mounts, network, restart policy, published ports, devices.</summary>
public sealed class HostConfigSpec
{
    public long? NanoCpus { get; set; }
    public long? Memory { get; set; }

    /// <summary>Memory plus swap; equal to <see cref="Memory"/> means no swap, -1 unlimited swap.</summary>
    public long? MemorySwap { get; set; }

    public string? CpusetCpus { get; set; }
    public string? CpusetMems { get; set; }

    /// <summary>"host:container[:opts]" entries. A missing host path is created by the engine (as root).</summary>
    public List<string>? Binds { get; set; }

    /// <summary>Typed mounts. A bind mount whose source is missing is an error here, never created.</summary>
    public List<MountPointSpec>? Mounts { get; set; }

    public string? NetworkMode { get; set; }
    public bool? Privileged { get; set; }
    public bool? AutoRemove { get; set; }
    public long? PidsLimit { get; set; }
    public RestartPolicySpec? RestartPolicy { get; set; }

    /// <summary>Container port ("22/tcp") to the host addresses it is published on.</summary>
    public Dictionary<string, List<PortBindingSpec>>? PortBindings { get; set; }

    public List<DeviceRequestSpec>? DeviceRequests { get; set; }
}
