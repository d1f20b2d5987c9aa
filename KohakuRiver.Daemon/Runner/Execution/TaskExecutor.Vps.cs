using KohakuRiver.Core.Models;
using KohakuRiver.Core.Wire;
using KohakuRiver.Daemon.Engine;
using KohakuRiver.Daemon.Resilience;
using KohakuRiver.Daemon.Runner.Vps;

namespace KohakuRiver.Daemon.Runner.Execution;

/// <summary>VPS containers: started with sshd and the user's key, followed across container and engine restarts
/// (reporting the SSH port each time it changes), ended only by a stop or kill.</summary>
public sealed partial class TaskExecutor
{
    // While the engine itself restarts (our containers come back with it, by their restart policy), supervision asks
    // again on this backoff rather than giving the VPS up.
    private static readonly RetryPolicy EngineComeback = new(TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(5));

    private async Task ExecuteVpsAsync(TaskRun run)
    {
        var ct = _stopping.Token;
        var task = run.Task;
        try
        {
            if (_tombstones.TryRemove(task.TaskId, out _) || run.KillRequested)
            {
                await FinishAsync(run, RiverTaskStatus.Killed, null, "killed before it started").ConfigureAwait(false);
                return;
            }
            if (await PrepareAsync(run, ct).ConfigureAwait(false) is not { } image || !await ResolveMountsAsync(run).ConfigureAwait(false)) return;
            var spec = VpsContainerSpec.Build(task, _settings, NodeName, _numa, _publishAddress, run.Mounts);
            var id = await CreateContainerAsync(run, spec, ct).ConfigureAwait(false);

            if (task.KeyMode != SshKeyMode.Disabled)
            {
                var found = false;
                foreach (var path in VpsContainerSpec.SshdCandidates)
                    if (await _engine.PathExistsAsync(id, path, ct).ConfigureAwait(false)) { found = true; break; }
                if (!found)
                {
                    await FinishAsync(run, RiverTaskStatus.Failed, null,
                        $"image '{image}' has no sshd (looked for {string.Join(", ", VpsContainerSpec.SshdCandidates)}): use an environment with openssh-server installed, or ssh_key_mode disabled").ConfigureAwait(false);
                    return;
                }
                if (string.IsNullOrWhiteSpace(task.SshPublicKey))
                {
                    await FinishAsync(run, RiverTaskStatus.Failed, null, "no SSH public key was given for this VPS").ConfigureAwait(false);
                    return;
                }
                // The key goes in as a file through the Engine API's archive upload: it never passes through a shell.
                using var archive = AuthorizedKeysArchive.Build(task.SshPublicKey, _time.GetUtcNow());
                await _engine.PutArchiveAsync(id, "/root", archive, ct).ConfigureAwait(false);
            }
            if (run.KillRequested || run.StopRequested)
            {
                await FinishAsync(run, run.KillRequested ? RiverTaskStatus.Killed : RiverTaskStatus.Stopped, null, "ended before it started").ConfigureAwait(false);
                return;
            }
            await _engine.StartContainerAsync(id, ct).ConfigureAwait(false);
            run.StartedAt = _time.GetUtcNow();
            await SuperviseVpsAsync(run).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            await FailAsync(run, e).ConfigureAwait(false);
        }
    }

    /// <summary>How long the VPS supervisor waits on a running container before it inspects it again.</summary>
    internal TimeSpan VpsRecheckInterval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Reports the VPS running with its current port, then follows it until a stop or kill ends it.</summary>
    private async Task SuperviseVpsAsync(TaskRun run)
    {
        var ct = _stopping.Token;
        var id = run.ContainerId!;
        int? reported = null;
        while (true)
        {
            var inspect = await EngineComeback.ExecuteAsync(attempt => WaitUntilUpAsync(id, attempt), IsEngineDown, time: _time, ct: ct).ConfigureAwait(false);
            if (run.StopRequested || run.KillRequested) break;
            if (inspect?.State.Running == true)
            {
                var port = VpsContainerSpec.PublishedSshPort(inspect);
                if (reported is null || port != reported)
                {
                    // Docker's port proxy accepts connections before sshd listens: report once sshd greets.
                    if (port is { } p) await WaitForSshBannerAsync(p, ct).ConfigureAwait(false);
                    await _host.ReportAsync(new TaskUpdateRequest { TaskId = run.Task.TaskId, Status = "running", StartedAt = run.StartedAt, SshPort = port }, ct).ConfigureAwait(false);
                    reported = port ?? 0;
                }
                // A wait armed after the container already died and was restarted (between the inspect above and
                // this call) would only end at the next exit, leaving the old port reported: the wait gives up after
                // a while, and the loop looks again.
                using var recheck = new CancellationTokenSource(VpsRecheckInterval, _time);
                using var waiting = CancellationTokenSource.CreateLinkedTokenSource(ct, recheck.Token);
                try
                {
                    await _engine.WaitContainerAsync(id, waiting.Token).ConfigureAwait(false);
                }
                catch (EngineException e) when (e.Kind == EngineErrorKind.Unavailable)
                {
                    continue;
                }
                catch (OperationCanceledException) when (!ct.IsCancellationRequested)
                {
                    continue;
                }
                if (run.Restarting is { } restarting) await restarting.ConfigureAwait(false);
                continue;
            }
            if (run.Restarting is { } pending)
            {
                await pending.ConfigureAwait(false);
                continue;
            }
            // Gone, or exited without the restart policy bringing it back: removed or killed from outside (the engine
            // does not restart a container it was told to kill), or it ended on its own.
            var exit = inspect?.State.ExitCode;
            if (inspect is null)
            {
                await FinishAsync(run, RiverTaskStatus.Killed, null, $"VPS ended: {RemovedOutside}").ConfigureAwait(false);
                return;
            }
            if (await WhyEndedAsync(inspect, ct).ConfigureAwait(false) is { } ended)
            {
                await FinishAsync(run, ended.Status, exit, $"VPS ended: {ended.Message}").ConfigureAwait(false);
                return;
            }
            var own = exit == 127 ? "sshd could not be started (see the container's log)" : $"its container stopped (exit code {exit})";
            await FinishAsync(run, RiverTaskStatus.Failed, exit, $"VPS ended: {own}").ConfigureAwait(false);
            return;
        }
        await FinishAsync(run, run.KillRequested ? RiverTaskStatus.Killed : RiverTaskStatus.Stopped, null,
            run.KillRequested ? "killed" : "stopped").ConfigureAwait(false);
    }

    private static bool IsEngineDown(Exception e) => e is EngineException { Kind: EngineErrorKind.Unavailable };

    /// <summary>Waits (up to 20 s) until sshd greets on <paramref name="port"/>; past that the VPS is reported anyway,
    /// with a warning, since sshd may just be slow.</summary>
    private async Task WaitForSshBannerAsync(int port, CancellationToken ct)
    {
        var deadline = _time.GetUtcNow().AddSeconds(20);
        while (_time.GetUtcNow() < deadline)
        {
            try
            {
                using var client = new System.Net.Sockets.TcpClient();
                using var attemptTimeout = new CancellationTokenSource(TimeSpan.FromSeconds(2), _time);
                using var attempt = CancellationTokenSource.CreateLinkedTokenSource(ct, attemptTimeout.Token);
                await client.ConnectAsync(_publishAddress, port, attempt.Token).ConfigureAwait(false);
                var buffer = new byte[4];
                var stream = client.GetStream();
                var read = 0;
                while (read < 4)
                {
                    var received = await stream.ReadAsync(buffer.AsMemory(read), attempt.Token).ConfigureAwait(false);
                    if (received == 0) break;
                    read += received;
                }
                if (read == 4 && System.Text.Encoding.ASCII.GetString(buffer) == "SSH-") return;
            }
            catch (Exception e) when (e is System.Net.Sockets.SocketException or IOException or OperationCanceledException && !ct.IsCancellationRequested)
            {
            }
            await Task.Delay(TimeSpan.FromMilliseconds(100), _time, ct).ConfigureAwait(false);
        }
        _log.LogWarning("sshd did not greet on port {Port} within 20 s; reporting the VPS anyway", port);
    }

    /// <summary>Inspects the container, giving the restart policy a moment to bring back one that just exited.</summary>
    private async Task<ContainerInfo?> WaitUntilUpAsync(string id, CancellationToken ct)
    {
        var deadline = _time.GetUtcNow().AddSeconds(15);
        while (true)
        {
            var inspect = await _engine.InspectContainerAsync(id, ct).ConfigureAwait(false);
            if (inspect?.State is not { Restarting: true } || _time.GetUtcNow() > deadline) return inspect;
            await Task.Delay(TimeSpan.FromMilliseconds(100), _time, ct).ConfigureAwait(false);
        }
    }

    public async Task StopVpsAsync(long taskId)
    {
        if (!_runs.TryGetValue(taskId, out var run))
        {
            _tombstones[taskId] = _time.GetUtcNow();
            return;
        }
        run.StopRequested = true;
        if (run.ContainerId is { } id)
        {
            if (run.Paused) await _engine.UnpauseContainerAsync(id, _stopping.Token).ConfigureAwait(false);
            await _engine.StopContainerAsync(id, 5, _stopping.Token).ConfigureAwait(false);
        }
    }

    /// <summary>Restarts a VPS container (same file system, so the same key; the same sshd options) and returns the
    /// port sshd is now published on.</summary>
    public async Task<int?> RestartVpsAsync(long taskId)
    {
        if (!_runs.TryGetValue(taskId, out var run) || !run.IsVps || run.ContainerId is not { } id)
            throw new RunnerTaskStateException(404, $"VPS {taskId} is not on {NodeName}");
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        run.Restarting = done.Task;
        try
        {
            await _engine.RestartContainerAsync(id, 5, _stopping.Token).ConfigureAwait(false);
            run.Paused = false;
            var inspect = await _engine.InspectContainerAsync(id, _stopping.Token).ConfigureAwait(false);
            var port = VpsContainerSpec.PublishedSshPort(inspect);
            // Answer once sshd greets, as creation does, so a login right after a restart works.
            if (port is { } p) await WaitForSshBannerAsync(p, _stopping.Token).ConfigureAwait(false);
            await _host.ReportAsync(new TaskUpdateRequest { TaskId = taskId, Status = "running", StartedAt = run.StartedAt, SshPort = port }, _stopping.Token).ConfigureAwait(false);
            return port;
        }
        finally
        {
            run.Restarting = null;
            done.TrySetResult();
        }
    }
}
