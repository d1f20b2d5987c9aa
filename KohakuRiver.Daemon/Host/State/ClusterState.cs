using KohakuRiver.Core.Ids;
using KohakuRiver.Core.Models;
using KohakuRiver.Core.Wire;
using KohakuRiver.Daemon.Configuration;
using KohakuRiver.Daemon.Host.Records;
using KohakuRiver.Daemon.Host.Scheduling;
using KohakuRiver.Daemon.Host.SshProxy;
using KohakuRiver.Daemon.Host.Storage;
using KohakuRiver.Daemon.Host.Submission;
using KohakuRiver.Daemon.Host.Telemetry;

namespace KohakuRiver.Daemon.Host.State;

/// <summary>
/// The host's live picture of the cluster: nodes, unfinished tasks, the queue and the reservations. Every mutation
/// runs under one lock, is checked against <see cref="TaskLifecycle"/>, and is written to SQLite before the lock is
/// released, so an answer never acknowledges a change that a restart would lose. Finished tasks live only in SQLite.
/// <para>
/// The operations are split by responsibility over files of this one class, because they share the lock and the maps:
/// submission (ClusterState.Submission.cs), dispatch (ClusterState.Dispatching.cs), runner reports
/// (ClusterState.RunnerReports.cs), user commands (ClusterState.UserCommands.cs), node liveness
/// (ClusterState.NodeLiveness.cs), waiting (ClusterState.Waiting.cs), read views (ClusterState.Queries.cs) and the SSH
/// proxy's lookup (ClusterState.SshTargets.cs), and the nodes' telemetry history (ClusterState.History.cs). This file holds the state and the status transitions they all use.
/// Errors are <see cref="HostException"/>s; the API layer turns them into HTTP answers.
/// </para>
/// </summary>
public sealed partial class ClusterState : ISshTargetResolver
{
    private sealed class NodeEntry
    {
        public required NodeRecord Stored;
        public HeartbeatRequest? LastMetrics;
        /// <summary>A dispatch to it failed: it gets no more work until it is heard from again (a heartbeat or a
        /// registration, which may bring a new address), so a restarting runner is not handed the queue to fail.</summary>
        public bool AwaitingContact;
    }

    private sealed class ActiveTask(TaskRecord task, DateTimeOffset since)
    {
        public TaskRecord Task { get; } = task;
        public DateTimeOffset StatusSince { get; set; } = since;
        public int DispatchAttempts { get; set; }
        /// <summary>The node whose reservations count this task now (see <see cref="ClusterState.Reconcile"/>).</summary>
        public string? ReservedOn { get; set; }
    }

    private const int MaxDispatchAttempts = 3;
    private readonly object _gate = new();
    private readonly HostStore _store;
    private readonly DaemonSettings _settings;
    private readonly string _logsFolder;
    private readonly TimeProvider _time;
    private readonly ILogger _log;
    private readonly SnowflakeIdGenerator _ids;
    private readonly Dictionary<string, NodeEntry> _nodes = new(StringComparer.Ordinal);
    private readonly Dictionary<long, ActiveTask> _active = [];
    private readonly PendingQueue _pending = new();
    private readonly ReservationLedger _reserved = new();
    private readonly SubmissionBuilder _builder;
    private readonly TaskWaiters _waiters = new();
    private readonly DateTimeOffset _startedAt;
    private readonly TelemetryHistory _history;

    public ClusterState(HostStore store, DaemonSettings settings, TimeProvider time, ILogger<ClusterState> log)
    {
        _store = store;
        _settings = settings;
        _logsFolder = settings.LogsDir;
        _time = time;
        _log = log;
        _startedAt = time.GetUtcNow();
        _builder = new SubmissionBuilder(settings);
        _history = new TelemetryHistory(settings.HeartbeatIntervalSeconds);
        // Ids continue above the newest stored one, even if the clock stepped back across a restart.
        _ids = new SnowflakeIdGenerator(settings.IdInstance, lastIssued: store.MaxTaskId());
        foreach (var node in store.LoadNodes()) _nodes[node.Hostname] = new NodeEntry { Stored = node };
        foreach (var task in store.LoadUnfinishedTasks())
        {
            var active = _active[task.TaskId] = new ActiveTask(task, _startedAt);
            if (task.Status == RiverTaskStatus.Pending) Enqueue(active);
            Reconcile(active);
        }
        if (_active.Count > 0 || _nodes.Count > 0)
            _log.LogInformation("Restored {Nodes} nodes and {Tasks} unfinished tasks ({Pending} queued) from {Db}",
                _nodes.Count, _active.Count, _pending.Count, settings.DatabasePath);
    }

    /// <summary>Set whenever something happened that may let a queued task run.</summary>
    public AsyncSignal DispatchSignal { get; } = new();

    // Everything below is called under _gate.

    private Dictionary<string, NodeCapacity> Capacities() => NodeCapacities.Of(_nodes.Values.Select(n => n.Stored), _reserved);

    private void Enqueue(ActiveTask a) => _pending.Add(a.Task.TaskId, a.Task.RequiredCores, a.Task.RequiredMemoryBytes ?? 0);

    /// <summary>The tasks holding resources on a node, from the ledger (a copy: callers change their statuses).</summary>
    private List<ActiveTask> HeldOn(string node) =>
        _reserved.For(node).TaskIds.Select(id => _active[id]).ToList();

    /// <summary>Keeps the ledger in step with a task's status: it counts on its node exactly while it holds resources.</summary>
    private void Reconcile(ActiveTask a)
    {
        var want = a.Task.Status.HoldsResources() ? a.Task.NodeName : null;
        if (a.ReservedOn == want) return;
        if (a.ReservedOn is { } was) _reserved.Remove(was, a.Task);
        if (want is not null) _reserved.Add(want, a.Task);
        a.ReservedOn = want;
    }

    /// <summary>The one way a task's status changes: checked against <see cref="TaskLifecycle"/>; the caller writes the
    /// task to the store before it releases the lock.</summary>
    private void Move(ActiveTask a, RiverTaskStatus to, DateTimeOffset now)
    {
        if (!TaskLifecycle.CanMove(a.Task.Status, to))
            throw new InvalidOperationException($"task {a.Task.TaskId}: {a.Task.Status.ToWire()} -> {to.ToWire()} is not allowed");
        a.Task.Status = to;
        a.StatusSince = now;
        Reconcile(a);
        // GPUs the host chose for a count are the placement's: released above, forgotten here, chosen again when placed.
        if (to == RiverTaskStatus.Pending && a.Task.RequiredGpuCount is not null) a.Task.RequiredGpus = null;
        _waiters.SignalChange(a.Task.TaskId);
    }

    /// <summary>Moves the task to a final status and out of memory (the store keeps it from here on).</summary>
    private void Finish(ActiveTask a, RiverTaskStatus final, DateTimeOffset now)
    {
        Move(a, final, now);
        a.Task.CompletedAt ??= now;
        _active.Remove(a.Task.TaskId);
        _pending.Remove(a.Task.TaskId);
        // Completed after the caller's store write would be stricter, but every caller writes before releasing the
        // lock and continuations run asynchronously, after that write, because they must take the lock to read.
        _waiters.SignalFinish(a.Task.TaskId);
        DispatchSignal.Set();
    }

    private ActiveTask ActiveOrThrow(long taskId)
    {
        if (_active.TryGetValue(taskId, out var a)) return a;
        var stored = _store.GetTask(taskId) ?? throw HostException.NotFound($"task {taskId} not found");
        throw HostException.Conflict($"task {taskId} has already finished ({stored.Status.ToWire()})");
    }

    /// <summary>Which runner to call about a task, and its container's name there.</summary>
    private RunnerNotice Notice(TaskRecord task, string? node) =>
        new(task.TaskId, node, node is not null && _nodes.TryGetValue(node, out var entry) ? entry.Stored.Registration.Url : null,
            $"kohakuriver-{(task.IsVps ? "vps" : "task")}-{task.TaskId}");
}
