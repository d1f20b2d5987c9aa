using System.Runtime.CompilerServices;
using KohakuRiver.Core.Client;
using KohakuRiver.Core.Models;
using KohakuRiver.Core.Tasks;
using KohakuRiver.Core.Wire;
using RiverTask = KohakuRiver.Core.Tasks.RiverTask;

namespace KohakuRiver.Core.Listing;

/// <summary>What <c>Get-RiverTask</c> asks for. Every criterion given narrows the result; ids pick tasks directly
/// (each one looked up), the rest page through the host's list.</summary>
public sealed class TaskFilter
{
    public IReadOnlyList<long> TaskIds { get; init; } = [];
    public long? BatchId { get; init; }
    /// <summary>Empty or null means any node (a pending task piped in has none yet).</summary>
    public string? NodeName { get; init; }
    public IReadOnlyList<RiverTaskStatus> Statuses { get; init; } = [];
    /// <summary>At most this many, newest first.</summary>
    public int? Newest { get; init; }

    public bool Matches(RiverTask t) =>
        (BatchId is not { } b || t.BatchId == b) &&
        (string.IsNullOrEmpty(NodeName) || string.Equals(t.NodeName, NodeName, StringComparison.OrdinalIgnoreCase)) &&
        (Statuses.Count == 0 || Statuses.Contains(t.Status));
}

/// <summary>A task found, or the error for one id that could not be looked up.</summary>
public readonly record struct TaskLookup(long? RequestedId, RiverTask? Task, RiverApiException? Error);

public static class TaskListing
{
    /// <summary>
    /// Streams the matching tasks as pages arrive. Ids come back in the order given, one lookup each, a failed
    /// lookup as an error entry so the caller reports it and goes on; otherwise the host's newest-first list, one
    /// query per status, merged newest first when <see cref="TaskFilter.Newest"/> limits several statuses.
    /// </summary>
    public static async IAsyncEnumerable<TaskLookup> QueryAsync(RiverClient client, TaskFilter filter,
        [EnumeratorCancellation] CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(filter);
        if (filter.Newest is < 1) throw new ArgumentOutOfRangeException(nameof(filter), filter.Newest, "Newest must be 1 or more");

        if (filter.TaskIds.Count > 0)
        {
            foreach (var id in filter.TaskIds.Distinct())
            {
                RiverTask? task = null;
                RiverApiException? error = null;
                try
                {
                    task = await client.GetTaskAsync(id, ct).ConfigureAwait(false);
                }
                catch (RiverApiException e) when (e.Kind is RiverErrorKind.NotFound or RiverErrorKind.InvalidArgument)
                {
                    error = e;
                }
                if (error is not null) yield return new TaskLookup(id, null, error);
                else if (filter.Matches(task!)) yield return new TaskLookup(id, task, null);
            }
            yield break;
        }

        var node = string.IsNullOrEmpty(filter.NodeName) ? null : filter.NodeName;
        var statuses = filter.Statuses.Count == 0 ? [null] : filter.Statuses.Distinct().Select(s => (RiverTaskStatus?)s).ToList();
        if (statuses.Count > 1 && filter.Newest is { } n)
        {
            var merged = new List<RiverTask>();
            foreach (var s in statuses)
                await foreach (var t in client.EnumerateTasksAsync(Query(s), n, ct).ConfigureAwait(false))
                    merged.Add(t);
            foreach (var t in merged.OrderByDescending(t => t.TaskId).Take(n))
                yield return new TaskLookup(null, t, null);
            yield break;
        }
        foreach (var s in statuses)
            await foreach (var t in client.EnumerateTasksAsync(Query(s), filter.Newest, ct).ConfigureAwait(false))
                yield return new TaskLookup(null, t, null);

        TaskQuery Query(RiverTaskStatus? status) => new()
        {
            Status = status,
            NodeName = node,
            BatchId = filter.BatchId,
            Limit = filter.Newest is { } newest ? Math.Min(newest, 500) : 500,
        };
    }
}
