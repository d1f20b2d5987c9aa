namespace KohakuRiver.Daemon.Configuration;

/// <summary>Every setting of the daemon, with the embedded defaults (the original KohakuRiver's where it has one).</summary>
public sealed class DaemonSettings
{
    public int HostPort { get; set; } = 8000;
    public int RunnerPort { get; set; } = 8001;
    public int SshProxyPort { get; set; } = 8002;
    /// <summary>Address the host API listens on.</summary>
    public string HostBindAddress { get; set; } = "0.0.0.0";
    /// <summary>Address runners use to reach the host.</summary>
    public string HostAddress { get; set; } = "127.0.0.1";
    /// <summary>Address the host uses to reach this runner; empty = the local address this machine reaches the host from.
    /// The runner API listens on this address only, so containers on the bridge network cannot reach it.</summary>
    public string? RunnerAddress { get; set; }
    /// <summary>This runner's node name; empty = the machine's host name.</summary>
    public string? RunnerHostname { get; set; }
    public string DataDir { get; set; } = DefaultDataDir();
    public string SharedDir { get; set; } = "/mnt/cluster-share";
    public string LocalTempDir { get; set; } = "/tmp/kohakuriver";
    public string? ApiToken { get; set; }
    public string? ClusterToken { get; set; }
    /// <summary>The 10-bit instance part of the task ids this host issues. Task ids name containers
    /// (<c>kohakuriver-task-{id}</c>), so hosts whose runners share a Docker engine need different values.</summary>
    public int IdInstance { get; set; }
    public double HeartbeatIntervalSeconds { get; set; } = 5;
    public int HeartbeatTimeoutFactor { get; set; } = 6;
    public string DockerSocket { get; set; } = "/var/run/docker.sock";
    /// <summary>Environment used by tasks that name none: image <c>kohakuriver/{name}:base</c>.</summary>
    public string DefaultEnvironment { get; set; } = "busybox";
    /// <summary>Cores this runner offers; 0 = all it detects.</summary>
    public int RunnerCores { get; set; }
    /// <summary>Memory this runner offers; 0 = all it detects.</summary>
    public long RunnerMemoryBytes { get; set; }
    /// <summary>NVIDIA's NVML library, through which a runner finds and samples its GPUs: a path, or a bare name that the
    /// loader's search path resolves. Empty turns GPU discovery off.</summary>
    public string GpuLibraryPath { get; set; } = "libnvidia-ml.so.1";
    /// <summary>Mounts added to every task container, <c>host_path:container_path[:ro]</c>.</summary>
    public List<string> ExtraMounts { get; set; } = [];
    /// <summary>Host folders (besides the shared and local-temp dirs) that tasks and VPSs may mount from.</summary>
    public List<string> MountAllowedRoots { get; set; } = [];
    /// <summary>Whether a task or VPS may ask for a privileged container (root on the node). Off by default.</summary>
    public bool AllowPrivileged { get; set; }
    /// <summary>Memory limit per requested core of a task or VPS that names none (capped at the largest node).</summary>
    public long DefaultMemoryPerCoreBytes { get; set; } = 2L << 30;
    /// <summary>Processes a task or VPS may hold at once when it names no pids_limit.</summary>
    public int DefaultPidsLimit { get; set; } = 4096;
    /// <summary>The highest pids_limit a request may ask for.</summary>
    public int MaxPidsLimit { get; set; } = 65536;
    /// <summary>Docker network for task containers.</summary>
    public string TaskNetwork { get; set; } = "bridge";
    public string LogLevel { get; set; } = "Information";
    /// <summary>CPU limit of environment containers on the host (modest: they are for installing software).</summary>
    public double EnvironmentCpus { get; set; } = 2;
    /// <summary>Memory limit of environment containers on the host.</summary>
    public long EnvironmentMemoryBytes { get; set; } = 4L << 30;
    /// <summary>The config file these settings were read from (it may not exist).</summary>
    public string? ConfigPath { get; set; }
    /// <summary>Not a setting: true when the host runs beside its runner on one machine (standalone), so that it can
    /// check at submit that a mount's source exists.</summary>
    public bool HostSharesRunnerFilesystem { get; set; }

    public TimeSpan HeartbeatInterval => TimeSpan.FromSeconds(HeartbeatIntervalSeconds);
    public TimeSpan HeartbeatTimeout => TimeSpan.FromSeconds(HeartbeatIntervalSeconds * HeartbeatTimeoutFactor);
    public string HostUrl => $"http://{(HostAddress.Contains(':') ? $"[{HostAddress}]" : HostAddress)}:{HostPort}";
    public string DatabasePath => Path.Combine(DataDir, "kohakuriver.db");
    public string LogsDir => Path.Combine(SharedDir, "logs");
    /// <summary>The memory limit of a task or VPS that names none.</summary>
    public long DefaultMemoryBytes(int cores) => Math.Max(cores, 1) * DefaultMemoryPerCoreBytes;

    public string NodeName => string.IsNullOrWhiteSpace(RunnerHostname) ? System.Environment.MachineName : RunnerHostname!;

    /// <summary>The environment a task or VPS runs in: the one it names, else the default; none when it names an
    /// image of its own and no environment.</summary>
    public string? EnvironmentFor(string? registryImage, string? containerName) =>
        registryImage is null ? containerName ?? DefaultEnvironment : containerName;

    public DaemonSettings Clone()
    {
        var c = (DaemonSettings)MemberwiseClone();
        c.ExtraMounts = [.. ExtraMounts];
        c.MountAllowedRoots = [.. MountAllowedRoots];
        return c;
    }

    private static string DefaultDataDir()
    {
        if (OperatingSystem.IsLinux() && Environment.UserName == "root") return "/var/lib/kohakuriver";
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        return Path.Combine(home, ".local", "share", "kohakuriver");
    }
}
