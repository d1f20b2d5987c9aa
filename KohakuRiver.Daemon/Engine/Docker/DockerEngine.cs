using System.Globalization;
using Docker.DotNet;
using Docker.DotNet.Models;
using Docker.DotNet.Unix;

namespace KohakuRiver.Daemon.Engine.Docker;

/// <summary>
/// <see cref="IContainerEngine"/> on the Docker engine through Docker.DotNet, over the engine's Unix socket. Thread-safe;
/// one instance is meant to be shared.
/// </summary>
public sealed class DockerEngine : IContainerEngine, IDisposable
{
    // Pinned rather than negotiated: the engine on our hosts is 20.10 (API 1.41), and the behaviour this adapter works
    // around (the follow stream's race, the late oom event) is that version's.
    private static readonly System.Version ApiVersion = new(1, 41);

    private readonly DockerClient _client;
    private readonly TimeProvider _time;

    public DockerEngine(string socketPath = "/var/run/docker.sock", TimeProvider? time = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(socketPath);
        SocketPath = socketPath;
        _time = time ?? TimeProvider.System;
        _client = new DockerClientBuilder()
            .WithEndpoint(new Uri("unix://" + socketPath))
            .WithApiVersion(ApiVersion)
            // Wait, log follow, commit and load legitimately take as long as they take: the callers' tokens are the limits.
            .WithTimeout(Timeout.InfiniteTimeSpan)
            .WithTransportOptions(new UnixSocketTransportOptions())
            .Build();
    }

    public string SocketPath { get; }

    /// <summary>The library client itself, for tests that set up what the product never does.</summary>
    public DockerClient Client => _client;

    public void Dispose() => _client.Dispose();

    // ---------------------------------------------------------------- engine

    public async Task<bool> PingAsync(CancellationToken ct = default)
    {
        try
        {
            await _client.System.PingAsync(ct).ConfigureAwait(false);
            return true;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return false;
        }
    }

    // ---------------------------------------------------------------- containers

    public Task<string> CreateContainerAsync(string name, ContainerSpec spec, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var parameters = DockerSpecMapping.ToCreateParameters(spec);
        if (!string.IsNullOrEmpty(name)) parameters.Name = name;
        return CallAsync(async () => (await _client.Containers.CreateContainerAsync(parameters, ct).ConfigureAwait(false)).ID);
    }

    public Task StartContainerAsync(string id, CancellationToken ct = default) =>
        CallAsync(() => _client.Containers.StartContainerAsync(Required(id), null, ct));

    public Task StopContainerAsync(string id, int timeoutSeconds, CancellationToken ct = default) =>
        CallAsync(() => _client.Containers.StopContainerAsync(Required(id), new ContainerStopParameters { WaitBeforeKillSeconds = (uint)Math.Max(0, timeoutSeconds) }, ct));

    public async Task KillContainerAsync(string id, string signal = "KILL", CancellationToken ct = default)
    {
        try
        {
            await CallAsync(() => _client.Containers.KillContainerAsync(Required(id), new ContainerKillParameters { Signal = signal }, ct)).ConfigureAwait(false);
        }
        catch (EngineException e) when (e.Kind == EngineErrorKind.NotFound ||
                                        e.Kind == EngineErrorKind.Conflict && e.Message.Contains("is not running", StringComparison.OrdinalIgnoreCase))
        {
        }
    }

    public async Task RemoveContainerAsync(string id, CancellationToken ct = default)
    {
        try
        {
            await CallAsync(() => _client.Containers.RemoveContainerAsync(Required(id), new ContainerRemoveParameters { Force = true, RemoveVolumes = true }, ct))
                .ConfigureAwait(false);
        }
        catch (EngineException e) when (e.Kind == EngineErrorKind.NotFound ||
                                        e.Kind == EngineErrorKind.Conflict && e.Message.Contains("already in progress", StringComparison.OrdinalIgnoreCase))
        {
            // Gone, or an AutoRemove container the engine is removing itself right now.
        }
    }

    public Task<long> WaitContainerAsync(string id, CancellationToken ct = default) =>
        CallAsync(async () => (await _client.Containers.WaitContainerAsync(Required(id), ct).ConfigureAwait(false)).StatusCode);

    public async Task<ContainerInfo?> InspectContainerAsync(string idOrName, CancellationToken ct = default)
    {
        try
        {
            var inspect = await CallAsync(() => _client.Containers.InspectContainerAsync(Required(idOrName), ct)).ConfigureAwait(false);
            return DockerSpecMapping.ToContainerInfo(inspect);
        }
        catch (EngineException e) when (e.Kind == EngineErrorKind.NotFound)
        {
            return null;
        }
    }

    public Task<IReadOnlyList<ContainerListing>> ListContainersAsync(IReadOnlyDictionary<string, string?> labels, bool all = true,
        CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(labels);
        var parameters = new ContainersListParameters { All = all };
        if (labels.Count > 0)
        {
            parameters.Filters = new Dictionary<string, IDictionary<string, bool>>
            {
                ["label"] = labels.ToDictionary(label => label.Value is null ? label.Key : $"{label.Key}={label.Value}", _ => true),
            };
        }
        return CallAsync<IReadOnlyList<ContainerListing>>(async () =>
            (await _client.Containers.ListContainersAsync(parameters, ct).ConfigureAwait(false)).Select(DockerSpecMapping.ToListing).ToList());
    }

    public Task PauseContainerAsync(string id, CancellationToken ct = default) =>
        CallAsync(() => _client.Containers.PauseContainerAsync(Required(id), ct));

    public Task UnpauseContainerAsync(string id, CancellationToken ct = default) =>
        CallAsync(() => _client.Containers.UnpauseContainerAsync(Required(id), ct));

    public Task RestartContainerAsync(string id, int timeoutSeconds, CancellationToken ct = default) =>
        CallAsync(() => _client.Containers.RestartContainerAsync(Required(id), new ContainerRestartParameters { WaitBeforeKillSeconds = (uint)Math.Max(0, timeoutSeconds) }, ct));

    // ---------------------------------------------------------------- logs

    /// <summary>
    /// Copies the container's output into <paramref name="stdout"/> and <paramref name="stderr"/>, flushing as data
    /// arrives. With <paramref name="follow"/> it returns when the container exits (though see
    /// <see cref="FollowLogsToExitAsync"/>), otherwise once the output so far is copied.
    /// </summary>
    public Task CopyLogsAsync(string id, Stream stdout, Stream stderr, bool follow, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        return CallAsync(async () =>
        {
            using var logs = await _client.Containers.GetContainerLogsAsync(Required(id),
                new ContainerLogsParameters { ShowStdout = true, ShowStderr = true, Follow = follow }, ct).ConfigureAwait(false);
            await OutputCopy.CopyAsync(logs, stdout, stderr, ct).ConfigureAwait(false);
        });
    }

    /// <summary>
    /// Engine 20.10's follow stream can end with the container before it has passed on the last lines written just
    /// before the exit (its file watcher races the logger's close), so the stopped container's log, which is complete,
    /// is read once more and whatever the follow missed is appended. The same race can leave a follow open after the
    /// exit; it gets <paramref name="followGrace"/> (default 2 s) to end before it is cut.
    /// </summary>
    public Task FollowLogsToExitAsync(string id, Stream stdout, Stream stderr, CancellationToken ct = default) =>
        FollowLogsToExitAsync(id, stdout, stderr, followGrace: null, ct);

    /// <inheritdoc cref="FollowLogsToExitAsync(string, Stream, Stream, CancellationToken)"/>
    public async Task FollowLogsToExitAsync(string id, Stream stdout, Stream stderr, TimeSpan? followGrace, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        var outCopy = new LogCopyStream(stdout);
        var errCopy = ReferenceEquals(stdout, stderr) ? outCopy : new LogCopyStream(stderr);
        using var cut = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var follow = CopyLogsAsync(id, outCopy, errCopy, follow: true, cut.Token);
        try
        {
            await WaitContainerAsync(id, ct).ConfigureAwait(false);
        }
        catch
        {
            cut.Cancel();
            await Task.WhenAny(follow).ConfigureAwait(false);
            throw;
        }
        cut.CancelAfter(followGrace ?? TimeSpan.FromSeconds(2));
        try
        {
            await follow.ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or EngineException && cut.IsCancellationRequested && !ct.IsCancellationRequested)
        {
            // Still open after the exit and cut (how the cut surfaces depends on where the read was): the read below
            // copies the rest.
        }
        var outRest = new LogCopyStream(stdout, outCopy.Seen);
        var errRest = ReferenceEquals(outCopy, errCopy) ? outRest : new LogCopyStream(stderr, errCopy.Seen);
        await CopyLogsAsync(id, outRest, errRest, follow: false, ct).ConfigureAwait(false);
    }

    // ---------------------------------------------------------------- events

    /// <summary>
    /// The engine replays its recent events (it keeps the last 256) for the check, which polls every 200 ms until the
    /// deadline: the engine logs an <c>oom</c> or <c>kill</c> only after the signal landed, and containerd does not order
    /// its OOM event before the exit (which is why the OOMKilled flag alone misses some).
    /// </summary>
    public async Task<ContainerEvent?> FindContainerEventAsync(string id, IReadOnlyList<string> actions, DateTimeOffset since, TimeSpan grace,
        CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(id);
        ArgumentNullException.ThrowIfNull(actions);
        var filters = new Dictionary<string, IDictionary<string, bool>>
        {
            ["type"] = new Dictionary<string, bool> { ["container"] = true },
            ["container"] = new Dictionary<string, bool> { [id] = true },
            ["event"] = actions.ToDictionary(action => action, _ => true),
        };
        var deadline = _time.GetUtcNow() + grace;
        while (true)
        {
            var until = _time.GetUtcNow();
            var found = (await GetEventsAsync(since, until, filters, ct).ConfigureAwait(false)).LastOrDefault(e => actions.Contains(e.Action));
            if (found is not null) return found;
            if (until >= deadline) return null;
            await Task.Delay(TimeSpan.FromMilliseconds(200), _time, ct).ConfigureAwait(false);
        }
    }

    /// <summary>The events the engine recorded between two times, oldest first; returns once <paramref name="until"/> is
    /// reached. <paramref name="filters"/> as the engine takes them, e.g. container → {id: true}.</summary>
    public Task<IReadOnlyList<ContainerEvent>> GetEventsAsync(DateTimeOffset since, DateTimeOffset until,
        IDictionary<string, IDictionary<string, bool>> filters, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(filters);
        var collected = new CollectingProgress<Message>();
        return CallAsync<IReadOnlyList<ContainerEvent>>(async () =>
        {
            await _client.System.MonitorEventsAsync(
                new ContainerEventsParameters { Since = UnixTime(since), Until = UnixTime(until), Filters = filters }, collected, ct).ConfigureAwait(false);
            return collected.Items.Select(DockerSpecMapping.ToEvent).ToList();
        });
    }

    // Seconds since the epoch with nanoseconds, the engine's own format for since/until.
    private static string UnixTime(DateTimeOffset time)
    {
        var ticks = (time - DateTimeOffset.UnixEpoch).Ticks;
        return string.Create(CultureInfo.InvariantCulture, $"{ticks / TimeSpan.TicksPerSecond}.{ticks % TimeSpan.TicksPerSecond * 100:D9}");
    }

    // ---------------------------------------------------------------- files

    public Task PutArchiveAsync(string id, string path, Stream tar, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(tar);
        return CallAsync(() => _client.Containers.ExtractArchiveToContainerAsync(Required(id), new CopyToContainerParameters { Path = path }, tar, ct));
    }

    public async Task<bool> PathExistsAsync(string id, string path, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        try
        {
            await CallAsync(() => _client.Containers.GetArchiveFromContainerAsync(Required(id), new ContainerPathStatParameters { Path = path }, statOnly: true, ct))
                .ConfigureAwait(false);
            return true;
        }
        catch (EngineException e) when (e.Kind == EngineErrorKind.NotFound)
        {
            // The stat is a HEAD request, whose answer has no body: a missing file and a missing container look the same.
            if (await InspectContainerAsync(id, ct).ConfigureAwait(false) is null) throw;
            return false;
        }
    }

    // ---------------------------------------------------------------- exec

    public Task<ExecResult> RunExecAsync(string id, IReadOnlyList<string> cmd, CancellationToken ct = default, int maxOutputBytes = int.MaxValue)
    {
        ArgumentNullException.ThrowIfNull(cmd);
        return CallAsync(async () =>
        {
            var exec = await _client.Exec.CreateContainerExecAsync(Required(id),
                new ContainerExecCreateParameters { Cmd = [.. cmd], AttachStdout = true, AttachStderr = true }, ct).ConfigureAwait(false);
            // A command that writes without end must not fill the daemon's memory: past the cap output is read and dropped.
            var stdout = new BoundedBuffer(maxOutputBytes);
            var stderr = new BoundedBuffer(maxOutputBytes);
            using (var output = await _client.Exec.StartContainerExecAsync(exec.ID, new ContainerExecStartParameters { Detach = false }, ct).ConfigureAwait(false))
                await OutputCopy.CopyAsync(output, stdout, stderr, ct).ConfigureAwait(false);

            // The output ends when the process closes it, normally at exit; the exit code is recorded a moment later.
            var info = (await EngineErrors.WaitExecEndedAsync(_client, exec.ID, _time, deadline: null, ct).ConfigureAwait(false))!;
            return new ExecResult((int)(info.ExitCode ?? -1), stdout.Text(), stderr.Text());
        });
    }

    /// <summary>
    /// API 1.41 takes no window size at exec start, so the size is set right after it, before the caller reads a byte:
    /// a shell that asks for its size at start (to lay out its prompt) sees the requested one or, at worst, redraws on
    /// the SIGWINCH that follows.
    /// </summary>
    public Task<ITtyExec> StartTtyExecAsync(string id, IReadOnlyList<string> cmd, int rows, int cols, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(cmd);
        if (cmd.Count == 0 || string.IsNullOrEmpty(cmd[0])) throw new ArgumentException("the command is empty", nameof(cmd));
        ArgumentOutOfRangeException.ThrowIfLessThan(rows, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(cols, 1);
        return CallAsync<ITtyExec>(async () =>
        {
            var exec = await _client.Exec.CreateContainerExecAsync(Required(id), new ContainerExecCreateParameters
            {
                Cmd = [.. cmd],
                TTY = true,
                AttachStdin = true,
                AttachStdout = true,
                AttachStderr = true,
                // Programs that look at TERM (clear, less, vi) need one; the reference's xterm clients emulate this.
                Env = ["TERM=xterm-256color"],
            }, ct).ConfigureAwait(false);
            var stream = await _client.Exec.StartContainerExecAsync(exec.ID, new ContainerExecStartParameters { TTY = true, Detach = false }, ct)
                .ConfigureAwait(false);
            var tty = new DockerTtyExec(_client, exec.ID, stream, SocketPath, _time);
            try
            {
                await ResizeUnlessEndedAsync(tty, rows, cols, ct).ConfigureAwait(false);
            }
            catch
            {
                try
                {
                    await tty.HangUpAsync(CancellationToken.None).ConfigureAwait(false);
                }
                catch (IOException)
                {
                    // Best effort: the resize's failure is the one to report.
                }
                await tty.DisposeAsync().ConfigureAwait(false);
                throw;
            }
            return tty;
        });
    }

    // A command that ended at once cannot be resized, and needs no size: its output is still there to read.
    private async Task ResizeUnlessEndedAsync(DockerTtyExec tty, int rows, int cols, CancellationToken ct)
    {
        try
        {
            await tty.ResizeAsync(rows, cols, ct).ConfigureAwait(false);
        }
        catch (EngineException)
        {
            if ((await _client.Exec.InspectContainerExecAsync(tty.Id, ct).ConfigureAwait(false)).Running) throw;
        }
    }

    // ---------------------------------------------------------------- images

    public async Task<ImageInfo?> InspectImageAsync(string name, CancellationToken ct = default)
    {
        try
        {
            var image = await CallAsync(() => _client.Images.InspectImageAsync(ImageName(name), ct)).ConfigureAwait(false);
            return DockerSpecMapping.ToImageInfo(image);
        }
        catch (EngineException e) when (e.Kind == EngineErrorKind.NotFound)
        {
            return null;
        }
    }

    public async Task RemoveImageAsync(string name, bool force = false, CancellationToken ct = default)
    {
        try
        {
            await CallAsync(() => _client.Images.DeleteImageAsync(ImageName(name), new ImageDeleteParameters { Force = force }, ct)).ConfigureAwait(false);
        }
        catch (EngineException e) when (e.Kind == EngineErrorKind.NotFound)
        {
        }
    }

    public Task<string> CommitContainerAsync(string id, string repo, string tag, IReadOnlyDictionary<string, string>? labels,
        IReadOnlyList<string>? cmd = null, CancellationToken ct = default)
    {
        var parameters = new CommitContainerChangesParameters
        {
            ContainerID = Required(id),
            RepositoryName = string.IsNullOrEmpty(repo) ? null : repo,
            Tag = string.IsNullOrEmpty(tag) ? null : tag,
            Labels = labels is null ? null! : new Dictionary<string, string>(labels),
            Cmd = cmd is null ? null! : [.. cmd],
        };
        return CallAsync(async () => (await _client.Images.CommitContainerChangesAsync(parameters, ct).ConfigureAwait(false)).ID);
    }

    public Task SaveImageAsync(string name, Stream destination, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(destination);
        return CallAsync(async () =>
        {
            await using var tarball = await _client.Images.SaveImageAsync(ImageName(name), ct).ConfigureAwait(false);
            await tarball.CopyToAsync(destination, ct).ConfigureAwait(false);
            await destination.FlushAsync(ct).ConfigureAwait(false);
        });
    }

    /// <summary>The engine answers 200 even when a load fails and reports the failure inside its message stream; that
    /// becomes an <see cref="EngineException"/> with the engine's message.</summary>
    public async Task LoadImageAsync(Stream tarball, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(tarball);
        var messages = new CollectingProgress<JSONMessage>();
        await CallAsync(() => _client.Images.LoadImageAsync(new ImageLoadParameters { Quiet = true }, tarball, messages, ct)).ConfigureAwait(false);
        if (messages.Items.FirstOrDefault(m => !string.IsNullOrEmpty(m.Error?.Message)) is { } failed)
            throw new EngineException(EngineErrorKind.Other, failed.Error!.Message!);
    }

    // ---------------------------------------------------------------- plumbing

    private Task CallAsync(Func<Task> call) => EngineErrors.CallAsync(call, SocketPath);

    private Task<T> CallAsync<T>(Func<Task<T>> call) => EngineErrors.CallAsync(call, SocketPath);

    private static string Required(string id)
    {
        ArgumentException.ThrowIfNullOrEmpty(id);
        return id;
    }

    // The library splices image names into the request path as they are, and references contain '/', which the
    // engine's router takes literally. Only a reference in Docker's grammar goes in, so no '..' segment or query
    // character can change which endpoint is called.
    private static string ImageName(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (Core.Parsing.ImageReference.Why(name) is { } why) throw new ArgumentException(why, nameof(name));
        return name;
    }
}
