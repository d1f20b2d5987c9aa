using System.Collections.Concurrent;
using System.Globalization;
using KohakuRiver.Core.Models;
using KohakuRiver.Core.Wire;
using KohakuRiver.Daemon.Configuration;
using KohakuRiver.Daemon.Docker;
using KohakuRiver.Daemon.Environments;
using KohakuRiver.Daemon.Security;
using KohakuRiver.Daemon.Runner.Agent;
using KohakuRiver.Daemon.Runner.Environments;
using KohakuRiver.Daemon.Runner.Resources;

namespace KohakuRiver.Daemon.Runner.Execution;

/// <summary>
/// Runs tasks in containers through the Engine API and reports their outcome. A task stays in <see cref="HeldTaskIds"/>
/// until the host has acknowledged its final report; only then is its container removed, so a runner restart in
/// between finds the container again and reports its real outcome.
/// </summary>
public sealed partial class TaskExecutor : IDisposable
{
    private sealed class Run(RiverTask task)
    {
        public RiverTask Task { get; } = task;
        public bool IsVps => Task.TaskType == "vps";
        public string ContainerName { get; } = task.TaskType == "vps" ? Vps.VpsContainerSpec.ContainerName(task.TaskId) : ContainerLabels.TaskContainerName(task.TaskId);
        public volatile string? ContainerId;
        public volatile bool KillRequested;
        public volatile bool StopRequested;
        public volatile bool Paused;
        public volatile Task? Restarting;
        public DateTimeOffset? StartedAt;
        /// <summary>The task's own mounts, resolved and checked just before its container is created.</summary>
        public IReadOnlyList<MountSpec> Mounts = [];
    }

    private readonly ConcurrentDictionary<long, Run> _runs = new();
    // Tasks killed before their execute arrived (or while it was in flight): they must never start.
    private readonly ConcurrentDictionary<long, DateTimeOffset> _tombstones = new();
    private readonly DockerClient _docker;
    private readonly DaemonSettings _settings;
    private readonly HostLink _host;
    private readonly ResourceDetector _resources;
    private readonly ImageSync _images;
    private readonly MountSecurityPolicy _mounts;
    private readonly ILogger _log;
    private readonly CancellationTokenSource _stopping = new();
    private Dictionary<string, NumaNodeInfo>? _numa;
    // Where VPS ports are published: the address the host reaches this runner at.
    private readonly string _publishAddress;

    public TaskExecutor(DockerClient docker, DaemonSettings settings, HostLink host, ResourceDetector resources, ImageSync images, ILogger<TaskExecutor> log)
    {
        _images = images;
        _publishAddress = settings.RunnerAddress ?? Agent.RunnerAgent.LocalAddressToward(settings.HostAddress, settings.HostPort);
        _docker = docker;
        _settings = settings;
        _host = host;
        _resources = resources;
        _log = log;
        Directory.CreateDirectory(settings.LogsDir);
        Directory.CreateDirectory(Path.Combine(settings.SharedDir, "shared_data"));
        Directory.CreateDirectory(settings.LocalTempDir);
        _mounts = new MountSecurityPolicy(settings, $"node {settings.NodeName}");
    }

    public string NodeName => _settings.NodeName;

    /// <summary>Every task this runner still holds: running, paused, or finished with its report unacknowledged.</summary>
    public IReadOnlyCollection<long> HeldTaskIds => _runs.Keys.ToList();

    /// <summary>Takes a task from the host. A repeated execute of a task already held is acknowledged and ignored.</summary>
    public void Accept(RiverTask task)
    {
        var run = new Run(task);
        if (!_runs.TryAdd(task.TaskId, run))
        {
            _log.LogInformation("Task {TaskId}: execute repeated; already held", task.TaskId);
            return;
        }
        _ = Task.Run(() => run.IsVps ? ExecuteVpsAsync(run) : ExecuteAsync(run));
    }

    public async Task KillAsync(long taskId, string reason)
    {
        if (!_runs.TryGetValue(taskId, out var run))
        {
            _tombstones[taskId] = DateTimeOffset.UtcNow;
            PruneTombstones();
            return;
        }
        run.KillRequested = true;
        if (run.ContainerId is { } id)
        {
            _log.LogInformation("Task {TaskId}: killing container ({Reason})", taskId, reason);
            // A frozen container cannot take a signal; thaw it first.
            if (run.Paused) await _docker.UnpauseContainerAsync(id, _stopping.Token).ConfigureAwait(false);
            // A VPS has a restart policy that a kill would trigger; a stop is final for the engine.
            if (run.IsVps) await _docker.StopContainerAsync(id, 1, _stopping.Token).ConfigureAwait(false);
            else await _docker.KillContainerAsync(id, "KILL", _stopping.Token).ConfigureAwait(false);
        }
    }

    public async Task PauseAsync(long taskId, bool pause)
    {
        if (!_runs.TryGetValue(taskId, out var run) || run.ContainerId is not { } id)
            throw new RunnerTaskStateException(404, $"task {taskId} is not running on {NodeName}");
        try
        {
            if (pause) await _docker.PauseContainerAsync(id, _stopping.Token).ConfigureAwait(false);
            else await _docker.UnpauseContainerAsync(id, _stopping.Token).ConfigureAwait(false);
            run.Paused = pause;
        }
        catch (DockerApiException e) when (e.StatusCode is 409 or 404)
        {
            throw new RunnerTaskStateException(409, $"task {taskId}: {e.EngineMessage}");
        }
    }

    /// <summary>Finds this runner's own containers (by label) left from before a restart and follows them to the end.</summary>
    public async Task AdoptAsync(CancellationToken ct)
    {
        var containers = await _docker.ListContainersAsync(new Dictionary<string, string?>
        {
            [ContainerLabels.Managed] = "true",
            [ContainerLabels.Node] = NodeName,
        }, all: true, ct).ConfigureAwait(false);
        foreach (var c in containers)
        {
            var kind = c.Labels?.GetValueOrDefault(ContainerLabels.Kind);
            if (kind is not ("task" or "vps") || !c.Labels!.TryGetValue(ContainerLabels.TaskId, out var idText) ||
                !long.TryParse(idText, NumberStyles.None, CultureInfo.InvariantCulture, out var taskId)) continue;
            long? batch = c.Labels.TryGetValue(ContainerLabels.BatchId, out var b) && long.TryParse(b, out var bid) ? bid : null;
            var run = new Run(new RiverTask { TaskId = taskId, BatchId = batch, TaskType = kind == "vps" ? "vps" : "command" }) { ContainerId = c.Id };
            if (!_runs.TryAdd(taskId, run)) continue;
            _log.LogInformation("Task {TaskId}: adopting {Kind} container {Container} ({State})", taskId, kind, c.Id[..12], c.State);
            _ = Task.Run(() => run.IsVps ? AdoptVpsAsync(run) : AdoptOneAsync(run));
        }
    }

    private async Task AdoptOneAsync(Run run)
    {
        var ct = _stopping.Token;
        try
        {
            var inspect = await _docker.InspectContainerAsync(run.ContainerId!, ct).ConfigureAwait(false);
            if (inspect is null)
            {
                _runs.TryRemove(run.Task.TaskId, out _);
                return;
            }
            if (await DropIfNeverStartedAsync(run, inspect, ct).ConfigureAwait(false)) return;
            run.Paused = inspect.State?.Paused == true;
            run.StartedAt = inspect.State?.StartedAtTime;
            if (inspect.State?.Running == true)
                _ = _host.ReportAsync(new TaskUpdateRequest { TaskId = run.Task.TaskId, Status = "running", StartedAt = run.StartedAt }, ct);
            await SuperviseAsync(run).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            _log.LogError(e, "Task {TaskId}: adopting its container failed", run.Task.TaskId);
        }
    }

    private async Task ExecuteAsync(Run run)
    {
        var ct = _stopping.Token;
        var task = run.Task;
        try
        {
            if (_tombstones.TryRemove(task.TaskId, out _)) run.KillRequested = true;
            if (run.KillRequested)
            {
                await FinishAsync(run, RiverTaskStatus.Killed, null, "killed before it started").ConfigureAwait(false);
                return;
            }
            if (await PrepareAsync(run, ct).ConfigureAwait(false) is null || !await ResolveMountsAsync(run).ConfigureAwait(false)) return;
            var spec = ContainerSpecBuilder.Build(task, _settings, NodeName, _numa, run.Mounts);

            var id = await CreateContainerAsync(run, spec, ct).ConfigureAwait(false);
            if (run.KillRequested)
            {
                await FinishAsync(run, RiverTaskStatus.Killed, null, "killed before it started").ConfigureAwait(false);
                return;
            }
            await _docker.StartContainerAsync(id, ct).ConfigureAwait(false);
            run.StartedAt = DateTimeOffset.UtcNow;
            // A kill that arrived between create and start found the id but no process to signal.
            if (run.KillRequested) await _docker.KillContainerAsync(id, "KILL", ct).ConfigureAwait(false);
            _ = _host.ReportAsync(new TaskUpdateRequest { TaskId = task.TaskId, Status = "running", StartedAt = run.StartedAt }, ct);
            await SuperviseAsync(run).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            await FailAsync(run, e).ConfigureAwait(false);
        }
    }

    /// <summary>Creates the task's container. A container already holding the name is replaced only when its labels
    /// say it is a leftover of an earlier attempt at this very task on this node; anything else (another node's or
    /// another cluster's container, or one a person made) is left alone and the task fails naming it.</summary>
    private async Task<string> CreateContainerAsync(Run run, ContainerCreateSpec spec, CancellationToken ct)
    {
        string id;
        try
        {
            id = await _docker.CreateContainerAsync(run.ContainerName, spec, ct).ConfigureAwait(false);
        }
        catch (DockerApiException e) when (e.StatusCode == 409)
        {
            var existing = await _docker.InspectContainerAsync(run.ContainerName, ct).ConfigureAwait(false);
            if (existing is not null && !ContainerLabels.IsLeftoverOf(existing.Config?.Labels, run.Task.TaskId, NodeName))
                throw new ContainerNameTakenException(
                    $"a container named {run.ContainerName} already exists and is not this node's container for task {run.Task.TaskId} " +
                    $"({ContainerLabels.Describe(existing.Config?.Labels)}); it was left alone. Remove it, or give hosts that share a Docker engine different id_instance settings");
            await _docker.RemoveContainerAsync(run.ContainerName, force: true, ct).ConfigureAwait(false);
            id = await _docker.CreateContainerAsync(run.ContainerName, spec, ct).ConfigureAwait(false);
        }
        run.ContainerId = id;
        return id;
    }

    /// <summary>An unexpected failure while starting or following a task or VPS: it fails with the reason.</summary>
    private async Task FailAsync(Run run, Exception e)
    {
        var message = e is DockerApiException d ? $"Docker engine: {d.EngineMessage}" : e.Message;
        _log.LogWarning("{Kind} {TaskId} failed: {Message}", run.IsVps ? "VPS" : "Task", run.Task.TaskId, message);
        try
        {
            await FinishAsync(run, RiverTaskStatus.Failed, null, message).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
        }
    }

    /// <summary>A container created but never started before a runner restart: its task never ran, so it cannot run
    /// twice. The container goes and the task is let go; the host, whose task is still assigning, finds it missing
    /// from the next heartbeat and queues it again.</summary>
    private async Task<bool> DropIfNeverStartedAsync(Run run, ContainerInspect inspect, CancellationToken ct)
    {
        if (inspect.State?.Status != "created") return false;
        _log.LogInformation("{Kind} {TaskId}: its container was created but never started before the runner restarted; removed, so the host queues it again",
            run.IsVps ? "VPS" : "Task", run.Task.TaskId);
        await _docker.RemoveContainerAsync(run.ContainerId!, force: true, ct).ConfigureAwait(false);
        _runs.TryRemove(run.Task.TaskId, out _);
        return true;
    }

    /// <summary>Resolves and checks the task's own mounts immediately before its container is created, so that a link
    /// changed since submission is judged as it is now, and Docker is handed the resolved path. A refused mount fails
    /// the task with the reason.</summary>
    private async Task<bool> ResolveMountsAsync(Run run)
    {
        var resolved = new List<MountSpec>();
        foreach (var m in run.Task.AdditionalMounts)
        {
            var check = _mounts.Check(m);
            if (!check.Allowed)
            {
                await FinishAsync(run, RiverTaskStatus.Failed, null, check.Error).ConfigureAwait(false);
                return false;
            }
            resolved.Add(check.Mount!);
        }
        run.Mounts = resolved;
        return true;
    }

    /// <summary>Checks what this node allows and makes the image ready. On a problem the task is failed with the reason
    /// and null returned.</summary>
    private async Task<string?> PrepareAsync(Run run, CancellationToken ct)
    {
        var task = run.Task;
        if (task.Privileged && !_settings.AllowPrivileged)
        {
            await FinishAsync(run, RiverTaskStatus.Failed, null,
                $"privileged containers are not allowed on node {NodeName} (setting allow_privileged)").ConfigureAwait(false);
            return null;
        }
        _numa ??= _resources.NumaTopology();
        if (task.Image is null)
        {
            // An environment task runs in the newest published version, loaded here first if need be.
            try
            {
                task.DockerImageName = await _images.EnsureAsync(task.Environment ?? _settings.DefaultEnvironment, ct).ConfigureAwait(false);
            }
            catch (EnvironmentSyncException e)
            {
                await FinishAsync(run, RiverTaskStatus.Failed, null, e.Message).ConfigureAwait(false);
                return null;
            }
            return task.DockerImageName;
        }
        if (await _docker.InspectImageAsync(task.Image, ct).ConfigureAwait(false) is null)
        {
            await FinishAsync(run, RiverTaskStatus.Failed, null, $"image '{task.Image}' is not on node {NodeName}").ConfigureAwait(false);
            return null;
        }
        return task.Image;
    }

    /// <summary>Copies the container's output into the task's log files while waiting for it to exit, then reports.</summary>
    private async Task SuperviseAsync(Run run)
    {
        var ct = _stopping.Token;
        var id = run.ContainerId!;
        var taskId = run.Task.TaskId.ToString(CultureInfo.InvariantCulture);
        // FileMode.Create: an adopted container's output is copied again from its start, replacing a partial copy.
        DockerApiException? followFailed = null;
        await using (var stdout = new FileStream(Path.Combine(_settings.LogsDir, taskId + ".out"), FileMode.Create, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete, 16 * 1024))
        await using (var stderr = new FileStream(Path.Combine(_settings.LogsDir, taskId + ".err"), FileMode.Create, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete, 16 * 1024))
        {
            try
            {
                await _docker.FollowLogsToExitAsync(id, stdout, stderr, ct).ConfigureAwait(false);
            }
            catch (DockerApiException e) when (e.StatusCode is 404 or 409)
            {
                // Gone, or "dead or marked for removal": what was copied so far stays in the log.
                followFailed = e;
            }
        }
        var inspect = await _docker.InspectContainerAsync(id, ct).ConfigureAwait(false);
        if (inspect?.State?.Status is "removing" or "dead") inspect = null;
        if (followFailed is not null && inspect is not null && !run.KillRequested) throw followFailed;
        var exitCode = (int?)inspect?.State?.ExitCode;
        RiverTaskStatus status;
        string? message = null;
        if (run.KillRequested) { status = RiverTaskStatus.Killed; message = "killed"; }
        else if (inspect is null) { status = RiverTaskStatus.Killed; message = RemovedOutside; }
        else if (inspect.State?.OOMKilled == true) { status = RiverTaskStatus.KilledOom; message = OutOfMemory; }
        else if (exitCode == 0) status = RiverTaskStatus.Completed;
        else (status, message) = await WhyEndedAsync(id, inspect, ct).ConfigureAwait(false) ?? (RiverTaskStatus.Failed, $"exited with code {exitCode}");
        await FinishAsync(run, status, exitCode, message).ConfigureAwait(false);
    }

    private const string RemovedOutside = "its container was removed outside KohakuRiver (docker rm -f, say) while it ran";
    private const string OutOfMemory = "killed by the kernel: out of memory (container memory limit reached)";

    /// <summary>
    /// Why a container that exited with an error did, from what the engine recorded: killed_oom when it was SIGKILLed
    /// under a memory limit and the engine saw the kernel's OOM kill (containerd may deliver the OOM after the exit,
    /// so the OOMKilled flag alone misses it: containerd#8180, #12260); killed when someone outside KohakuRiver had
    /// the engine kill it (docker kill, docker stop: the engine records a <c>kill</c> event with the signal, and none
    /// for a process that dies of its own signal or the kernel's); null when it ended on its own. The engine logs
    /// either event only after the signal landed, so a death by signal (exit code above 128) waits up to 2 s for it.
    /// </summary>
    private async Task<(RiverTaskStatus Status, string Message)?> WhyEndedAsync(string id, ContainerInspect inspect, CancellationToken ct)
    {
        var state = inspect.State!;
        var since = (state.StartedAtTime ?? DateTimeOffset.UtcNow.AddHours(-1)) - TimeSpan.FromSeconds(1);
        var grace = state.ExitCode > 128 ? TimeSpan.FromSeconds(2) : TimeSpan.Zero;
        var oomPossible = state.ExitCode == 137 && inspect.HostConfig?.Memory is > 0;
        var seen = await _docker.FindContainerEventAsync(id, oomPossible ? ["oom", "kill"] : ["kill"], since, grace, ct).ConfigureAwait(false);
        if (seen?.Action == "oom")
        {
            _log.LogInformation("Container {Id}: out of memory, known from the engine's oom event (its OOMKilled flag was not set)", id);
            return (RiverTaskStatus.KilledOom, OutOfMemory);
        }
        if (seen is null) return null;
        var signal = seen.Actor?.Attributes?.GetValueOrDefault("signal") is { Length: > 0 } s ? $"signal {s}" : "a signal";
        return (RiverTaskStatus.Killed, $"killed outside KohakuRiver: the Docker engine was asked to send it {signal} (docker kill or docker stop)");
    }

    private async Task FinishAsync(Run run, RiverTaskStatus status, int? exitCode, string? message)
    {
        var ct = _stopping.Token;
        await _host.ReportAsync(new TaskUpdateRequest
        {
            TaskId = run.Task.TaskId,
            Status = status.ToWire(),
            ExitCode = exitCode,
            Message = message,
            StartedAt = run.StartedAt,
            CompletedAt = DateTimeOffset.UtcNow,
        }, ct).ConfigureAwait(false);
        if (run.ContainerId is { } id)
        {
            try
            {
                await _docker.RemoveContainerAsync(id, force: true, ct).ConfigureAwait(false);
            }
            catch (DockerApiException e)
            {
                _log.LogWarning("Task {TaskId}: container not removed: {Message}", run.Task.TaskId, e.EngineMessage);
            }
        }
        _runs.TryRemove(run.Task.TaskId, out _);
        await _images.CollectSupersededAsync(ct).ConfigureAwait(false);
    }

    private void PruneTombstones()
    {
        var cutoff = DateTimeOffset.UtcNow.AddHours(-1);
        foreach (var (id, at) in _tombstones)
            if (at < cutoff) _tombstones.TryRemove(id, out _);
    }

    /// <summary>Stops following containers; the containers themselves run on, to be adopted by the next start.</summary>
    public void Dispose()
    {
        _stopping.Cancel();
        _stopping.Dispose();
    }
}

/// <summary>The task's container name is held by a container this runner does not own.</summary>
public sealed class ContainerNameTakenException(string message) : Exception(message);

public sealed class RunnerTaskStateException(int statusCode, string message) : Exception(message)
{
    public int StatusCode { get; } = statusCode;
}
