namespace KohakuRiver.Daemon.Host.Submission;

/// <summary>What a task or VPS asks of its container once checked: cores raised to the minimum, the pids limit
/// filled in, mounts allowed. Memory stays null when none was asked for (the default depends on the nodes).</summary>
public sealed record ContainerRequest(int Cores, long? MemoryBytes, int PidsLimit, List<string> Mounts);
