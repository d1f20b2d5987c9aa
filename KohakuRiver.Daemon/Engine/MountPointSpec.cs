namespace KohakuRiver.Daemon.Engine;

/// <summary>A typed mount of a container.</summary>
public sealed class MountPointSpec
{
    /// <summary>"bind", "volume" or "tmpfs".</summary>
    public string Type { get; set; } = "bind";
    public string Source { get; set; } = "";
    public string Target { get; set; } = "";
    public bool? ReadOnly { get; set; }
}
