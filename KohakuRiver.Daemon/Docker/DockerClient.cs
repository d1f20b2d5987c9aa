using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace KohakuRiver.Daemon.Docker;

/// <summary>
/// A typed client of the Docker Engine API over its Unix socket. Thread-safe; one instance is meant to
/// be shared. Every non-success answer becomes a <see cref="DockerApiException"/>; the few answers that
/// mean "already in the wanted state" (e.g. 404 on remove) are swallowed where documented.
/// </summary>
public sealed class DockerClient : IDisposable
{
    // Pinned rather than negotiated: the engine on our hosts is 20.10 (API 1.41), and the models and the
    // log framing rules below are written for exactly that version.
    private const string Api = "v1.41/";

    private static readonly DockerJsonContext Json = DockerJsonContext.Default;

    private readonly HttpClient _http;

    public DockerClient(string socketPath = "/var/run/docker.sock")
    {
        ArgumentException.ThrowIfNullOrEmpty(socketPath);
        SocketPath = socketPath;
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (_, ct) =>
            {
                var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                try
                {
                    await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), ct).ConfigureAwait(false);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
            UseProxy = false,
            AllowAutoRedirect = false,
            UseCookies = false,
            AutomaticDecompression = DecompressionMethods.None,
        };
        // Wait and log-follow legitimately block for as long as a task runs, so the only limits are the
        // callers' cancellation tokens.
        _http = new HttpClient(handler) { BaseAddress = new Uri("http://docker/"), Timeout = Timeout.InfiniteTimeSpan };
    }

    public string SocketPath { get; }

    public void Dispose() => _http.Dispose();

    // ---------------------------------------------------------------- engine

    /// <summary>True when the engine answers <c>/_ping</c>; false (never an exception) when it cannot be reached.</summary>
    public async Task<bool> PingAsync(CancellationToken ct = default)
    {
        try
        {
            using var response = await SendAsync(HttpMethod.Get, "_ping", null, ct).ConfigureAwait(false);
            return response.IsSuccessStatusCode;
        }
        catch (DockerApiException)
        {
            return false;
        }
    }

    // ---------------------------------------------------------------- containers

    /// <summary>Creates a container and returns its id. A name already in use gives a 409 <see cref="DockerApiException"/>.</summary>
    public async Task<string> CreateContainerAsync(string name, ContainerCreateSpec spec, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(spec);
        string path = string.IsNullOrEmpty(name) ? "containers/create" : $"containers/create?name={Q(name)}";
        using var response = await SendAsync(HttpMethod.Post, path, JsonBody(spec, Json.ContainerCreateSpec), ct).ConfigureAwait(false);
        var created = await ReadJsonAsync(response, Json.IdResponse, ct).ConfigureAwait(false);
        return created.Id;
    }

    /// <summary>Starts a container; one that is already running is fine (304).</summary>
    public async Task StartContainerAsync(string id, CancellationToken ct = default)
    {
        using var response = await SendAsync(HttpMethod.Post, $"containers/{P(id)}/start", null, ct).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotModified) return;
        await EnsureSuccessAsync(response, ct).ConfigureAwait(false);
    }

    /// <summary>docker stop: SIGTERM, then SIGKILL after <paramref name="timeoutSeconds"/>. A stopped container stays
    /// stopped under an unless-stopped restart policy (a kill would be restarted). 304 (already stopped) is success.</summary>
    public async Task StopContainerAsync(string id, int timeoutSeconds = 10, CancellationToken ct = default)
    {
        using var response = await SendAsync(HttpMethod.Post, $"containers/{P(id)}/stop?t={timeoutSeconds}", null, ct).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotModified) return;
        await EnsureSuccessAsync(response, ct).ConfigureAwait(false);
    }

    /// <summary>Blocks until the container is not running and returns its exit status.</summary>
    public async Task<ContainerWaitResult> WaitContainerAsync(string id, CancellationToken ct = default)
    {
        using var response = await SendAsync(HttpMethod.Post, $"containers/{P(id)}/wait?condition=not-running", null, ct)
            .ConfigureAwait(false);
        return await ReadJsonAsync(response, Json.ContainerWaitResult, ct).ConfigureAwait(false);
    }

    /// <summary>Inspects a container by id or name; null when it does not exist.</summary>
    public async Task<ContainerInspect?> InspectContainerAsync(string idOrName, CancellationToken ct = default)
    {
        using var response = await SendAsync(HttpMethod.Get, $"containers/{P(idOrName)}/json", null, ct).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound) return null;
        return await ReadJsonAsync(response, Json.ContainerInspect, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Lists containers carrying all of the given labels: a value filters on <c>key=value</c>, a null
    /// value on the key's mere presence. <paramref name="all"/> includes stopped containers.
    /// </summary>
    public async Task<IReadOnlyList<ContainerSummary>> ListContainersAsync(
        IReadOnlyDictionary<string, string?> labelFilters, bool all = true, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(labelFilters);
        var path = new StringBuilder("containers/json?all=").Append(all ? '1' : '0');
        if (labelFilters.Count > 0)
        {
            var labels = labelFilters.Select(kv => kv.Value is null ? kv.Key : $"{kv.Key}={kv.Value}").ToList();
            var filters = new Dictionary<string, List<string>> { ["label"] = labels };
            path.Append("&filters=").Append(Q(JsonSerializer.Serialize(filters, Json.DictionaryStringListString)));
        }
        using var response = await SendAsync(HttpMethod.Get, path.ToString(), null, ct).ConfigureAwait(false);
        return await ReadJsonAsync(response, Json.ListContainerSummary, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Copies the container's output into <paramref name="stdout"/> and <paramref name="stderr"/>,
    /// flushing as data arrives. With <paramref name="follow"/> it returns when the container exits,
    /// otherwise once the output so far is copied. A TTY container has a single stream, which goes to stdout.
    /// </summary>
    public async Task CopyLogsAsync(string id, Stream stdout, Stream stderr, bool follow, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        await CopyLogsAsync(id, await IsTtyAsync(id, ct).ConfigureAwait(false), stdout, stderr, follow, ct).ConfigureAwait(false);
    }

    // API 1.41 labels neither kind of log stream with a Content-Type, so whether it is framed has to come from the
    // container's own configuration.
    private async Task<bool> IsTtyAsync(string id, CancellationToken ct)
    {
        var container = await InspectContainerAsync(id, ct).ConfigureAwait(false)
            ?? throw new DockerApiException(404, $"No such container: {id}");
        return container.Config?.Tty ?? false;
    }

    private async Task CopyLogsAsync(string id, bool tty, Stream stdout, Stream stderr, bool follow, CancellationToken ct)
    {
        string path = $"containers/{P(id)}/logs?stdout=1&stderr=1&follow={(follow ? 1 : 0)}";
        using var response = await SendAsync(HttpMethod.Get, path, null, ct).ConfigureAwait(false);
        await EnsureSuccessAsync(response, ct).ConfigureAwait(false);
        await using var body = await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false);
        if (tty)
            await CopyRawAsync(body, stdout, ct).ConfigureAwait(false);
        else
            await DockerLogDemuxer.DemuxAsync(body, stdout, stderr, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Copies a container's output while it runs and returns once it has stopped with all of it copied. Engine
    /// 20.10's follow stream can end with the container before it has passed on the last lines written just
    /// before the exit (its file watcher races the logger's close), so the stopped container's log, which is
    /// complete, is read once more and whatever the follow missed is appended. The same race can leave a follow
    /// open after the exit; it gets <paramref name="followGrace"/> (default 2 s) to end before it is cut.
    /// </summary>
    public async Task FollowLogsToExitAsync(string id, Stream stdout, Stream stderr, CancellationToken ct = default,
        TimeSpan? followGrace = null)
    {
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        bool tty = await IsTtyAsync(id, ct).ConfigureAwait(false);
        var outCopy = new LogCopyStream(stdout);
        var errCopy = ReferenceEquals(stdout, stderr) ? outCopy : new LogCopyStream(stderr);
        using var cut = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var follow = CopyLogsAsync(id, tty, outCopy, errCopy, follow: true, cut.Token);
        await WaitContainerAsync(id, ct).ConfigureAwait(false);
        cut.CancelAfter(followGrace ?? TimeSpan.FromSeconds(2));
        try
        {
            await follow.ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException && cut.IsCancellationRequested && !ct.IsCancellationRequested)
        {
            // Still open after the exit and cut (how the cut surfaces depends on where the read was): the read below
            // copies the rest.
        }
        var outRest = new LogCopyStream(stdout, outCopy.Seen);
        var errRest = ReferenceEquals(outCopy, errCopy) ? outRest : new LogCopyStream(stderr, errCopy.Seen);
        await CopyLogsAsync(id, tty, outRest, errRest, follow: false, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Whether the engine recorded an <c>oom</c> event for the container since <paramref name="since"/>, waiting up to
    /// <paramref name="grace"/> for one that arrives late. The container's <c>State.OOMKilled</c> flag is set only when
    /// containerd's OOM event reaches the engine before its exit event, and containerd does not order the two
    /// (containerd#8180, #12260); the engine still records the late event.
    /// </summary>
    public async Task<bool> SawOomEventAsync(string id, DateTimeOffset since, TimeSpan grace, CancellationToken ct = default) =>
        await FindContainerEventAsync(id, ["oom"], since, grace, ct).ConfigureAwait(false) is not null;

    /// <summary>
    /// The latest of the events <paramref name="actions"/> (<c>oom</c>, <c>kill</c>, …) the engine recorded for the
    /// container since <paramref name="since"/>, waiting up to <paramref name="grace"/> for one that arrives late; null
    /// when none. The check replays the engine's recent events (it keeps the last 256), polling every 200 ms until the
    /// deadline.
    /// </summary>
    public async Task<DockerEvent?> FindContainerEventAsync(string id, IReadOnlyList<string> actions, DateTimeOffset since, TimeSpan grace, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(id);
        var filters = new Dictionary<string, List<string>> { ["type"] = ["container"], ["container"] = [id], ["event"] = [.. actions] };
        var deadline = DateTimeOffset.UtcNow + grace;
        while (true)
        {
            var until = DateTimeOffset.UtcNow;
            if ((await GetEventsAsync(since, until, filters, ct).ConfigureAwait(false)).LastOrDefault(e => e.Action is { } a && actions.Contains(a)) is { } found)
                return found;
            if (until >= deadline) return null;
            await Task.Delay(TimeSpan.FromMilliseconds(200), ct).ConfigureAwait(false);
        }
    }

    /// <summary>The events the engine recorded between two times, oldest first; returns once <paramref name="until"/>
    /// is reached (events are newline-separated JSON objects on one long answer).</summary>
    public async Task<IReadOnlyList<DockerEvent>> GetEventsAsync(DateTimeOffset since, DateTimeOffset until,
        IReadOnlyDictionary<string, List<string>> filters, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(filters);
        var path = $"events?since={UnixTime(since)}&until={UnixTime(until)}&filters={Q(JsonSerializer.Serialize(new Dictionary<string, List<string>>(filters), Json.DictionaryStringListString))}";
        using var response = await SendAsync(HttpMethod.Get, path, null, ct).ConfigureAwait(false);
        await EnsureSuccessAsync(response, ct).ConfigureAwait(false);
        await using var body = await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false);
        using var reader = new StreamReader(body, Encoding.UTF8);
        var events = new List<DockerEvent>();
        while (await reader.ReadLineAsync(ct).ConfigureAwait(false) is { } line)
        {
            if (line.Length == 0) continue;
            try
            {
                if (JsonSerializer.Deserialize(line, Json.DockerEvent) is { } e) events.Add(e);
            }
            catch (JsonException e)
            {
                throw new DockerApiException(500, $"The Docker engine sent an event that is not JSON: {e.Message}");
            }
        }
        return events;
    }

    // Seconds since the epoch with nanoseconds, the engine's own format for since/until.
    private static string UnixTime(DateTimeOffset t)
    {
        var ticks = (t - DateTimeOffset.UnixEpoch).Ticks;
        return string.Create(CultureInfo.InvariantCulture, $"{ticks / TimeSpan.TicksPerSecond}.{ticks % TimeSpan.TicksPerSecond * 100:D9}");
    }

    /// <summary>Sends a signal; a container that is missing or not running is not an error (the goal, "it is not running", holds).</summary>
    public async Task KillContainerAsync(string id, string signal = "KILL", CancellationToken ct = default)
    {
        using var response = await SendAsync(HttpMethod.Post, $"containers/{P(id)}/kill?signal={Q(signal)}", null, ct)
            .ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound) return;
        if (response.StatusCode == HttpStatusCode.Conflict)
        {
            var error = await ReadErrorAsync(response, ct).ConfigureAwait(false);
            if (error.EngineMessage.Contains("is not running", StringComparison.OrdinalIgnoreCase)) return;
            throw error;
        }
        await EnsureSuccessAsync(response, ct).ConfigureAwait(false);
    }

    public async Task PauseContainerAsync(string id, CancellationToken ct = default)
    {
        using var response = await SendAsync(HttpMethod.Post, $"containers/{P(id)}/pause", null, ct).ConfigureAwait(false);
        await EnsureSuccessAsync(response, ct).ConfigureAwait(false);
    }

    public async Task UnpauseContainerAsync(string id, CancellationToken ct = default)
    {
        using var response = await SendAsync(HttpMethod.Post, $"containers/{P(id)}/unpause", null, ct).ConfigureAwait(false);
        await EnsureSuccessAsync(response, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Removes a container and its anonymous volumes. Missing is not an error, nor is a removal the engine
    /// is already doing (an AutoRemove container that just exited).
    /// </summary>
    public async Task RemoveContainerAsync(string id, bool force = true, CancellationToken ct = default)
    {
        using var response = await SendAsync(HttpMethod.Delete, $"containers/{P(id)}?v=1&force={(force ? 1 : 0)}", null, ct)
            .ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound) return;
        if (response.StatusCode == HttpStatusCode.Conflict)
        {
            var error = await ReadErrorAsync(response, ct).ConfigureAwait(false);
            if (error.EngineMessage.Contains("already in progress", StringComparison.OrdinalIgnoreCase)) return;
            throw error;
        }
        await EnsureSuccessAsync(response, ct).ConfigureAwait(false);
    }

    /// <summary>docker restart: stop (SIGTERM, SIGKILL after <paramref name="timeoutSeconds"/>) then start again.</summary>
    public async Task RestartContainerAsync(string id, int timeoutSeconds = 10, CancellationToken ct = default)
    {
        using var response = await SendAsync(HttpMethod.Post, $"containers/{P(id)}/restart?t={timeoutSeconds}", null, ct)
            .ConfigureAwait(false);
        await EnsureSuccessAsync(response, ct).ConfigureAwait(false);
    }

    // ---------------------------------------------------------------- files

    /// <summary>
    /// Extracts a tar stream into the container under <paramref name="path"/>, which must be an existing
    /// directory. Works on a created container that has never started, so files can be in place before
    /// its first process runs. Ownership and modes come from the tar headers.
    /// </summary>
    public async Task PutArchiveAsync(string containerId, string path, Stream tar, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(tar);
        var content = new StreamContent(tar, 81920);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-tar");
        using var response = await SendAsync(HttpMethod.Put, $"containers/{P(containerId)}/archive?path={Q(path)}", content, ct)
            .ConfigureAwait(false);
        await EnsureSuccessAsync(response, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Whether <paramref name="path"/> exists in the container's filesystem (running or not), e.g. to tell
    /// whether an image ships sshd. A missing container is an error, not "false".
    /// </summary>
    public async Task<bool> PathExistsAsync(string containerId, string path, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var response = await SendAsync(HttpMethod.Head, $"containers/{P(containerId)}/archive?path={Q(path)}", null, ct)
            .ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            // HEAD answers carry no body, so a missing file and a missing container look the same.
            if (await InspectContainerAsync(containerId, ct).ConfigureAwait(false) is null)
                throw new DockerApiException(404, $"No such container: {containerId}");
            return false;
        }
        await EnsureSuccessAsync(response, ct).ConfigureAwait(false);
        return true;
    }

    // ---------------------------------------------------------------- images

    /// <summary>Inspects an image by name or id; null when it does not exist.</summary>
    public async Task<ImageInspect?> InspectImageAsync(string name, CancellationToken ct = default)
    {
        using var response = await SendAsync(HttpMethod.Get, $"images/{ImagePath(name)}/json", null, ct).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound) return null;
        return await ReadJsonAsync(response, Json.ImageInspect, ct).ConfigureAwait(false);
    }

    /// <summary>Removes (untags) an image; a missing one is not an error.</summary>
    public async Task RemoveImageAsync(string name, bool force = false, CancellationToken ct = default)
    {
        using var response = await SendAsync(HttpMethod.Delete, $"images/{ImagePath(name)}?force={(force ? 1 : 0)}", null, ct)
            .ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound) return;
        await EnsureSuccessAsync(response, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Snapshots a container as <paramref name="repo"/>:<paramref name="tag"/> and returns the image id.
    /// The engine merges the container's labels into the image's; <paramref name="labels"/> win on conflict.
    /// </summary>
    public async Task<string> CommitContainerAsync(string id, string repo, string tag,
        IReadOnlyDictionary<string, string>? labels = null, CancellationToken ct = default) =>
        await CommitContainerAsync(id, repo, tag, labels, cmd: null, ct).ConfigureAwait(false);

    /// <summary>Commit that also sets the image's CMD (null keeps the container's), so that a container kept alive by
    /// a placeholder command commits back to its image's own default command.</summary>
    public async Task<string> CommitContainerAsync(string id, string repo, string tag,
        IReadOnlyDictionary<string, string>? labels, IReadOnlyList<string>? cmd, CancellationToken ct = default)
    {
        var path = new StringBuilder("commit?container=").Append(Q(id));
        if (!string.IsNullOrEmpty(repo)) path.Append("&repo=").Append(Q(repo));
        if (!string.IsNullOrEmpty(tag)) path.Append("&tag=").Append(Q(tag));
        var config = new CommitConfig
        {
            Labels = labels is null ? null : new Dictionary<string, string>(labels),
            Cmd = cmd is null ? null : [.. cmd],
        };
        using var response = await SendAsync(HttpMethod.Post, path.ToString(), JsonBody(config, Json.CommitConfig), ct)
            .ConfigureAwait(false);
        var created = await ReadJsonAsync(response, Json.IdResponse, ct).ConfigureAwait(false);
        return created.Id;
    }

    /// <summary>Streams <c>docker save</c>'s tarball of one image into <paramref name="destination"/>.</summary>
    public async Task SaveImageAsync(string name, Stream destination, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(destination);
        using var response = await SendAsync(HttpMethod.Get, $"images/{ImagePath(name)}/get", null, ct).ConfigureAwait(false);
        await EnsureSuccessAsync(response, ct).ConfigureAwait(false);
        await using var body = await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false);
        await body.CopyToAsync(destination, ct).ConfigureAwait(false);
        await destination.FlushAsync(ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Streams a <c>docker save</c> tarball to the engine. The engine answers 200 even when the load
    /// fails and reports the failure inside its JSON message stream; that becomes a
    /// <see cref="DockerApiException"/> with status 500 and the engine's message.
    /// </summary>
    public async Task LoadImageAsync(Stream tarball, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(tarball);
        var content = new StreamContent(tarball, 81920);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-tar");
        using var response = await SendAsync(HttpMethod.Post, "images/load?quiet=1", content, ct).ConfigureAwait(false);
        await EnsureSuccessAsync(response, ct).ConfigureAwait(false);
        byte[] messages = await ReadBodyBytesAsync(response, ct).ConfigureAwait(false);
        if (FindStreamError(messages) is { } error)
            throw new DockerApiException(500, error);
    }

    // ---------------------------------------------------------------- exec

    /// <summary>Creates an exec instance in a running container and returns its id.</summary>
    public async Task<string> CreateExecAsync(string containerId, ExecCreateSpec spec, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(spec);
        using var response = await SendAsync(HttpMethod.Post, $"containers/{P(containerId)}/exec",
            JsonBody(spec, Json.ExecCreateSpec), ct).ConfigureAwait(false);
        var created = await ReadJsonAsync(response, Json.IdResponse, ct).ConfigureAwait(false);
        return created.Id;
    }

    /// <summary>
    /// Starts an exec and returns the connection itself after the engine switches protocols: writes go to
    /// the process's stdin, reads are its output (raw for a TTY, multiplexed frames otherwise — see
    /// <see cref="DockerLogDemuxer"/>). Disposing the stream closes the connection.
    /// </summary>
    public async Task<Stream> StartExecAttachedAsync(string execId, bool tty, CancellationToken ct = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, Api + $"exec/{P(execId)}/start")
        {
            Content = JsonBody(new ExecStartSpec { Detach = false, Tty = tty }, Json.ExecStartSpec),
        };
        // Asking for the upgrade is what makes SocketsHttpHandler hand back a writable stream on 101;
        // without it the engine still hijacks the connection but HttpClient only lets us read it.
        request.Headers.Connection.Add("Upgrade");
        request.Headers.Upgrade.Add(new ProductHeaderValue("tcp"));
        var response = await SendAsync(request, ct).ConfigureAwait(false);
        try
        {
            if (response.StatusCode != HttpStatusCode.SwitchingProtocols)
            {
                await EnsureSuccessAsync(response, ct).ConfigureAwait(false);
                throw new DockerApiException((int)response.StatusCode,
                    $"The Docker engine did not upgrade the connection for exec {execId} (answered {(int)response.StatusCode}).");
            }
            return await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false);
        }
        catch
        {
            response.Dispose();
            throw;
        }
    }

    public async Task<ExecInspect> InspectExecAsync(string execId, CancellationToken ct = default)
    {
        using var response = await SendAsync(HttpMethod.Get, $"exec/{P(execId)}/json", null, ct).ConfigureAwait(false);
        return await ReadJsonAsync(response, Json.ExecInspect, ct).ConfigureAwait(false);
    }

    /// <summary>Resizes the TTY of a started exec.</summary>
    public async Task ResizeExecAsync(string execId, int rows, int cols, CancellationToken ct = default)
    {
        using var response = await SendAsync(HttpMethod.Post, $"exec/{P(execId)}/resize?h={rows}&w={cols}", null, ct)
            .ConfigureAwait(false);
        await EnsureSuccessAsync(response, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Runs a command in a running container without a TTY and returns its exit code and output (decoded
    /// as UTF-8). Output is held in memory, so this is for short commands.
    /// </summary>
    public async Task<(int ExitCode, string Stdout, string Stderr)> RunExecAsync(
        string containerId, IReadOnlyList<string> cmd, CancellationToken ct = default, int maxOutputBytes = int.MaxValue)
    {
        ArgumentNullException.ThrowIfNull(cmd);
        string execId = await CreateExecAsync(containerId,
            new ExecCreateSpec { Cmd = [.. cmd], AttachStdout = true, AttachStderr = true, Tty = false }, ct).ConfigureAwait(false);

        // A command that writes without end must not fill the daemon's memory: past the cap output is read and dropped.
        var stdout = new BoundedBuffer(maxOutputBytes);
        var stderr = new BoundedBuffer(maxOutputBytes);
        // Without the upgrade headers the engine still streams the output on this response and closes
        // the connection when the process's output ends, which is all a stdin-less exec needs.
        using (var response = await SendAsync(HttpMethod.Post, $"exec/{P(execId)}/start",
                   JsonBody(new ExecStartSpec { Detach = false, Tty = false }, Json.ExecStartSpec), ct).ConfigureAwait(false))
        {
            await EnsureSuccessAsync(response, ct).ConfigureAwait(false);
            await using var body = await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false);
            await DockerLogDemuxer.DemuxAsync(body, stdout, stderr, ct).ConfigureAwait(false);
        }

        // The output ends when the process closes it, which is normally at exit, but the engine records
        // the exit code a moment later; until then Running is still true and ExitCode not final.
        int delayMs = 2;
        ExecInspect info;
        while ((info = await InspectExecAsync(execId, ct).ConfigureAwait(false)).Running)
        {
            await Task.Delay(delayMs, ct).ConfigureAwait(false);
            delayMs = Math.Min(delayMs * 2, 100);
        }
        return (info.ExitCode ?? -1, stdout.Text(), stderr.Text());
    }

    // ---------------------------------------------------------------- plumbing

    private Task<HttpResponseMessage> SendAsync(HttpMethod method, string pathAndQuery, HttpContent? content, CancellationToken ct)
    {
        var request = new HttpRequestMessage(method, Api + pathAndQuery) { Content = content };
        return SendAndDisposeRequestAsync(request, ct);
    }

    private async Task<HttpResponseMessage> SendAndDisposeRequestAsync(HttpRequestMessage request, CancellationToken ct)
    {
        using (request) return await SendAsync(request, ct).ConfigureAwait(false);
    }

    // Headers only: bodies are read (or streamed) by the caller, which is what lets logs, save and the
    // hijacked exec stream flow instead of being buffered whole.
    private async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
    {
        try
        {
            return await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct).ConfigureAwait(false);
        }
        catch (HttpRequestException e)
        {
            throw Unreachable(e);
        }
    }

    private DockerApiException Unreachable(Exception e) =>
        e is HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError }
            ? new DockerApiException(0, $"Cannot connect to the Docker engine at unix://{SocketPath}: {e.InnerException?.Message ?? e.Message}", e)
            : new DockerApiException(0, $"The connection to the Docker engine at unix://{SocketPath} failed: {e.Message}", e);

    private async Task<T> ReadJsonAsync<T>(HttpResponseMessage response, JsonTypeInfo<T> type, CancellationToken ct)
    {
        await EnsureSuccessAsync(response, ct).ConfigureAwait(false);
        byte[] body = await ReadBodyBytesAsync(response, ct).ConfigureAwait(false);
        try
        {
            return JsonSerializer.Deserialize(body, type)
                ?? throw new DockerApiException((int)response.StatusCode, "The Docker engine answered with an empty body.");
        }
        catch (JsonException e)
        {
            throw new DockerApiException((int)response.StatusCode,
                $"The Docker engine's answer is not the expected JSON: {e.Message}", e);
        }
    }

    private async Task<byte[]> ReadBodyBytesAsync(HttpResponseMessage response, CancellationToken ct)
    {
        try
        {
            return await response.Content.ReadAsByteArrayAsync(ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is HttpRequestException or IOException)
        {
            throw Unreachable(e);
        }
    }

    private async Task EnsureSuccessAsync(HttpResponseMessage response, CancellationToken ct)
    {
        if (response.IsSuccessStatusCode) return;
        throw await ReadErrorAsync(response, ct).ConfigureAwait(false);
    }

    private async Task<DockerApiException> ReadErrorAsync(HttpResponseMessage response, CancellationToken ct)
    {
        int status = (int)response.StatusCode;
        byte[] body = await ReadBodyBytesAsync(response, ct).ConfigureAwait(false);
        string? message = null;
        try
        {
            message = JsonSerializer.Deserialize(body, Json.DockerErrorResponse)?.Message;
        }
        catch (JsonException)
        {
            // Not JSON (a proxy, or a very old engine path): fall back to the text itself.
        }
        if (string.IsNullOrWhiteSpace(message))
            message = Encoding.UTF8.GetString(body).Trim();
        if (string.IsNullOrEmpty(message))
            message = $"{status} {response.ReasonPhrase}";
        return new DockerApiException(status, message);
    }

    private static async Task CopyRawAsync(Stream source, Stream destination, CancellationToken ct)
    {
        // Not Stream.CopyToAsync: followers must see each chunk as soon as it arrives, so flush per read.
        byte[] buffer = new byte[16384];
        int read;
        while ((read = await source.ReadAsync(buffer, ct).ConfigureAwait(false)) > 0)
        {
            await destination.WriteAsync(buffer.AsMemory(0, read), ct).ConfigureAwait(false);
            await destination.FlushAsync(ct).ConfigureAwait(false);
        }
    }

    /// <summary>The first "error" (or "errorDetail.message") in a JSON message stream, or null.</summary>
    internal static string? FindStreamError(ReadOnlySpan<byte> messages)
    {
        var reader = new Utf8JsonReader(messages, new JsonReaderOptions { AllowMultipleValues = true });
        try
        {
            while (reader.Read())
            {
                using var doc = JsonDocument.ParseValue(ref reader);
                if (doc.RootElement.ValueKind != JsonValueKind.Object) continue;
                if (doc.RootElement.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.String
                    && error.GetString() is { Length: > 0 } text)
                    return text;
                if (doc.RootElement.TryGetProperty("errorDetail", out var detail) && detail.ValueKind == JsonValueKind.Object
                    && detail.TryGetProperty("message", out var detailMessage) && detailMessage.GetString() is { Length: > 0 } detailText)
                    return detailText;
            }
        }
        catch (JsonException)
        {
            // A stream we cannot parse is not proof of failure; the engine said 200.
        }
        return null;
    }

    private static StringContent JsonBody<T>(T value, JsonTypeInfo<T> type) =>
        new(JsonSerializer.Serialize(value, type), Encoding.UTF8, "application/json");

    // A path segment (container id/name, exec id).
    private static string P(string value)
    {
        ArgumentException.ThrowIfNullOrEmpty(value);
        return Uri.EscapeDataString(value);
    }

    // Image references contain '/' (repository paths) which the engine's router expects literally. Only a reference in
    // Docker's grammar is spliced in, so no '..' segment or query character can change which endpoint is called.
    private static string ImagePath(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (Core.Parsing.ImageReference.Why(name) is { } why) throw new ArgumentException(why, nameof(name));
        return string.Join('/', name.Split('/').Select(Uri.EscapeDataString));
    }

    private static string Q(string value) => Uri.EscapeDataString(value);
}
