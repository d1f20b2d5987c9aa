using KohakuRiver.Core.Models;

namespace KohakuRiver.Core.Wire;

/// <summary>POST /api/vps/create (reference shape).</summary>
public sealed class VpsCreateRequest
{
    public string? Name { get; set; }
    public int? RequiredCores { get; set; }
    public List<int>? RequiredGpus { get; set; }
    /// <summary>How many GPUs the VPS needs, chosen by the host (ours; not together with <see cref="RequiredGpus"/>).</summary>
    public int? RequiredGpuCount { get; set; }
    public long? RequiredMemoryBytes { get; set; }
    /// <summary>The most processes the VPS may hold at once; the host's default when absent.</summary>
    public int? PidsLimit { get; set; }
    public string? TargetHostname { get; set; }
    public int? TargetNumaNodeId { get; set; }
    /// <summary>The environment (image kohakuriver/{env}:base); it must provide sshd unless SSH is disabled.</summary>
    public string? ContainerName { get; set; }
    public string? RegistryImage { get; set; }
    /// <summary>upload (send <see cref="SshPublicKey"/>), generate (the host makes a key pair and returns the private
    /// key once), or disabled (no SSH).</summary>
    public string SshKeyMode { get; set; } = SshKeyModeNames.Upload;
    public string? SshPublicKey { get; set; }
    public List<string>? AdditionalMounts { get; set; }
    /// <summary>How long the call waits for the VPS to be running before it answers (default 60 s, at most 300).</summary>
    public double? WaitSeconds { get; set; }
}
