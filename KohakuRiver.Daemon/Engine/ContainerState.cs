namespace KohakuRiver.Daemon.Engine;

/// <summary>Where a container's process stands.</summary>
/// <param name="Status">"created", "running", "paused", "restarting", "removing", "exited" or "dead".</param>
/// <param name="OomKilled">The engine's flag; it can lose a race with the exit, so a false is not proof (see
/// <see cref="IContainerEngine.FindContainerEventAsync"/> with "oom").</param>
/// <param name="StartedAt">Null when it never started.</param>
/// <param name="FinishedAt">Null while it has not finished.</param>
public sealed record ContainerState(string Status, bool Running, bool Paused, bool Restarting, bool OomKilled, int ExitCode,
    DateTimeOffset? StartedAt, DateTimeOffset? FinishedAt);
