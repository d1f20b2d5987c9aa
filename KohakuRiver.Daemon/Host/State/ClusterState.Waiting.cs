using KohakuRiver.Daemon.Host.Records;

namespace KohakuRiver.Daemon.Host.State;

// Waiting: long polls until tasks finish or reach a wanted state (TaskWaiters holds the waiters).
public sealed partial class ClusterState
{
    /// <summary>Waits until all (or any) of the tasks are final, or the timeout passes; returns them as they then are.</summary>
    public async Task<List<TaskRecord>> WaitAsync(IReadOnlyCollection<long> ids, bool any, TimeSpan timeout, CancellationToken ct)
    {
        var waits = new List<Task>();
        var inactive = new List<long>();
        lock (_gate)
        {
            foreach (var id in ids)
            {
                if (_active.ContainsKey(id)) waits.Add(_waiters.Finished(id));
                else inactive.Add(id);
            }
        }
        if (inactive.Count > 0)
        {
            // Ids not active must exist in the store (a task leaves _active only after it is written there), or the
            // caller named a task that never was.
            var known = _store.GetTasks(inactive).Select(t => t.TaskId).ToHashSet();
            var unknown = inactive.Where(id => !known.Contains(id)).Take(5).ToList();
            if (unknown.Count > 0) throw HostException.NotFound($"task {string.Join(", ", unknown)} not found");
        }
        var done = waits.Count == 0 || (any && inactive.Count > 0);
        if (!done && timeout > TimeSpan.Zero)
        {
            try
            {
                var all = any ? Task.WhenAny(waits) : Task.WhenAll(waits);
                await all.WaitAsync(timeout, _time, ct);
            }
            catch (TimeoutException)
            {
            }
        }
        return Snapshot(ids);
    }

    /// <summary>Waits until the task satisfies <paramref name="done"/> (or it is final), or the timeout passes.</summary>
    public async Task<TaskRecord> WaitForAsync(long taskId, Func<TaskRecord, bool> done, TimeSpan timeout, CancellationToken ct)
    {
        var deadline = _time.GetUtcNow() + timeout;
        while (true)
        {
            Task changed;
            lock (_gate)
            {
                if (!_active.TryGetValue(taskId, out var a)) break;
                if (done(a.Task)) return a.Task.Clone();
                changed = _waiters.NextChange(taskId);
            }
            var left = deadline - _time.GetUtcNow();
            if (left <= TimeSpan.Zero) break;
            try
            {
                await changed.WaitAsync(left, _time, ct);
            }
            catch (TimeoutException)
            {
                break;
            }
        }
        return GetTask(taskId) ?? throw HostException.NotFound($"task {taskId} not found");
    }
}
