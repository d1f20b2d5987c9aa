namespace KohakuRiver.Daemon.Host.State;

/// <summary>A call the host owes a runner after a state change (kill of an assigned task, say).</summary>
public sealed record RunnerNotice(long TaskId, string? NodeName, string? RunnerUrl, string? ContainerName);
