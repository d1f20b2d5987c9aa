using System.Collections.Concurrent;
using KohakuRiver.Core.Models;
using KohakuRiver.Core.Wire;
using KohakuRiver.Daemon.Configuration;
using KohakuRiver.Daemon.Engine;
using KohakuRiver.Daemon.Security;
using KohakuRiver.Daemon.Runner.Agent;
using KohakuRiver.Daemon.Runner.Environments;
using KohakuRiver.Daemon.Runner.Resources;

namespace KohakuRiver.Daemon.Runner.Execution;

/// <summary>
/// Runs tasks in containers and reports their outcome. A task stays in <see cref="HeldTaskIds"/> until the host has
/// acknowledged its final report; only then is its container removed, so a runner restart in between finds the
/// container again (<see cref="AdoptAsync"/>) and reports its real outcome. This part launches and supervises command
/// tasks; the VPS and adoption parts sit beside it.
/// </summary>
public sealed partial class TaskExecutor : IAsyncDisposable
{
    private const string RemovedOutside = "its container was removed outside KohakuRiver (docker rm -f, say) while it ran";
    private const string OutOfMemory = "killed by the kernel: out of memory (container memory limit reached)";

    private readonly ConcurrentDictionary<long, TaskRun> _runs = new();
    // Tasks killed before their execute arrived (or while it was in flight): they must never start.
    private readonly ConcurrentDictionary<long, DateTimeOffset> _tombstones = new();
    private readonly IContainerEngine _engine;
    private readonly DaemonSettings _settings;
    private readonly ITaskReporter _host;
    private readonly ResourceDetector _resources;
    private readonly ImageSync _images;
    private readonly MountSecurityPolicy _mounts;
    private readonly TimeProvider _time;
    private readonly ILogger _log;
    private readonly CancellationTokenSource _stopping = new();
    // Each run and adoption is followed by a task of its own; they are kept here so that a stop can wait for them.
    private readonly List<Task> _background = [];
    private Dictionary<string, NumaNodeInfo>? _numa;
    // Where VPS ports are published: the address the host reaches this runner at.
    private readonly string _publishAddress;
    private int _stopped;

    public TaskExecutor(IContainerEngine engine, DaemonSettings settings, ITaskReporter host, ResourceDetector resources, ImageSync images,
        TimeProvider time, ILogger<TaskExecutor> log)
    {
        _engine = engine;
        _settings = settings;
        _host = host;
        _resources = resources;
        _images = images;
        _time = time;
        _log = log;
        _publishAddress = settings.RunnerAddress ?? RunnerAgent.LocalAddressToward(settings.HostAddress, settings.HostPort);
        Directory.CreateDirectory(settings.LogsDir);
        Directory.CreateDirectory(Path.Combine(settings.SharedDir, "shared_data"));
        Directory.CreateDirectory(settings.LocalTempDir);
        _mounts = new MountSecurityPolicy(settings, $"node {settings.NodeName}");
    }

    public string NodeName => _settings.NodeName;

    /// <summary>Every task this runner still holds: running, paused, or finished with its report unacknowledged.</summary>
    public IReadOnlyCollection<long> HeldTaskIds => _runs.Keys.ToList();

    /// <summary>The container of a task this runner holds and has started (a terminal, a command or a forward goes into
    /// it), or null when it holds no such task or the task has not got a container yet or is ending. Whether the
    /// container runs is the engine's to say.</summary>
    public string? ContainerFor(long taskId) =>
        _runs.TryGetValue(taskId, out var run) && run.ContainerId is { } id && !run.KillRequested && !run.StopRequested ? id : null;

    /// <summary>Takes a task from the host. A repeated execute of a task already held is acknowledged and ignored.</summary>
    public void Accept(TaskDto task)
    {
        var run = new TaskRun(task);
        if (!_runs.TryAdd(task.TaskId, run))
        {
            _log.LogInformation("Task {TaskId}: execute repeated; already held", task.TaskId);
            return;
        }
        Launch(() => run.IsVps ? ExecuteVpsAsync(run) : ExecuteAsync(run));
    }

    public async Task KillAsync(long taskId, string reason)
    {
        if (!_runs.TryGetValue(taskId, out var run))
        {
            _tombstones[taskId] = _time.GetUtcNow();
            PruneTombstones();
            return;
        }
        run.KillRequested = true;
        if (run.ContainerId is { } id)
        {
            _log.LogInformation("Task {TaskId}: killing container ({Reason})", taskId, reason);
            // A frozen container cannot take a signal; thaw it first.
            if (run.Paused) await _engine.UnpauseContainerAsync(id, _stopping.Token).ConfigureAwait(false);
            // A VPS has a restart policy that a kill would trigger; a stop is final for the engine.
            if (run.IsVps) await _engine.StopContainerAsync(id, 1, _stopping.Token).ConfigureAwait(false);
            else await _engine.KillContainerAsync(id, "KILL", _stopping.Token).ConfigureAwait(false);
        }
    }

    public async Task PauseAsync(long taskId, bool pause)
    {
        if (!_runs.TryGetValue(taskId, out var run) || run.ContainerId is not { } id)
            throw new RunnerTaskStateException(404, $"task {taskId} is not running on {NodeName}");
        try
        {
            if (pause) await _engine.PauseContainerAsync(id, _stopping.Token).ConfigureAwait(false);
            else await _engine.UnpauseContainerAsync(id, _stopping.Token).ConfigureAwait(false);
            run.Paused = pause;
        }
        catch (EngineException e) when (e.Kind is EngineErrorKind.Conflict or EngineErrorKind.NotFound)
        {
            throw new RunnerTaskStateException(409, $"task {taskId}: {e.Message}");
        }
    }

    private async Task ExecuteAsync(TaskRun run)
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
            await _engine.StartContainerAsync(id, ct).ConfigureAwait(false);
            run.StartedAt = _time.GetUtcNow();
            // A kill that arrived between create and start found the id but no process to signal.
            if (run.KillRequested) await _engine.KillContainerAsync(id, "KILL", ct).ConfigureAwait(false);
            Launch(() => _host.ReportAsync(new TaskUpdateRequest { TaskId = task.TaskId, Status = "running", StartedAt = run.StartedAt }, ct));
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
    private async Task<string> CreateContainerAsync(TaskRun run, ContainerSpec spec, CancellationToken ct)
    {
        string id;
        try
        {
            id = await _engine.CreateContainerAsync(run.ContainerName, spec, ct).ConfigureAwait(false);
        }
        catch (EngineException e) when (e.Kind == EngineErrorKind.Conflict)
        {
            var existing = await _engine.InspectContainerAsync(run.ContainerName, ct).ConfigureAwait(false);
            if (existing is not null && !ContainerLabels.IsLeftoverOf(existing.Labels, run.Task.TaskId, NodeName))
                throw new ContainerNameTakenException(
                    $"a container named {run.ContainerName} already exists and is not this node's container for task {run.Task.TaskId} " +
                    $"({ContainerLabels.Describe(existing.Labels)}); it was left alone. Remove it, or give hosts that share a Docker engine different id_instance settings");
            await _engine.RemoveContainerAsync(run.ContainerName, ct).ConfigureAwait(false);
            id = await _engine.CreateContainerAsync(run.ContainerName, spec, ct).ConfigureAwait(false);
        }
        run.ContainerId = id;
        return id;
    }

    /// <summary>An unexpected failure while starting or following a task or VPS: it fails with the reason.</summary>
    private async Task FailAsync(TaskRun run, Exception e)
    {
        var message = e is EngineException engine
            ? GpuStartFailure.Describe(NodeName, run.Task.RequiredGpus, engine) ?? $"Docker engine: {e.Message}"
            : e.Message;
        _log.LogWarning("{Kind} {TaskId} failed: {Message}", run.IsVps ? "VPS" : "Task", run.Task.TaskId, message);
        try
        {
            await FinishAsync(run, RiverTaskStatus.Failed, null, message).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
        }
    }

    /// <summary>Resolves and checks the task's own mounts immediately before its container is created, so that a link
    /// changed since submission is judged as it is now, and the engine is handed the resolved path. A refused mount
    /// fails the task with the reason.</summary>
    private async Task<bool> ResolveMountsAsync(TaskRun run)
    {
        var resolved = new List<MountSpec>();
        foreach (var mount in run.Task.AdditionalMounts)
        {
            var check = _mounts.Check(mount);
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
    private async Task<string?> PrepareAsync(TaskRun run, CancellationToken ct)
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
        if (await _engine.InspectImageAsync(task.Image, ct).ConfigureAwait(false) is null)
        {
            await FinishAsync(run, RiverTaskStatus.Failed, null, $"image '{task.Image}' is not on node {NodeName}").ConfigureAwait(false);
            return null;
        }
        return task.Image;
    }

    /// <summary>Copies the container's output into the task's log files while waiting for it to exit, then reports.</summary>
    private async Task SuperviseAsync(TaskRun run)
    {
        var ct = _stopping.Token;
        var id = run.ContainerId!;
        // FileMode.Create: an adopted container's output is copied again from its start, replacing a partial copy.
        static FileStream Open(string path) => new(path, FileMode.Create, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete, 16 * 1024);
        EngineException? followFailed = null;
        await using (var stdout = Open(TaskLogFiles.Stdout(_settings.LogsDir, run.Task.TaskId)))
        await using (var stderr = Open(TaskLogFiles.Stderr(_settings.LogsDir, run.Task.TaskId)))
        {
            try
            {
                await _engine.FollowLogsToExitAsync(id, stdout, stderr, ct).ConfigureAwait(false);
            }
            catch (EngineException e) when (e.Kind is EngineErrorKind.NotFound or EngineErrorKind.Conflict)
            {
                // Gone, or "dead or marked for removal": what was copied so far stays in the log.
                followFailed = e;
            }
        }
        var inspect = await _engine.InspectContainerAsync(id, ct).ConfigureAwait(false);
        if (inspect?.State.Status is "removing" or "dead") inspect = null;
        if (followFailed is not null && inspect is not null && !run.KillRequested) throw followFailed;
        var exitCode = inspect?.State.ExitCode;
        RiverTaskStatus status;
        string? message = null;
        if (run.KillRequested) { status = RiverTaskStatus.Killed; message = "killed"; }
        else if (inspect is null) { status = RiverTaskStatus.Killed; message = RemovedOutside; }
        else if (inspect.State.OomKilled) { status = RiverTaskStatus.KilledOom; message = OutOfMemory; }
        else if (exitCode == 0) status = RiverTaskStatus.Completed;
        else (status, message) = await WhyEndedAsync(inspect, ct).ConfigureAwait(false) ?? (RiverTaskStatus.Failed, $"exited with code {exitCode}");
        await FinishAsync(run, status, exitCode, message).ConfigureAwait(false);
    }

    /// <summary>
    /// Why a container that exited with an error did, from what the engine recorded: killed_oom when it was SIGKILLed
    /// under a memory limit and the engine saw the kernel's OOM kill (the OOMKilled flag alone misses the kills whose
    /// event reached the engine after the exit); killed when someone outside KohakuRiver had the engine kill it (docker
    /// kill, docker stop: the engine records a <c>kill</c> event with the signal, and none for a process that dies of
    /// its own signal or the kernel's); null when it ended on its own. The engine logs either event only after the
    /// signal landed, so a death by signal (exit code above 128) waits up to 2 s for it.
    /// </summary>
    private async Task<(RiverTaskStatus Status, string Message)?> WhyEndedAsync(ContainerInfo inspect, CancellationToken ct)
    {
        var state = inspect.State;
        var since = (state.StartedAt ?? _time.GetUtcNow().AddHours(-1)) - TimeSpan.FromSeconds(1);
        var grace = state.ExitCode > 128 ? TimeSpan.FromSeconds(2) : TimeSpan.Zero;
        var oomPossible = state.ExitCode == 137 && inspect.MemoryLimitBytes > 0;
        var seen = await _engine.FindContainerEventAsync(inspect.Id, oomPossible ? ["oom", "kill"] : ["kill"], since, grace, ct).ConfigureAwait(false);
        if (seen?.Action == "oom")
        {
            _log.LogInformation("Container {Id}: out of memory, known from the engine's oom event (its OOMKilled flag was not set)", inspect.Id);
            return (RiverTaskStatus.KilledOom, OutOfMemory);
        }
        if (seen is null) return null;
        var signal = seen.Attributes.GetValueOrDefault("signal") is { Length: > 0 } name ? $"signal {name}" : "a signal";
        return (RiverTaskStatus.Killed, $"killed outside KohakuRiver: the Docker engine was asked to send it {signal} (docker kill or docker stop)");
    }

    private async Task FinishAsync(TaskRun run, RiverTaskStatus status, int? exitCode, string? message)
    {
        var ct = _stopping.Token;
        await _host.ReportAsync(new TaskUpdateRequest
        {
            TaskId = run.Task.TaskId,
            Status = status.ToWire(),
            ExitCode = exitCode,
            Message = message,
            StartedAt = run.StartedAt,
            CompletedAt = _time.GetUtcNow(),
        }, ct).ConfigureAwait(false);
        if (run.ContainerId is { } id)
        {
            try
            {
                await _engine.RemoveContainerAsync(id, ct).ConfigureAwait(false);
            }
            catch (EngineException e)
            {
                _log.LogWarning("Task {TaskId}: container not removed: {Message}", run.Task.TaskId, e.Message);
            }
        }
        _runs.TryRemove(run.Task.TaskId, out _);
        await _images.CollectSupersededAsync(ct).ConfigureAwait(false);
    }

    private void PruneTombstones()
    {
        var cutoff = _time.GetUtcNow().AddHours(-1);
        foreach (var (id, at) in _tombstones)
            if (at < cutoff) _tombstones.TryRemove(id, out _);
    }

    /// <summary>Runs <paramref name="work"/> in the background, kept where <see cref="StopAsync"/> waits for it. Nothing
    /// starts once the executor is stopping.</summary>
    private void Launch(Func<Task> work)
    {
        lock (_background)
        {
            if (_stopping.IsCancellationRequested) return;
            _background.RemoveAll(task => task.IsCompleted);
            _background.Add(Task.Run(work));
        }
    }

    /// <summary>Stops following containers and waits (up to <paramref name="drainTimeout"/>, 10 s by default) for every
    /// run and adoption to wind down; the containers themselves run on, to be adopted by the next start.</summary>
    public async Task StopAsync(TimeSpan? drainTimeout = null)
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 1) return;
        Task[] pending;
        lock (_background)
        {
            _stopping.Cancel();
            pending = [.. _background];
            _background.Clear();
        }
        var drained = Task.WhenAll(pending);
        try
        {
            await drained.WaitAsync(drainTimeout ?? TimeSpan.FromSeconds(10), _time).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            _log.LogWarning("{Count} task supervisors did not stop within the drain time; leaving them", pending.Count(task => !task.IsCompleted));
        }
        catch (Exception e)
        {
            // Each supervisor handles its own failures; one that escaped is logged, not allowed to fail the shutdown.
            _log.LogError(drained.Exception ?? e, "A task supervisor failed while stopping");
        }
    }

    // The stopping token source is not disposed: a supervisor that outlived the drain may still read its token.
    public async ValueTask DisposeAsync() => await StopAsync().ConfigureAwait(false);
}
