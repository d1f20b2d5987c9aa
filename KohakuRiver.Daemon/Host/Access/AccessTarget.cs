namespace KohakuRiver.Daemon.Host.Access;

/// <summary>Where a terminal, a command or a port forward into a running task goes: the runner that holds it.</summary>
public sealed record AccessTarget(long TaskId, string NodeName, string RunnerUrl, bool IsVps);
