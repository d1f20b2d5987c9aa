namespace KohakuRiver.Daemon.Engine;

/// <summary>One event the engine recorded for a container: <see cref="Action"/> is "create", "start", "die", "oom",
/// "kill", …; <see cref="Attributes"/> carries e.g. the signal of a kill.</summary>
public sealed record ContainerEvent(string ContainerId, string Action, IReadOnlyDictionary<string, string> Attributes, DateTimeOffset Time);
