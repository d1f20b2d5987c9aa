using KohakuRiver.Core.Models;
using KohakuRiver.Core.Wire;

namespace KohakuRiver.Daemon.Host.State;

// Runner reports: a runner's status update for one task (POST /api/update). The request's fields were checked by the
// API layer (WireChecks.Update).
public sealed partial class ClusterState
{
    public UpdateOutcome ApplyUpdate(TaskUpdateRequest u)
    {
        if (!TaskStatusNames.TryParse(u.Status, out var status))
            throw HostException.Invalid($"status '{u.Status}' is not a task status");
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
                _waiters.SignalChange(a.Task.TaskId);
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
}
