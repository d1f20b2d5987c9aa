using KohakuRiver.Core.Models;

namespace KohakuRiver.Daemon.Host.State;

/// <summary>The host's unfinished tasks by status, how many are queued, and when the longest-queued one was submitted
/// (null when none is queued).</summary>
public sealed record ActiveTaskCounts(IReadOnlyDictionary<RiverTaskStatus, int> ByStatus, int Queued, DateTimeOffset? OldestQueuedSubmittedAt);
