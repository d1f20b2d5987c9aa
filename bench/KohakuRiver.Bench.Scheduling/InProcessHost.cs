using System.Diagnostics;
using KohakuRiver.Core.Models;
using KohakuRiver.Core.Wire;
using KohakuRiver.Daemon.Configuration;
using KohakuRiver.Daemon.Host.State;
using KohakuRiver.Daemon.Host.Storage;
using Microsoft.Extensions.Logging.Abstractions;

namespace KohakuRiver.Bench.Scheduling;

/// <summary>
/// The host's own state and SQLite store in this process, driven as the dispatcher and the runners' reports drive
/// them, without HTTP: what is timed is the host's bookkeeping and placement, not the network.
/// </summary>
internal sealed class InProcessHost : IDisposable
{
    private readonly string _root;
    private readonly HostStore _store;
    private readonly ClusterState _state;
    private readonly List<long> _running = [];
    private readonly Dictionary<long, int> _runningIndex = [];

    private InProcessHost(string root, HostStore store, ClusterState state)
    {
        _root = root;
        _store = store;
        _state = state;
    }

    public int Queued { get; private set; }
    public int Running => _running.Count;
    public double SubmitMilliseconds { get; private set; }
    public int DispatchedDuringDrain { get; private set; }

    public static InProcessHost Start(IEnumerable<RegisterRequest> nodes)
    {
        var root = Directory.CreateTempSubdirectory("kohakuriver-bench-scheduling-").FullName;
        var settings = new DaemonSettings
        {
            DataDir = Path.Combine(root, "data"),
            SharedDir = Path.Combine(root, "shared"),
            LocalTempDir = Path.Combine(root, "local"),
            HeartbeatIntervalSeconds = 3600,
        };
        Directory.CreateDirectory(settings.DataDir);
        var store = new HostStore(settings.DatabasePath);
        var state = new ClusterState(store, settings, TimeProvider.System, NullLogger<ClusterState>.Instance);
        foreach (var node in nodes) state.Register(node);
        return new InProcessHost(root, store, state);
    }

    /// <summary>Submits the tasks as the host's largest batches; returns how many were accepted.</summary>
    public int Submit(List<SubmitRequest> tasks)
    {
        var clock = Stopwatch.StartNew();
        var accepted = 0;
        foreach (var chunk in tasks.Chunk(RequestLimits.MaxBatchTasks))
            accepted += _state.Submit(chunk).TaskIds.Count;
        SubmitMilliseconds = clock.Elapsed.TotalMilliseconds;
        Queued += accepted;
        return accepted;
    }

    /// <summary>Places what fits now and has the runners accept it; returns how many were placed.</summary>
    public int DispatchAll()
    {
        var placed = _state.TakeDispatches();
        Accept(placed);
        return placed.Count;
    }

    /// <summary>The runners start what was placed (each reports it running).</summary>
    private void Accept(List<PlacedTask> placed)
    {
        foreach (var dispatch in placed)
        {
            var id = dispatch.Task.TaskId;
            _state.ApplyUpdate(new TaskUpdateRequest { TaskId = id, Status = RiverTaskStatus.Running.ToWire() });
            _runningIndex[id] = _running.Count;
            _running.Add(id);
        }
        Queued -= placed.Count;
    }

    public long RunningTaskAt(int index) => _running[index];

    /// <summary>One running task completes (the runner's report, applied and stored), then the host places what now
    /// fits (what one dispatch signal does). Returns the time of each step and how many tasks were placed.</summary>
    public (double ReportMs, double DecisionMs, int Placed) FinishAndDispatch(long taskId)
    {
        var clock = Stopwatch.StartNew();
        Complete(taskId);
        var report = clock.Elapsed.TotalMilliseconds;
        clock.Restart();
        var placed = _state.TakeDispatches();
        var decision = clock.Elapsed.TotalMilliseconds;
        Accept(placed);
        return (report, decision, placed.Count);
    }

    /// <summary>Every running task completes, then the host places what fits.</summary>
    public void FinishAllAndDispatch()
    {
        foreach (var id in _running.ToList()) Complete(id);
        DispatchedDuringDrain += DispatchAll();
    }

    private void Complete(long taskId)
    {
        _state.ApplyUpdate(new TaskUpdateRequest { TaskId = taskId, Status = RiverTaskStatus.Completed.ToWire(), ExitCode = 0 });
        var index = _runningIndex[taskId];
        var last = _running[^1];
        _running[index] = last;
        _runningIndex[last] = index;
        _running.RemoveAt(_running.Count - 1);
        _runningIndex.Remove(taskId);
    }

    public void Dispose()
    {
        _store.Dispose();
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
