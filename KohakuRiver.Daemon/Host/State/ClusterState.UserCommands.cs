using KohakuRiver.Core.Models;
using KohakuRiver.Daemon.Host.Records;

namespace KohakuRiver.Daemon.Host.State;

// User commands: kill, pause and resume, and a VPS's stop, restart and new SSH port. Where a runner must act, the
// state changes first and a RunnerNotice tells the caller which runner to call.
public sealed partial class ClusterState
{
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
                throw HostException.Conflict($"task {taskId} is {a.Task.Status.ToWire()}; only a {needed.ToWire()} task can be {(pause ? "paused" : "resumed")}");
            return Notice(a.Task, a.Task.NodeName);
        }
    }

    /// <summary>Records a pause or resume the runner has carried out (if the task has not moved on meanwhile).</summary>
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

    /// <summary>Stops a VPS: queued, it simply ends; on a node, it is marked stopped at once and the notice says which
    /// runner must stop and remove its container.</summary>
    public RunnerNotice? StopVps(long taskId)
    {
        lock (_gate)
        {
            var a = ActiveOrThrow(taskId);
            if (!a.Task.IsVps) throw HostException.Invalid($"task {taskId} is not a VPS; use kill");
            var wasOnNode = a.Task.Status.HoldsResources();
            var node = a.Task.NodeName;
            a.Task.ErrorMessage = "stopped by user";
            Finish(a, RiverTaskStatus.Stopped, _time.GetUtcNow());
            _store.UpdateTask(a.Task);
            return wasOnNode ? Notice(a.Task, node) : null;
        }
    }

    /// <summary>Checks a VPS can be restarted (it runs) and says which runner to ask.</summary>
    public RunnerNotice PrepareVpsRestart(long taskId)
    {
        lock (_gate)
        {
            var a = ActiveOrThrow(taskId);
            if (!a.Task.IsVps) throw HostException.Invalid($"task {taskId} is not a VPS");
            if (a.Task.Status != RiverTaskStatus.Running)
                throw HostException.Conflict($"VPS {taskId} is {a.Task.Status.ToWire()}; only a running VPS can be restarted");
            return Notice(a.Task, a.Task.NodeName);
        }
    }

    public void SetSshPort(long taskId, int? port)
    {
        lock (_gate)
        {
            if (!_active.TryGetValue(taskId, out var a) || a.Task.SshPort == port) return;
            a.Task.SshPort = port;
            _store.UpdateTask(a.Task);
            _waiters.SignalChange(a.Task.TaskId);
        }
    }

    public List<TaskRecord> ActiveVps()
    {
        lock (_gate)
            return _active.Values.Where(a => a.Task.IsVps).OrderByDescending(a => a.Task.TaskId).Select(a => a.Task.Clone()).ToList();
    }
}
