using KohakuRiver.Core.Models;
using System.Globalization;
using KohakuRiver.Core.Wire;
using KohakuRiver.Daemon.Engine;

namespace KohakuRiver.Daemon.Runner.Execution;

/// <summary>Adoption: after a runner restart, this runner's own containers (found by label) are followed to their end as
/// if it had never gone.</summary>
public sealed partial class TaskExecutor
{
    /// <summary>Finds this runner's own containers (by label) left from before a restart and follows them to the end.
    /// A container with our name but without our labels is never adopted.</summary>
    public async Task AdoptAsync(CancellationToken ct)
    {
        var containers = await _engine.ListContainersAsync(new Dictionary<string, string?>
        {
            [ContainerLabels.Managed] = "true",
            [ContainerLabels.Node] = NodeName,
        }, all: true, ct).ConfigureAwait(false);
        foreach (var container in containers)
        {
            var kind = container.Labels.GetValueOrDefault(ContainerLabels.Kind);
            if (kind is not ("task" or "vps") || !container.Labels.TryGetValue(ContainerLabels.TaskId, out var idText) ||
                !long.TryParse(idText, NumberStyles.None, CultureInfo.InvariantCulture, out var taskId)) continue;
            long? batch = container.Labels.TryGetValue(ContainerLabels.BatchId, out var batchText) &&
                          long.TryParse(batchText, NumberStyles.None, CultureInfo.InvariantCulture, out var batchId) ? batchId : null;
            var run = new TaskRun(new TaskDto { TaskId = taskId, BatchId = batch, TaskType = kind == TaskKindNames.Vps ? TaskKindNames.Vps : TaskKindNames.Command }) { ContainerId = container.Id };
            if (!_runs.TryAdd(taskId, run)) continue;
            _log.LogInformation("Task {TaskId}: adopting {Kind} container {Container} ({State})", taskId, kind, container.Id[..Math.Min(12, container.Id.Length)], container.State);
            Launch(() => AdoptAsync(run));
        }
    }

    /// <summary>Takes a container found at start back under supervision: a task's is followed to its end, a VPS's is
    /// started again if it was down.</summary>
    private async Task AdoptAsync(TaskRun run)
    {
        var ct = _stopping.Token;
        try
        {
            var inspect = await _engine.InspectContainerAsync(run.ContainerId!, ct).ConfigureAwait(false);
            if (inspect is null)
            {
                _runs.TryRemove(run.Task.TaskId, out _);
                return;
            }
            if (await DropIfNeverStartedAsync(run, inspect, ct).ConfigureAwait(false)) return;
            run.Paused = inspect.State.Paused;
            run.StartedAt = inspect.State.StartedAt;
            if (run.IsVps)
            {
                // The VPS supervisor reports it running once sshd answers.
                if (!inspect.State.Running && !inspect.State.Restarting)
                    await _engine.StartContainerAsync(run.ContainerId!, ct).ConfigureAwait(false);
                await SuperviseVpsAsync(run).ConfigureAwait(false);
                return;
            }
            if (inspect.State.Running)
                Launch(() => _host.ReportAsync(new TaskUpdateRequest { TaskId = run.Task.TaskId, Status = "running", StartedAt = run.StartedAt }, ct));
            await SuperviseAsync(run).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            _log.LogError(e, "{Kind} {TaskId}: adopting its container failed", run.IsVps ? "VPS" : "Task", run.Task.TaskId);
        }
    }

    /// <summary>A container created but never started before a runner restart: its task never ran, so it cannot run
    /// twice. The container goes and the task is let go; the host, whose task is still assigning, finds it missing
    /// from the next heartbeat and queues it again.</summary>
    private async Task<bool> DropIfNeverStartedAsync(TaskRun run, ContainerInfo inspect, CancellationToken ct)
    {
        if (inspect.State.Status != "created") return false;
        _log.LogInformation("{Kind} {TaskId}: its container was created but never started before the runner restarted; removed, so the host queues it again",
            run.IsVps ? "VPS" : "Task", run.Task.TaskId);
        await _engine.RemoveContainerAsync(run.ContainerId!, ct).ConfigureAwait(false);
        _runs.TryRemove(run.Task.TaskId, out _);
        return true;
    }
}
