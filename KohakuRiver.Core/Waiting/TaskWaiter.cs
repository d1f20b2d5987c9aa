using KohakuRiver.Core.Client;
using KohakuRiver.Core.Tasks;
using KohakuRiver.Core.Wire;
using RiverTask = KohakuRiver.Core.Tasks.RiverTask;

namespace KohakuRiver.Core.Waiting;

public sealed class TaskWaitOptions
{
    /// <summary>Stop at the first finished task instead of waiting for all.</summary>
    public bool Any { get; init; }

    /// <summary>How long to wait in all; null waits for ever. Zero looks once.</summary>
    public TimeSpan? Timeout { get; init; }

    /// <summary>The longest single long-poll (the host allows 300 s).</summary>
    public TimeSpan MaxPollWindow { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// The least time between the starts of two long-polls. Each poll returns as soon as one more task finishes
    /// (that is what keeps the progress bar honest); when tasks finish in a stream, this spaces the polls out so
    /// that a 10,000-task wait costs a poll a second rather than one per task.
    /// </summary>
    public TimeSpan MinPollInterval { get; init; } = TimeSpan.FromSeconds(1);

    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>Wait-Job's <c>-Timeout</c> in seconds: -1 for ever, 0 or more a limit.</summary>
    public static TimeSpan? TimeoutFromSeconds(int seconds) => seconds switch
    {
        -1 => null,
        < -1 => throw new ArgumentOutOfRangeException(nameof(seconds), seconds, "the timeout is -1 (for ever) or a number of seconds, 0 or more"),
        _ => TimeSpan.FromSeconds(seconds),
    };
}

/// <summary>"k of n finished", for a progress bar.</summary>
public readonly record struct WaitProgress(int Finished, int Total)
{
    public int PercentComplete => Total == 0 ? 100 : (int)(100L * Finished / Total);
    public override string ToString() => $"{Finished} of {Total} finished";
}

public sealed class TaskWaitResult
{
    /// <summary>All tasks finished (or, with Any, at least one did) before the timeout.</summary>
    public required bool Satisfied { get; init; }
    /// <summary>What Wait-Job would write: every task when all finished, the first finished one (in input order)
    /// with Any, and nothing on a timeout.</summary>
    public required IReadOnlyList<RiverTask> Output { get; init; }
    /// <summary>The tasks seen final, in input order, whatever the outcome.</summary>
    public required IReadOnlyList<RiverTask> Finished { get; init; }
    /// <summary>Ids still not final when the wait ended.</summary>
    public required IReadOnlyList<long> Unfinished { get; init; }
    /// <summary>Ids the host does not know.</summary>
    public required IReadOnlyList<long> Missing { get; init; }
}

/// <summary>
/// The Wait-Job contract over the host's long-poll: loops <c>POST /api/tasks/wait</c> (each call capped at
/// <see cref="TaskWaitOptions.MaxPollWindow"/>) with the ids not yet final, reports progress after each answer,
/// reports ids the host does not know one by one and waits for the rest, and stops at once when cancelled.
/// </summary>
public sealed class TaskWaiter(RiverClient client, TaskWaitOptions? options = null)
{
    private readonly TaskWaitOptions _options = options ?? new TaskWaitOptions();

    /// <param name="progress">Called after each answer that moved the count (awaited, so the caller may post it on).</param>
    /// <param name="missing">Called once for each id the host does not know, with the host's answer.</param>
    public async Task<TaskWaitResult> WaitAsync(IEnumerable<long> taskIds, Func<WaitProgress, ValueTask>? progress = null,
        Func<long, RiverApiException, ValueTask>? missing = null, CancellationToken ct = default)
    {
        var order = new List<long>();
        var remaining = new HashSet<long>();
        foreach (var id in taskIds)
            if (remaining.Add(id)) order.Add(id);

        var time = _options.Time;
        var start = time.GetTimestamp();
        var finished = new Dictionary<long, RiverTask>();
        var missingIds = new HashSet<long>();
        var satisfied = false;
        var polled = false;

        while (true)
        {
            ct.ThrowIfCancellationRequested();
            if (remaining.Count == 0 || (_options.Any && finished.Count > 0))
            {
                satisfied = true;
                break;
            }
            var left = _options.Timeout is { } limit ? limit - time.GetElapsedTime(start) : (TimeSpan?)null;
            if (polled && left <= TimeSpan.Zero) break;

            var window = left is { } w ? Clamp(w, TimeSpan.Zero, _options.MaxPollWindow) : _options.MaxPollWindow;
            var pollStart = time.GetTimestamp();
            var ids = order.Where(remaining.Contains).ToList();
            List<RiverTask> answer;
            try
            {
                // any: true, so that each poll returns when one more task finishes and the progress moves.
                answer = await client.WaitTasksAsync(ids, any: true, window, ct).ConfigureAwait(false);
            }
            catch (RiverApiException e) when (e.Kind == RiverErrorKind.NotFound)
            {
                var gone = new List<long>();
                await FindMissingAsync(ids, gone, missing, ct).ConfigureAwait(false);
                if (gone.Count == 0) throw;
                foreach (var id in gone)
                {
                    missingIds.Add(id);
                    remaining.Remove(id);
                }
                continue;
            }
            polled = true;

            var progressed = false;
            foreach (var t in answer)
            {
                if (t.IsFinished && remaining.Remove(t.TaskId))
                {
                    finished[t.TaskId] = t;
                    progressed = true;
                }
            }
            if (progressed && progress is not null)
                await progress(new WaitProgress(finished.Count, order.Count - missingIds.Count)).ConfigureAwait(false);
            if (remaining.Count == 0 || (_options.Any && finished.Count > 0)) continue;

            // A poll that came back early (news, or a host that did not hold it): space the next one out.
            var pause = _options.MinPollInterval - time.GetElapsedTime(pollStart);
            if (_options.Timeout is { } total) pause = Min(pause, total - time.GetElapsedTime(start));
            if (pause > TimeSpan.Zero) await Task.Delay(pause, time, ct).ConfigureAwait(false);
        }

        var finishedInOrder = order.Where(finished.ContainsKey).Select(id => finished[id]).ToList();
        IReadOnlyList<RiverTask> output = !satisfied ? [] : _options.Any ? finishedInOrder.Take(1).ToList() : finishedInOrder;
        return new TaskWaitResult
        {
            Satisfied = satisfied,
            Output = output,
            Finished = finishedInOrder,
            Unfinished = order.Where(remaining.Contains).ToList(),
            Missing = order.Where(missingIds.Contains).ToList(),
        };
    }

    /// <summary>
    /// The bulk call fails as a whole when it names an unknown id. Halve the list with zero-timeout polls until each
    /// unknown id stands alone, then ask for it by itself, so that every one is reported with the host's own answer
    /// and the rest can still be waited for: about k·log2(n) quick calls for k unknown ids among n.
    /// </summary>
    private async Task FindMissingAsync(List<long> ids, List<long> gone, Func<long, RiverApiException, ValueTask>? report, CancellationToken ct)
    {
        if (ids.Count == 1)
        {
            RiverApiException? notFound = null;
            try
            {
                await client.GetTaskAsync(ids[0], ct).ConfigureAwait(false);
            }
            catch (RiverApiException e) when (e.Kind == RiverErrorKind.NotFound)
            {
                notFound = e;
            }
            if (notFound is null) return;
            gone.Add(ids[0]);
            if (report is not null) await report(ids[0], notFound).ConfigureAwait(false);
            return;
        }
        var half = ids.Count / 2;
        foreach (var part in new[] { ids.GetRange(0, half), ids.GetRange(half, ids.Count - half) })
        {
            if (part.Count > 1)
            {
                try
                {
                    await client.WaitTasksAsync(part, any: true, TimeSpan.Zero, ct).ConfigureAwait(false);
                    continue;
                }
                catch (RiverApiException e) when (e.Kind == RiverErrorKind.NotFound)
                {
                }
            }
            await FindMissingAsync(part, gone, report, ct).ConfigureAwait(false);
        }
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    private static TimeSpan Clamp(TimeSpan v, TimeSpan lo, TimeSpan hi) => v < lo ? lo : v > hi ? hi : v;
}
