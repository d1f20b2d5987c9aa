using System.Runtime.CompilerServices;
using KohakuRiver.Core.Client;
using KohakuRiver.Core.Models;
using KohakuRiver.Core.Wire;
using KohakuRiver.Core.Tasks;

namespace KohakuRiver.Core.Listing;

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
