using KohakuRiver.Core.Models;
using KohakuRiver.Core.Wire;
using KohakuRiver.Daemon.Docker;
using KohakuRiver.Daemon.Runner.Vps;

namespace KohakuRiver.Daemon.Runner.Execution;

/// <summary>VPS containers: started with sshd and the user's key, followed across container and engine restarts
/// (reporting the SSH port each time it changes), ended only by a stop or kill.</summary>
public sealed partial class TaskExecutor
{
    private async Task ExecuteVpsAsync(Run run)
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

            if (task.SshKeyMode != "disabled")
            {
                var found = false;
                foreach (var path in VpsContainerSpec.SshdCandidates)
                    if (await _docker.PathExistsAsync(id, path, ct).ConfigureAwait(false)) { found = true; break; }
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
                using var archive = AuthorizedKeysArchive.Build(task.SshPublicKey);
                await _docker.PutArchiveAsync(id, "/root", archive, ct).ConfigureAwait(false);
            }
            if (run.KillRequested || run.StopRequested)
            {
                await FinishAsync(run, run.KillRequested ? RiverTaskStatus.Killed : RiverTaskStatus.Stopped, null, "ended before it started").ConfigureAwait(false);
                return;
            }
            await _docker.StartContainerAsync(id, ct).ConfigureAwait(false);
            run.StartedAt = DateTimeOffset.UtcNow;
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

    private async Task AdoptVpsAsync(Run run)
    {
        try
        {
            var inspect = await _docker.InspectContainerAsync(run.ContainerId!, _stopping.Token).ConfigureAwait(false);
            if (inspect is null)
            {
                _runs.TryRemove(run.Task.TaskId, out _);
                return;
            }
            if (await DropIfNeverStartedAsync(run, inspect, _stopping.Token).ConfigureAwait(false)) return;
            run.StartedAt = inspect.State?.StartedAtTime;
            run.Paused = inspect.State?.Paused == true;
            if (inspect.State?.Running != true && inspect.State?.Restarting != true)
                await _docker.StartContainerAsync(run.ContainerId!, _stopping.Token).ConfigureAwait(false);
            await SuperviseVpsAsync(run).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            _log.LogError(e, "VPS {TaskId}: adopting its container failed", run.Task.TaskId);
        }
    }

    /// <summary>Reports the VPS running with its current port, then follows it until a stop or kill ends it.</summary>
    private async Task SuperviseVpsAsync(Run run)
    {
        var ct = _stopping.Token;
        var id = run.ContainerId!;
        int? reported = null;
        var delay = TimeSpan.FromMilliseconds(100);
        while (true)
        {
            ContainerInspect? inspect;
            try
            {
                inspect = await WaitUntilUpAsync(id, ct).ConfigureAwait(false);
            }
            catch (DockerApiException e) when (e.StatusCode == 0)
            {
                // The engine itself is restarting: our containers come back with it (restart policy).
                await Task.Delay(delay, ct).ConfigureAwait(false);
                delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 5000));
                continue;
            }
            delay = TimeSpan.FromMilliseconds(100);
            if (run.StopRequested || run.KillRequested) break;
            if (inspect?.State?.Running == true)
            {
                var port = VpsContainerSpec.PublishedSshPort(inspect);
                if (reported is null || port != reported)
                {
                    // Docker's port proxy accepts connections before sshd listens: report once sshd greets.
                    if (port is { } p) await WaitForSshBannerAsync(p, ct).ConfigureAwait(false);
                    await _host.ReportAsync(new TaskUpdateRequest { TaskId = run.Task.TaskId, Status = "running", StartedAt = run.StartedAt, SshPort = port }, ct).ConfigureAwait(false);
                    reported = port ?? 0;
                }
                try
                {
                    await _docker.WaitContainerAsync(id, ct).ConfigureAwait(false);
                }
                catch (DockerApiException e) when (e.StatusCode == 0)
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
            var exit = (int?)inspect?.State?.ExitCode;
            if (inspect is null)
            {
                await FinishAsync(run, RiverTaskStatus.Killed, null, $"VPS ended: {RemovedOutside}").ConfigureAwait(false);
                return;
            }
            if (await WhyEndedAsync(id, inspect, ct).ConfigureAwait(false) is { } ended)
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

    private async Task WaitForSshBannerAsync(int port, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                using var client = new System.Net.Sockets.TcpClient();
                using var attempt = CancellationTokenSource.CreateLinkedTokenSource(ct);
                attempt.CancelAfter(TimeSpan.FromSeconds(2));
                await client.ConnectAsync(_publishAddress, port, attempt.Token).ConfigureAwait(false);
                var buffer = new byte[4];
                var stream = client.GetStream();
                var read = 0;
                while (read < 4)
                {
                    var n = await stream.ReadAsync(buffer.AsMemory(read), attempt.Token).ConfigureAwait(false);
                    if (n == 0) break;
                    read += n;
                }
                if (read == 4 && System.Text.Encoding.ASCII.GetString(buffer) == "SSH-") return;
            }
            catch (Exception e) when (e is System.Net.Sockets.SocketException or IOException or OperationCanceledException && !ct.IsCancellationRequested)
            {
            }
            await Task.Delay(100, ct).ConfigureAwait(false);
        }
        _log.LogWarning("sshd did not greet on port {Port} within 20 s; reporting the VPS anyway", port);
    }

    /// <summary>Inspects the container, giving the restart policy a moment to bring back one that just exited.</summary>
    private async Task<ContainerInspect?> WaitUntilUpAsync(string id, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (true)
        {
            var inspect = await _docker.InspectContainerAsync(id, ct).ConfigureAwait(false);
            if (inspect?.State is not { Restarting: true } || DateTime.UtcNow > deadline) return inspect;
            await Task.Delay(100, ct).ConfigureAwait(false);
        }
    }

    public async Task StopVpsAsync(long taskId)
    {
        if (!_runs.TryGetValue(taskId, out var run))
        {
            _tombstones[taskId] = DateTimeOffset.UtcNow;
            return;
        }
        run.StopRequested = true;
        if (run.ContainerId is { } id)
        {
            if (run.Paused) await _docker.UnpauseContainerAsync(id, _stopping.Token).ConfigureAwait(false);
            await _docker.StopContainerAsync(id, 5, _stopping.Token).ConfigureAwait(false);
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
            await _docker.RestartContainerAsync(id, 5, _stopping.Token).ConfigureAwait(false);
            run.Paused = false;
            var inspect = await _docker.InspectContainerAsync(id, _stopping.Token).ConfigureAwait(false);
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
