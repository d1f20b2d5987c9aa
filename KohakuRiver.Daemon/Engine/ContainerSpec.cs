namespace KohakuRiver.Daemon.Engine;

/// <summary>What a container is created with. Everything left null takes the engine's (or the image's) default.</summary>
public sealed class ContainerSpec
{
    public string Image { get; set; } = "";
    public List<string>? Cmd { get; set; }

    /// <summary>Null keeps the image's entrypoint; an empty list clears it.</summary>
    public List<string>? Entrypoint { get; set; }

    /// <summary>"KEY=VALUE" entries.</summary>
    public List<string>? Env { get; set; }

    public string? WorkingDir { get; set; }
    public string? User { get; set; }
    public string? Hostname { get; set; }
    public Dictionary<string, string>? Labels { get; set; }
    public bool Tty { get; set; }
    public bool OpenStdin { get; set; }
    public bool AttachStdin { get; set; }
    public bool AttachStdout { get; set; }
    public bool AttachStderr { get; set; }

    /// <summary>Container ports such as "22/tcp".</summary>
    public List<string>? ExposedPorts { get; set; }

    public HostConfigSpec? HostConfig { get; set; }
}
