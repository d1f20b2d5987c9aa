using KohakuRiver.Daemon.Host.Records;

namespace KohakuRiver.Daemon.Host.State;

/// <summary>A task the dispatcher has placed and must now send to its runner.</summary>
public sealed record PlacedTask(TaskRecord Task, string NodeName, string RunnerUrl);
