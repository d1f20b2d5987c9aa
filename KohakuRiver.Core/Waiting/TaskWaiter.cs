using KohakuRiver.Core.Client;
using KohakuRiver.Core.Tasks;

namespace KohakuRiver.Core.Waiting;

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
