using System.Collections.Concurrent;
using KohakuRiver.Core.Ids;
using KohakuRiver.Core.Models;
using KohakuRiver.Core.Parsing;
using KohakuRiver.Core.Wire;
using KohakuRiver.Daemon.Configuration;
using KohakuRiver.Daemon.Host.Scheduling;
using KohakuRiver.Daemon.Host.SshProxy;
using KohakuRiver.Daemon.Host.Storage;
using KohakuRiver.Core.Environments;
using KohakuRiver.Daemon.Host.Submission;
using KohakuRiver.Daemon.Web;

namespace KohakuRiver.Daemon.Host.State;

/// <summary>A task the dispatcher has placed and must now send to its runner.</summary>
public sealed record Dispatch(RiverTask Task, string NodeName, string RunnerUrl);

/// <summary>A call the host owes a runner after a state change (kill of an assigned task, say).</summary>
public sealed record RunnerNotice(long TaskId, string? NodeName, string? RunnerUrl, string? ContainerName);

/// <summary>
/// The host's live picture of the cluster: nodes, unfinished tasks, the queue and the reservations. Every mutation
/// runs under one lock, is checked against <see cref="TaskLifecycle"/>, and is written to SQLite before the lock is
/// released, so an answer never acknowledges a change that a restart would lose. Finished tasks live only in SQLite.
/// </summary>
public sealed class ClusterState : ISshTargetResolver
{
    private sealed class NodeEntry
    {
        public required StoredNode Stored;
        public HeartbeatRequest? LastMetrics;
        /// <summary>A dispatch to it failed: it gets no more work until it is heard from again (a heartbeat or a
        /// registration, which may bring a new address), so a restarting runner is not handed the queue to fail.</summary>
        public bool AwaitingContact;
    }

    private sealed class ActiveTask(RiverTask task, DateTimeOffset since)
    {
        public RiverTask Task { get; } = task;
        public DateTimeOffset StatusSince { get; set; } = since;
        public int DispatchAttempts { get; set; }
        /// <summary>The node whose reservations count this task now (see <see cref="ClusterState.Reconcile"/>).</summary>
        public string? ReservedOn { get; set; }
    }

    private const int MaxDispatchAttempts = 3;
    private readonly object _gate = new();
    private readonly HostStore _store;
    private readonly DaemonSettings _settings;
    private readonly TimeProvider _time;
    private readonly ILogger _log;
    private readonly SnowflakeIdGenerator _ids;
    private readonly Dictionary<string, NodeEntry> _nodes = new(StringComparer.Ordinal);
    private readonly Dictionary<long, ActiveTask> _active = [];
    private readonly PendingQueue _pending = new();
    private readonly ReservationLedger _reserved = new();
    private readonly SubmissionValidator _validator;
    private readonly ConcurrentDictionary<long, TaskCompletionSource> _finishWaiters = new();
    private readonly ConcurrentDictionary<long, TaskCompletionSource> _changeWaiters = new();
    private readonly DateTimeOffset _startedAt;

    public ClusterState(HostStore store, DaemonSettings settings, TimeProvider time, ILogger<ClusterState> log)
    {
        _store = store;
        _settings = settings;
        _time = time;
        _log = log;
        _startedAt = time.GetUtcNow();
        _validator = new SubmissionValidator(settings);
        // Ids continue above the newest stored one, even if the clock stepped back across a restart.
        _ids = new SnowflakeIdGenerator(settings.IdInstance, lastIssued: store.MaxTaskId());
        foreach (var n in store.LoadNodes()) _nodes[n.Hostname] = new NodeEntry { Stored = n };
        foreach (var t in store.LoadUnfinishedTasks())
        {
            var a = _active[t.TaskId] = new ActiveTask(t, _startedAt);
            if (t.Status == RiverTaskStatus.Pending) Enqueue(a);
            Reconcile(a);
        }
        if (_active.Count > 0 || _nodes.Count > 0)
            _log.LogInformation("Restored {Nodes} nodes and {Tasks} unfinished tasks ({Pending} queued) from {Db}",
                _nodes.Count, _active.Count, _pending.Count, settings.DatabasePath);
    }

    /// <summary>Set whenever something happened that may let a queued task run.</summary>
    public AsyncSignal DispatchSignal { get; } = new();

    // ---------------------------------------------------------------- submission

    public SubmitResponse Submit(IReadOnlyList<SubmitRequest> specs)
    {
        SubmissionValidator.CheckBatchSize(specs);
        var now = _time.GetUtcNow();
        var prepared = new List<(RiverTask Task, string Label)>();
        for (var i = 0; i < specs.Count; i++)
        {
            var label = specs.Count == 1 ? "" : $"tasks[{i}]: ";
            prepared.AddRange(Expand(specs[i], label));
        }

        return Accept(prepared, now);
    }

    /// <summary>Checks prepared tasks against the registered nodes, then stores and queues them as one batch, all or
    /// nothing.</summary>
    private SubmitResponse Accept(List<(RiverTask Task, string Label)> prepared, DateTimeOffset now)
    {
        lock (_gate)
        {
            var capacities = Capacities();
            var largestNode = capacities.Values.Select(c => c.TotalMemoryBytes).DefaultIfEmpty(0).Max();
            foreach (var (task, label) in prepared)
            {
                // The default limit is reserved like an asked-for one, so what the scheduler counts is what runs; it
                // never exceeds the largest node, so a default alone never makes a task impossible.
                var byDefault = _settings.DefaultMemoryBytes(task.RequiredCores);
                task.RequiredMemoryBytes ??= largestNode > 0 ? Math.Min(byDefault, largestNode) : byDefault;
                var why = BinPackingScheduler.WhyInfeasible(ResourceRequest.Of(task), capacities.Values);
                if (why is not null) throw ApiException.BadRequest($"{label}{Describe(task)} can never run: {why}");
            }

            var batchId = _ids.Next();
            var tasks = new List<RiverTask>(prepared.Count);
            foreach (var (task, _) in prepared)
            {
                task.TaskId = tasks.Count == 0 ? batchId : _ids.Next();
                task.BatchId = batchId;
                task.Status = RiverTaskStatus.Pending;
                task.SubmittedAt = now;
                task.StdoutPath = Path.Combine(_settings.LogsDir, $"{task.TaskId}.out");
                task.StderrPath = Path.Combine(_settings.LogsDir, $"{task.TaskId}.err");
                tasks.Add(task);
            }
            _store.InsertBatch(batchId, now, tasks);
            foreach (var t in tasks) Enqueue(_active[t.TaskId] = new ActiveTask(t, now));
            DispatchSignal.Set();
            return new SubmitResponse
            {
                Message = $"{tasks.Count} task(s) accepted",
                BatchId = batchId,
                TaskIds = tasks.Select(t => t.TaskId.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToList(),
            };
        }
    }

    private IEnumerable<(RiverTask, string)> Expand(SubmitRequest r, string label)
    {
        var container = _validator.CheckTask(r, label);

        var targets = new List<TargetSpec?>();
        if (r.Targets is { Count: > 0 })
        {
            foreach (var t in r.Targets)
            {
                if (!TargetSpec.TryParse(t, out var spec, out var error)) throw ApiException.BadRequest(label + error);
                targets.Add(spec);
            }
        }
        else
        {
            targets.Add(null);
        }
        if (r.RequiredGpus is { Count: > 0 } gpuLists && gpuLists.Count != targets.Count)
            throw ApiException.BadRequest($"{label}required_gpus has {gpuLists.Count} lists for {targets.Count} targets; give one per target");

        for (var i = 0; i < targets.Count; i++)
        {
            var target = targets[i];
            var gpus = target?.GpuIds?.ToList() ?? (r.RequiredGpus is { Count: > 0 } g ? g[i] : null);
            var environment = _settings.EnvironmentFor(r.RegistryImage, r.ContainerName);
            yield return (new RiverTask
            {
                TaskType = "command",
                Name = r.Name,
                Command = r.Command,
                Arguments = r.Arguments ?? [],
                EnvVars = r.EnvVars ?? [],
                Parameters = r.Parameters ?? [],
                RequiredCores = container.Cores,
                RequiredMemoryBytes = container.MemoryBytes,
                PidsLimit = container.PidsLimit,
                RequiredGpus = gpus is { Count: > 0 } ? gpus : null,
                TargetHostname = target?.NodeName,
                TargetNumaNodeId = target?.NumaNodeId,
                Environment = environment,
                Image = r.RegistryImage,
                DockerImageName = r.RegistryImage ?? EnvironmentNames.ImageName(environment!),
                Privileged = r.Privileged ?? false,
                AdditionalMounts = container.Mounts,
            }, label);
        }
    }

    /// <summary>Queues a VPS (one task, its own batch). The caller has checked the key and the environment.</summary>
    public RiverTask SubmitVps(VpsCreateRequest r, string? publicKey)
    {
        var container = _validator.CheckVps(r);
        var environment = _settings.EnvironmentFor(r.RegistryImage, r.ContainerName);
        var task = new RiverTask
        {
            TaskType = "vps",
            Name = r.Name,
            Command = "sshd",
            RequiredCores = container.Cores,
            RequiredMemoryBytes = container.MemoryBytes,
            PidsLimit = container.PidsLimit,
            RequiredGpus = r.RequiredGpus is { Count: > 0 } g ? g : null,
            TargetHostname = r.TargetHostname,
            TargetNumaNodeId = r.TargetNumaNodeId,
            Environment = environment,
            Image = r.RegistryImage,
            DockerImageName = r.RegistryImage ?? EnvironmentNames.ImageName(environment!),
            AdditionalMounts = container.Mounts,
            SshKeyMode = r.SshKeyMode,
            SshPublicKey = publicKey,
        };
        var response = Accept([(task, "")], _time.GetUtcNow());
        return GetTask(long.Parse(response.TaskIds[0], System.Globalization.CultureInfo.InvariantCulture))!;
    }

    /// <summary>Waits until the task's status satisfies <paramref name="done"/> (or it is final), or the timeout passes.</summary>
    public async Task<RiverTask> WaitForAsync(long taskId, Func<RiverTask, bool> done, TimeSpan timeout, CancellationToken ct)
    {
        var deadline = _time.GetUtcNow() + timeout;
        while (true)
        {
            Task changed;
            lock (_gate)
            {
                if (!_active.TryGetValue(taskId, out var a)) break;
                if (done(a.Task)) return a.Task.Clone();
                changed = _changeWaiters.GetOrAdd(taskId, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
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
        return GetTask(taskId) ?? throw ApiException.NotFound($"task {taskId} not found");
    }

    /// <summary>Stops a VPS: queued, it simply ends; on a node, it is marked stopped at once and the notice says which
    /// runner must stop and remove its container.</summary>
    public RunnerNotice? StopVps(long taskId)
    {
        lock (_gate)
        {
            var a = ActiveOrThrow(taskId);
            if (a.Task.TaskType != "vps") throw ApiException.BadRequest($"task {taskId} is not a VPS; use kill");
            var wasOnNode = a.Task.Status.HoldsResources();
            var node = a.Task.NodeName;
            a.Task.ErrorMessage = "stopped by user";
            Finish(a, RiverTaskStatus.Stopped, _time.GetUtcNow());
            _store.UpdateTask(a.Task);
            return wasOnNode ? Notice(a.Task, node, "vps") : null;
        }
    }

    public RunnerNotice PrepareVpsRestart(long taskId)
    {
        lock (_gate)
        {
            var a = ActiveOrThrow(taskId);
            if (a.Task.TaskType != "vps") throw ApiException.BadRequest($"task {taskId} is not a VPS");
            if (a.Task.Status != RiverTaskStatus.Running)
                throw ApiException.Conflict($"VPS {taskId} is {a.Task.Status.ToWire()}; only a running VPS can be restarted");
            return Notice(a.Task, a.Task.NodeName, "vps");
        }
    }

    public void SetSshPort(long taskId, int? port)
    {
        lock (_gate)
        {
            if (!_active.TryGetValue(taskId, out var a) || a.Task.SshPort == port) return;
            a.Task.SshPort = port;
            _store.UpdateTask(a.Task);
            Changed(a);
        }
    }

    public List<RiverTask> ActiveVps()
    {
        lock (_gate)
            return _active.Values.Where(a => a.Task.TaskType == "vps").OrderByDescending(a => a.Task.TaskId).Select(a => a.Task.Clone()).ToList();
    }

    /// <summary>Where the SSH proxy connects for a VPS, or why it must not. Memory only, except the store lookup
    /// that explains an id that is not active.</summary>
    public SshTargetResult Resolve(long taskId)
    {
        lock (_gate)
        {
            if (_active.TryGetValue(taskId, out var a))
            {
                var t = a.Task;
                if (t.TaskType != "vps") return SshTargetResult.NotAVps(taskId);
                if (t.Status != RiverTaskStatus.Running) return SshTargetResult.NotRunning(taskId, t.Status.ToWire());
                if (t.SshKeyMode == "disabled") return SshTargetResult.Failure($"VPS {taskId} was created without SSH");
                if (t.SshPort is not { } port) return SshTargetResult.NoSshPort(taskId);
                if (t.NodeName is null || !_nodes.TryGetValue(t.NodeName, out var n)) return SshTargetResult.Failure($"VPS {taskId}'s node is unknown");
                if (n.Stored.Status != NodeStatus.Online) return SshTargetResult.Failure($"VPS {taskId}'s node {t.NodeName} is offline");
                return SshTargetResult.Success(new Uri(n.Stored.Registration.Url).Host, port);
            }
        }
        var stored = _store.GetTask(taskId);
        return stored is null ? SshTargetResult.NotFound(taskId)
            : stored.TaskType != "vps" ? SshTargetResult.NotAVps(taskId)
            : SshTargetResult.NotRunning(taskId, stored.Status.ToWire());
    }

    private static string Describe(RiverTask t) =>
        $"a task needing {t.RequiredCores} core(s)" +
        (t.RequiredMemoryBytes is { } m ? $" and {ByteSize.Format(m)}" : "") +
        (t.TargetHostname is { } n ? $" on '{n}'" : "");

    // ---------------------------------------------------------------- dispatch

    /// <summary>Places queued tasks, in submission order, wherever they fit now; marks them assigning.</summary>
    public List<Dispatch> TakeDispatches()
    {
        lock (_gate)
        {
            if (_pending.Count == 0) return [];
            var capacities = Capacities();
            foreach (var n in _nodes.Values.Where(n => n.AwaitingContact))
                capacities[n.Stored.Hostname] = capacities[n.Stored.Hostname] with { Online = false };
            if (!capacities.Values.Any(c => c.Online)) return [];
            var now = _time.GetUtcNow();
            var result = new List<Dispatch>();
            // The walk ends as soon as no online node has room for the smallest queued task, so a long queue behind
            // a full cluster costs nothing per signal.
            foreach (var id in _pending.Ids)
            {
                if (!RoomForSmallest(capacities.Values)) break;
                var a = _active[id];
                var request = ResourceRequest.Of(a.Task);
                var node = BinPackingScheduler.Place(request, capacities.Values);
                if (node is null) continue;
                capacities[node.Name] = Reserve(node, request);
                a.Task.NodeName = node.Name;
                Move(a, RiverTaskStatus.Assigning, now);
                result.Add(new Dispatch(a.Task.Clone(), node.Name, _nodes[node.Name].Stored.Registration.Url));
            }
            foreach (var d in result) _pending.Remove(d.Task.TaskId);
            _store.UpdateTasks(result.Select(d => _active[d.Task.TaskId].Task).ToList());
            return result;
        }
    }

    /// <summary>The runner could not be given the task: queue it again, or fail it after repeated attempts.</summary>
    public void DispatchFailed(long taskId, string reason)
    {
        lock (_gate)
        {
            if (!_active.TryGetValue(taskId, out var a) || a.Task.Status != RiverTaskStatus.Assigning) return;
            var now = _time.GetUtcNow();
            a.DispatchAttempts++;
            if (a.Task.NodeName is { } node && _nodes.TryGetValue(node, out var n)) n.AwaitingContact = true;
            if (a.DispatchAttempts >= MaxDispatchAttempts)
            {
                a.Task.ErrorMessage = $"could not be handed to a runner after {a.DispatchAttempts} attempts; last: {reason}";
                Finish(a, RiverTaskStatus.Failed, now);
            }
            else
            {
                _log.LogWarning("Task {TaskId}: dispatch to {Node} failed ({Reason}); queued again; that node gets no work until it is heard from",
                    taskId, a.Task.NodeName, reason);
                Move(a, RiverTaskStatus.Pending, now);
                a.Task.NodeName = null;
                Enqueue(a);
                DispatchSignal.Set();
            }
            _store.UpdateTask(a.Task);
        }
    }

    /// <summary>The runner refused the task itself (400): it fails at once with the runner's reason.</summary>
    public void DispatchRefused(long taskId, string reason)
    {
        lock (_gate)
        {
            if (!_active.TryGetValue(taskId, out var a) || a.Task.Status != RiverTaskStatus.Assigning) return;
            _log.LogWarning("Task {TaskId}: {Node} refused it: {Reason}", taskId, a.Task.NodeName, reason);
            a.Task.ErrorMessage = $"refused by runner {a.Task.NodeName}: {reason}";
            Finish(a, RiverTaskStatus.Failed, _time.GetUtcNow());
            _store.UpdateTask(a.Task);
        }
    }

    // ---------------------------------------------------------------- runner reports

    public enum UpdateOutcome { Applied, Ignored, Unknown }

    public UpdateOutcome ApplyUpdate(TaskUpdateRequest u)
    {
        WireChecks.Update(u);
        if (!TaskStatusNames.TryParse(u.Status, out var status))
            throw ApiException.BadRequest($"status '{u.Status}' is not a task status");
        lock (_gate)
        {
            if (!_active.TryGetValue(u.TaskId, out var a))
            {
                var stored = _store.GetTask(u.TaskId);
                if (stored is null) return UpdateOutcome.Unknown;
                _log.LogInformation("Task {TaskId}: ignored update to {New}; it is already {Old}", u.TaskId, status.ToWire(), stored.Status.ToWire());
                return UpdateOutcome.Ignored;
            }
            if (status == a.Task.Status && status == RiverTaskStatus.Running && u.SshPort is { } newPort && newPort != a.Task.SshPort)
            {
                // A VPS whose container restarted listens on a new port; the status itself stays.
                a.Task.SshPort = newPort;
                _store.UpdateTask(a.Task);
                Changed(a);
                return UpdateOutcome.Applied;
            }
            // A queued task has no runner: a report for it comes from a dispatch the host already took back (and the
            // runner was told to drop it), so it must not end the task. Kills of queued tasks come through Kill().
            if (a.Task.Status == RiverTaskStatus.Pending ||
                !TaskLifecycle.CanMove(a.Task.Status, status) || status is RiverTaskStatus.Pending or RiverTaskStatus.Assigning)
            {
                _log.LogInformation("Task {TaskId}: ignored update {Old} -> {New}", u.TaskId, a.Task.Status.ToWire(), status.ToWire());
                return UpdateOutcome.Ignored;
            }
            var now = _time.GetUtcNow();
            if (u.StartedAt is { } started) a.Task.StartedAt = started;
            if (u.SshPort is { } port) a.Task.SshPort = port;
            if (status.IsFinal())
            {
                a.Task.ExitCode = u.ExitCode;
                if (!string.IsNullOrEmpty(u.Message)) a.Task.ErrorMessage = u.Message;
                a.Task.StartedAt ??= u.StartedAt;
                Finish(a, status, u.CompletedAt ?? now);
            }
            else
            {
                if (status == RiverTaskStatus.Running) a.Task.StartedAt ??= now;
                Move(a, status, now);
            }
            _store.UpdateTask(a.Task);
            return UpdateOutcome.Applied;
        }
    }

    // ---------------------------------------------------------------- user commands

    /// <summary>Kills a task: a queued one simply leaves the queue; one on a node is marked killed at once and the
    /// returned notice tells the caller which runner must stop its container.</summary>
    public RunnerNotice? Kill(long taskId)
    {
        lock (_gate)
        {
            var a = ActiveOrThrow(taskId);
            var now = _time.GetUtcNow();
            var wasOnNode = a.Task.Status.HoldsResources();
            _pending.Remove(taskId);
            a.Task.ErrorMessage = "killed by user";
            var node = a.Task.NodeName;
            Finish(a, RiverTaskStatus.Killed, now);
            _store.UpdateTask(a.Task);
            return wasOnNode ? Notice(a.Task, node) : null;
        }
    }

    /// <summary>Checks a pause or resume is possible and says which runner to ask.</summary>
    public RunnerNotice PrepareSuspendResume(long taskId, bool pause)
    {
        lock (_gate)
        {
            var a = ActiveOrThrow(taskId);
            var needed = pause ? RiverTaskStatus.Running : RiverTaskStatus.Paused;
            if (a.Task.Status != needed)
                throw ApiException.Conflict($"task {taskId} is {a.Task.Status.ToWire()}; only a {needed.ToWire()} task can be {(pause ? "paused" : "resumed")}");
            return Notice(a.Task, a.Task.NodeName);
        }
    }

    public void CompleteSuspendResume(long taskId, bool pause)
    {
        lock (_gate)
        {
            if (!_active.TryGetValue(taskId, out var a)) return;
            var to = pause ? RiverTaskStatus.Paused : RiverTaskStatus.Running;
            if (!TaskLifecycle.CanMove(a.Task.Status, to)) return;
            Move(a, to, _time.GetUtcNow());
            _store.UpdateTask(a.Task);
        }
    }

    private RunnerNotice Notice(RiverTask t, string? node, string kind = "task") =>
        new(t.TaskId, node, node is not null && _nodes.TryGetValue(node, out var n) ? n.Stored.Registration.Url : null,
            $"kohakuriver-{(t.TaskType == "vps" ? "vps" : kind)}-{t.TaskId}");

    private ActiveTask ActiveOrThrow(long taskId)
    {
        if (_active.TryGetValue(taskId, out var a)) return a;
        var stored = _store.GetTask(taskId) ?? throw ApiException.NotFound($"task {taskId} not found");
        throw ApiException.Conflict($"task {taskId} has already finished ({stored.Status.ToWire()})");
    }

    // ---------------------------------------------------------------- nodes

    public void Register(RegisterRequest r)
    {
        WireChecks.Registration(r);
        lock (_gate)
        {
            var now = _time.GetUtcNow();
            if (!_nodes.TryGetValue(r.Hostname, out var n))
            {
                n = new NodeEntry { Stored = new StoredNode { Hostname = r.Hostname, Registration = r } };
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

    /// <summary>Records a heartbeat and reconciles the runner's task list with ours. Null: the node is unknown.</summary>
    public List<long>? Heartbeat(string hostname, HeartbeatRequest h)
    {
        WireChecks.Heartbeat(h);
        lock (_gate)
        {
            if (!_nodes.TryGetValue(hostname, out var n)) return null;
            var now = _time.GetUtcNow();
            var wasOffline = n.Stored.Status == NodeStatus.Offline;
            n.Stored.Status = NodeStatus.Online;
            n.Stored.LastHeartbeat = now;
            n.LastMetrics = h;
            if (wasOffline) _log.LogInformation("Node {Node} is back online", hostname);
            if (wasOffline || n.AwaitingContact)
            {
                n.AwaitingContact = false;
                DispatchSignal.Set();
            }
            _store.UpsertNode(n.Stored);

            var changed = new List<RiverTask>();
            foreach (var k in h.KilledTasks)
            {
                if (!_active.TryGetValue(k.TaskId, out var a) || a.Task.NodeName != hostname) continue;
                a.Task.ErrorMessage = k.Reason;
                Finish(a, k.Reason.Contains("oom", StringComparison.OrdinalIgnoreCase) ? RiverTaskStatus.KilledOom : RiverTaskStatus.Killed, now);
                changed.Add(a.Task);
            }

            // What the runner holds but we consider finished (or never gave it) must stop there.
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
            var changed = new List<RiverTask>();
            foreach (var n in _nodes.Values.Where(n => n.Stored.Status == NodeStatus.Online))
            {
                // A host restart must not count its own downtime against the runners.
                var last = Max(n.Stored.LastHeartbeat ?? _startedAt, _startedAt);
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

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;

    // ---------------------------------------------------------------- queries

    public RiverTask? GetTask(long taskId)
    {
        lock (_gate)
        {
            if (_active.TryGetValue(taskId, out var a)) return a.Task.Clone();
        }
        return _store.GetTask(taskId);
    }

    /// <summary>Waits until all (or any) of the tasks are final, or the timeout passes; returns them as they then are.</summary>
    public async Task<List<RiverTask>> WaitAsync(IReadOnlyCollection<long> ids, bool any, TimeSpan timeout, CancellationToken ct)
    {
        var waits = new List<Task>();
        var inactive = new List<long>();
        lock (_gate)
        {
            foreach (var id in ids)
            {
                if (_active.ContainsKey(id))
                    waits.Add(_finishWaiters.GetOrAdd(id, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task);
                else
                    inactive.Add(id);
            }
        }
        if (inactive.Count > 0)
        {
            // Ids not active must exist in the store (a task leaves _active only after it is written there), or the
            // caller named a task that never was.
            var known = _store.GetTasks(inactive).Select(t => t.TaskId).ToHashSet();
            var unknown = inactive.Where(id => !known.Contains(id)).Take(5).ToList();
            if (unknown.Count > 0) throw ApiException.NotFound($"task {string.Join(", ", unknown)} not found");
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

    private List<RiverTask> Snapshot(IReadOnlyCollection<long> ids)
    {
        var result = new Dictionary<long, RiverTask>();
        var rest = new List<long>();
        lock (_gate)
        {
            foreach (var id in ids)
                if (_active.TryGetValue(id, out var a)) result[id] = a.Task.Clone();
                else rest.Add(id);
        }
        foreach (var t in _store.GetTasks(rest)) result[t.TaskId] = t;
        return ids.Where(result.ContainsKey).Select(id => result[id]).ToList();
    }

    public List<RiverNode> Nodes()
    {
        lock (_gate)
        {
            var caps = Capacities();
            return _nodes.Values.OrderBy(n => n.Stored.Hostname, StringComparer.Ordinal).Select(n =>
            {
                var r = n.Stored.Registration;
                var c = caps[n.Stored.Hostname];
                var m = n.LastMetrics;
                return new RiverNode
                {
                    NodeName = n.Stored.Hostname,
                    Url = r.Url,
                    Status = n.Stored.Status,
                    TotalCores = r.TotalCores,
                    CoresInUse = c.ReservedCores,
                    AvailableCores = Math.Max(0, c.FreeCores),
                    TotalMemoryBytes = r.TotalRamBytes,
                    MemoryReservedBytes = c.ReservedMemoryBytes,
                    AvailableMemoryBytes = Math.Max(0, c.FreeMemoryBytes),
                    RunningTaskCount = _reserved.For(n.Stored.Hostname).TaskIds.Count,
                    LastHeartbeat = n.Stored.LastHeartbeat,
                    NumaTopology = r.NumaTopology,
                    GpuInfo = m?.GpuInfo ?? r.GpuInfo,
                    CpuPercent = m?.CpuPercent,
                    MemoryPercent = m?.MemoryPercent,
                    MemoryUsedBytes = m?.MemoryUsedBytes,
                    MemoryTotalBytes = m?.MemoryTotalBytes ?? r.TotalRamBytes,
                    CurrentAvgTemp = m?.CurrentAvgTemp,
                    CurrentMaxTemp = m?.CurrentMaxTemp,
                    RunnerVersion = m?.RunnerVersion ?? r.RunnerVersion,
                };
            }).ToList();
        }
    }

    public ClusterHealth Health()
    {
        var nodes = Nodes();
        var online = nodes.Where(n => n.Status == NodeStatus.Online).ToList();
        int pending, running;
        lock (_gate)
        {
            pending = _pending.Count;
            running = _nodes.Keys.Sum(n => _reserved.For(n).TaskIds.Count);
        }
        return new ClusterHealth
        {
            TotalNodes = nodes.Count,
            OnlineNodes = online.Count,
            OfflineNodes = nodes.Count - online.Count,
            TotalCores = online.Sum(n => n.TotalCores),
            CoresInUse = online.Sum(n => n.CoresInUse),
            TotalMemBytes = online.Sum(n => n.TotalMemoryBytes),
            UsedMemBytes = online.Sum(n => n.MemoryUsedBytes ?? 0),
            ReservedMemBytes = online.Sum(n => n.MemoryReservedBytes),
            AvgCpuPercent = online.Count(n => n.CpuPercent is not null) is > 0 and var k ? online.Sum(n => n.CpuPercent ?? 0) / k : null,
            AvgMemPercent = online.Count(n => n.MemoryPercent is not null) is > 0 and var j ? online.Sum(n => n.MemoryPercent ?? 0) / j : null,
            MaxAvgCpuTemp = online.Max(n => n.CurrentAvgTemp),
            PendingTasks = pending,
            RunningTasks = running,
            LastUpdated = _time.GetUtcNow(),
            SshProxyPort = _settings.SshProxyPort,
        };
    }

    // ---------------------------------------------------------------- internals (call under _gate)

    /// <summary>Every node's capacity and reservations now: O(nodes), from the ledger.</summary>
    private Dictionary<string, NodeCapacity> Capacities()
    {
        var result = new Dictionary<string, NodeCapacity>(StringComparer.Ordinal);
        foreach (var n in _nodes.Values)
        {
            var r = n.Stored.Registration;
            var name = n.Stored.Hostname;
            var held = _reserved.For(name);
            result[name] = new NodeCapacity(
                name,
                n.Stored.Status == NodeStatus.Online,
                r.TotalCores,
                r.TotalRamBytes,
                held.Cores,
                held.MemoryBytes,
                (r.NumaTopology ?? []).Where(kv => int.TryParse(kv.Key, out _)).ToDictionary(kv => int.Parse(kv.Key), kv => kv.Value.Cores.Count),
                new Dictionary<int, int>(held.NumaCores),
                (r.GpuInfo ?? []).Select(g => g.GpuId).ToHashSet(),
                held.Gpus.Keys.ToHashSet());
        }
        return result;
    }

    /// <summary>Whether some online node could take the smallest queued task now.</summary>
    private bool RoomForSmallest(IEnumerable<NodeCapacity> nodes)
    {
        var cores = _pending.MinCores;
        var memory = _pending.MinMemoryBytes;
        return nodes.Any(n => n.Online && n.FreeCores >= cores && n.FreeMemoryBytes >= memory);
    }

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

    private static NodeCapacity Reserve(NodeCapacity n, ResourceRequest r)
    {
        var numa = new Dictionary<int, int>(n.ReservedNumaCores);
        if (r.NumaNode is { } id) numa[id] = numa.GetValueOrDefault(id) + r.Cores;
        var gpus = new HashSet<int>(n.ReservedGpus);
        if (r.GpuIds is not null) gpus.UnionWith(r.GpuIds);
        return n with
        {
            ReservedCores = n.ReservedCores + r.Cores,
            ReservedMemoryBytes = n.ReservedMemoryBytes + r.MemoryBytes,
            ReservedNumaCores = numa,
            ReservedGpus = gpus,
        };
    }

    private void Move(ActiveTask a, RiverTaskStatus to, DateTimeOffset now)
    {
        if (!TaskLifecycle.CanMove(a.Task.Status, to))
            throw new InvalidOperationException($"task {a.Task.TaskId}: {a.Task.Status.ToWire()} -> {to.ToWire()} is not allowed");
        a.Task.Status = to;
        a.StatusSince = now;
        Reconcile(a);
        Changed(a);
    }

    private void Changed(ActiveTask a)
    {
        if (_changeWaiters.TryRemove(a.Task.TaskId, out var tcs)) tcs.TrySetResult();
    }

    private void Finish(ActiveTask a, RiverTaskStatus final, DateTimeOffset now)
    {
        Move(a, final, now);
        a.Task.CompletedAt ??= now;
        _active.Remove(a.Task.TaskId);
        _pending.Remove(a.Task.TaskId);
        // Completed after the caller's store write would be stricter, but every caller writes before releasing the
        // lock and continuations run asynchronously, after that write, because they must take the lock to read.
        if (_finishWaiters.TryRemove(a.Task.TaskId, out var tcs)) tcs.TrySetResult();
        DispatchSignal.Set();
    }
}
