using KohakuRiver.Core.Models;
using KohakuRiver.Core.Parsing;
using KohakuRiver.Core.Wire;
using KohakuRiver.Daemon.Host.Records;

namespace KohakuRiver.Daemon.Host.State;

// Node liveness: registration, heartbeats (with the reconciliation of what each runner holds), and marking nodes
// offline whose heartbeats stopped. The requests' fields were checked by the API layer (WireChecks).
public sealed partial class ClusterState
{
    public void Register(RegisterRequest r)
    {
        lock (_gate)
        {
            var now = _time.GetUtcNow();
            if (!_nodes.TryGetValue(r.Hostname, out var n))
            {
                n = new NodeEntry { Stored = new NodeRecord { Hostname = r.Hostname, Registration = r } };
                _nodes[r.Hostname] = n;
            }
            n.Stored.Registration = r;
            n.Stored.Status = NodeStatus.Online;
            n.Stored.LastHeartbeat = now;
            n.AwaitingContact = false;
            _store.UpsertNode(n.Stored);
            _log.LogInformation("Node {Node} registered from {Url} ({Cores} cores, {Memory})", r.Hostname, r.Url, r.TotalCores, ByteSize.Format(r.TotalRamBytes));
            DispatchSignal.Set();
        }
    }

    /// <summary>Records a heartbeat and reconciles the runner's task list with ours; returns the ids the runner must
    /// kill. A node that never registered is a <see cref="HostErrorKind.NotFound"/> error.</summary>
    public List<long> Heartbeat(string hostname, HeartbeatRequest h)
    {
        lock (_gate)
        {
            if (!_nodes.TryGetValue(hostname, out var n))
                throw HostException.NotFound($"node {hostname} is not registered; register first");
            var now = _time.GetUtcNow();
            var wasOffline = n.Stored.Status == NodeStatus.Offline;
            n.Stored.Status = NodeStatus.Online;
            n.Stored.LastHeartbeat = now;
            n.LastMetrics = h;
            _history.Record(hostname, now, h);
            if (wasOffline) _log.LogInformation("Node {Node} is back online", hostname);
            if (wasOffline || n.AwaitingContact)
            {
                n.AwaitingContact = false;
                DispatchSignal.Set();
            }
            _store.UpsertNode(n.Stored);

            var changed = new List<TaskRecord>();
            foreach (var killed in h.KilledTasks)
            {
                if (!_active.TryGetValue(killed.TaskId, out var a) || a.Task.NodeName != hostname) continue;
                a.Task.ErrorMessage = killed.Reason;
                Finish(a, SaysOutOfMemory(killed.Reason) ? RiverTaskStatus.KilledOom : RiverTaskStatus.Killed, now);
                changed.Add(a.Task);
            }

            // What the runner holds but we consider finished (or never gave it) must stop there; a kill that never
            // reached the runner is sent again this way.
            var held = h.RunningTasks.ToHashSet();
            var toKill = held.Where(id => !_active.TryGetValue(id, out var a) || a.Task.NodeName != hostname).ToList();

            // What we think runs there but the runner no longer holds. A grace of two intervals covers a dispatch
            // that crossed this heartbeat in flight.
            var grace = TimeSpan.FromSeconds(Math.Max(2 * _settings.HeartbeatIntervalSeconds, 1));
            foreach (var a in HeldOn(hostname))
            {
                if (held.Contains(a.Task.TaskId) || now - a.StatusSince < grace) continue;
                if (a.Task.Status == RiverTaskStatus.Assigning)
                {
                    _log.LogWarning("Task {TaskId}: {Node} never received it; queued again", a.Task.TaskId, hostname);
                    Move(a, RiverTaskStatus.Pending, now);
                    a.Task.NodeName = null;
                    Enqueue(a);
                    DispatchSignal.Set();
                }
                else
                {
                    a.Task.ErrorMessage = $"runner {hostname} no longer holds this task";
                    Finish(a, RiverTaskStatus.Lost, now);
                }
                changed.Add(a.Task);
            }
            _store.UpdateTasks(changed);
            return toKill;
        }
    }

    /// <summary>Marks nodes offline whose heartbeats stopped, and their tasks lost. Returns the nodes it marked.</summary>
    public List<string> CheckHeartbeats()
    {
        lock (_gate)
        {
            var now = _time.GetUtcNow();
            var marked = new List<string>();
            var changed = new List<TaskRecord>();
            foreach (var n in _nodes.Values.Where(n => n.Stored.Status == NodeStatus.Online))
            {
                // A host restart must not count its own downtime against the runners.
                var last = Later(n.Stored.LastHeartbeat ?? _startedAt, _startedAt);
                if (now - last <= _settings.HeartbeatTimeout) continue;
                n.Stored.Status = NodeStatus.Offline;
                _store.UpsertNode(n.Stored);
                marked.Add(n.Stored.Hostname);
                foreach (var a in HeldOn(n.Stored.Hostname))
                {
                    a.Task.ErrorMessage = $"node {n.Stored.Hostname} stopped heartbeating (last at {last:O})";
                    Finish(a, RiverTaskStatus.Lost, now);
                    changed.Add(a.Task);
                }
                _log.LogWarning("Node {Node} is offline: no heartbeat since {Last:O}", n.Stored.Hostname, last);
            }
            _store.UpdateTasks(changed);
            return marked;
        }
    }

    private static DateTimeOffset Later(DateTimeOffset first, DateTimeOffset second) => first > second ? first : second;

    /// <summary>Whether a runner's kill reason names an out-of-memory kill: "oom" as other runners write it, or the
    /// words this runner's messages use.</summary>
    private static bool SaysOutOfMemory(string reason) =>
        reason.Contains("oom", StringComparison.OrdinalIgnoreCase) || reason.Contains("out of memory", StringComparison.OrdinalIgnoreCase);
}
