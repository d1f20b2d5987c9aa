using KohakuRiver.Core.Models;

namespace KohakuRiver.Daemon.Host.State;

// Metrics: the figures /metrics computes from the state at each scrape (see Host/Metrics/ClusterStateMetrics.cs).
public sealed partial class ClusterState
{
    /// <summary>The unfinished tasks counted by status, the queue's depth and when its oldest task was submitted: one
    /// pass over the tasks in memory, under the lock. Finished tasks are counted by the store.</summary>
    public ActiveTaskCounts CountActiveTasks()
    {
        lock (_gate)
        {
            var byStatus = new Dictionary<RiverTaskStatus, int>();
            foreach (var a in _active.Values)
                byStatus[a.Task.Status] = byStatus.GetValueOrDefault(a.Task.Status) + 1;
            DateTimeOffset? oldest = null;
            foreach (var id in _pending.Ids)
            {
                oldest = _active[id].Task.SubmittedAt;
                break;
            }
            return new ActiveTaskCounts(byStatus, _pending.Count, oldest);
        }
    }
}
