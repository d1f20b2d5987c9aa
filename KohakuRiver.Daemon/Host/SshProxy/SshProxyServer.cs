using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using KohakuRiver.Core.Ssh;
using KohakuRiver.Daemon.Configuration;
using KohakuRiver.Daemon.Host.Metrics;
using KohakuRiver.Daemon.Security;

namespace KohakuRiver.Daemon.Host.SshProxy;

/// <summary>
/// The host's SSH proxy (default port 8002): one request line, <c>REQUEST_TUNNEL &lt;task_id&gt; &lt;api_token&gt;</c>,
/// then a plain TCP relay to the VPS's sshd. Nothing about the VPS is touched and no connection to it is
/// made before the token has been checked and the task resolved, so an unauthenticated client learns
/// nothing and reaches nothing. The reference system's token-less line is refused with a hint. Tunnels opened, open
/// and the bytes they relay are counted in <see cref="HostMetrics"/> (when given one).
/// </summary>
public sealed class SshProxyServer(DaemonSettings settings, ISshTargetResolver resolver, ILogger<SshProxyServer> log,
    HostMetrics? metrics = null)
    : BackgroundService
{
    private const string Usage = SshTunnel.RequestVerb + " <task_id> <api token>";

    private readonly TaskCompletionSource<int> _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ConcurrentDictionary<long, Task> _sessions = new();
    private Socket? _listener;
    private long _nextSession;
    private int _activeSessions;

    /// <summary>Completes with the bound port once listening (fails if binding failed).</summary>
    public Task<int> Started => _started.Task;

    /// <summary>The port actually listened on (useful with <see cref="DaemonSettings.SshProxyPort"/> 0); 0 before start.</summary>
    public int BoundPort => _started.Task.IsCompletedSuccessfully ? _started.Task.Result : 0;

    /// <summary>Connections being handled: handshaking or relaying.</summary>
    public int ActiveSessions => Volatile.Read(ref _activeSessions);

    /// <summary>How long a client has to send its request line.</summary>
    internal TimeSpan RequestTimeout { get; set; } = SshTunnel.HandshakeTimeout;

    /// <summary>How long connecting to the VPS's sshd may take.</summary>
    internal TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(5);

    // Bound here rather than in ExecuteAsync so that a port in use fails the host's start instead of
    // leaving a host without its proxy.
    public override Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            var address = IPAddress.Parse(settings.HostBindAddress);
            var listener = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                if (address.Equals(IPAddress.IPv6Any)) listener.DualMode = true;
                listener.Bind(new IPEndPoint(address, settings.SshProxyPort));
                listener.Listen(512);
            }
            catch
            {
                listener.Dispose();
                throw;
            }
            _listener = listener;
            int port = ((IPEndPoint)listener.LocalEndPoint!).Port;
            log.LogInformation("SSH proxy listening on {Address}:{Port}", settings.HostBindAddress, port);
            _started.TrySetResult(port);
        }
        catch (Exception e)
        {
            _started.TrySetException(e);
            throw;
        }
        return base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var listener = _listener!;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                Socket client;
                try
                {
                    client = await listener.AcceptAsync(stoppingToken).ConfigureAwait(false);
                }
                catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException && stoppingToken.IsCancellationRequested)
                {
                    break;
                }
                catch (SocketException e) when (e.SocketErrorCode is SocketError.ConnectionReset or SocketError.ConnectionAborted)
                {
                    // A client that gave up before we accepted it; the listener itself is fine.
                    continue;
                }
                catch (SocketException e)
                {
                    // E.g. out of file descriptors: pause rather than spin, and keep serving once it passes.
                    log.LogWarning("SSH proxy cannot accept connections: {Error}", e.Message);
                    try
                    {
                        await Task.Delay(TimeSpan.FromMilliseconds(200), stoppingToken).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException)
                    {
                        break;
                    }
                    continue;
                }
                long id = Interlocked.Increment(ref _nextSession);
                Interlocked.Increment(ref _activeSessions);
                var registered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                _sessions[id] = TrackAsync(id, registered.Task, client, stoppingToken);
                registered.SetResult();
            }
        }
        finally
        {
            listener.Dispose();
            await Task.WhenAll(_sessions.Values).ConfigureAwait(false);
        }
    }

    public override void Dispose()
    {
        _listener?.Dispose();
        base.Dispose();
    }

    /// <summary>Runs one session and then drops it from <see cref="_sessions"/>, which shutdown waits on. It starts only
    /// once it is in the map, so its removal can never come before its entry.</summary>
    private async Task TrackAsync(long id, Task registered, Socket client, CancellationToken stop)
    {
        await registered.ConfigureAwait(false);
        try
        {
            await HandleAsync(client, stop).ConfigureAwait(false);
        }
        finally
        {
            _sessions.TryRemove(id, out _);
        }
    }

    private async Task HandleAsync(Socket client, CancellationToken stop)
    {
        // Off the accept loop at once, so a client that trickles its request cannot delay the next accept.
        await Task.Yield();
        string peer = "unknown";
        Socket? target = null;
        try
        {
            peer = client.RemoteEndPoint?.ToString() ?? peer;
            client.NoDelay = true;
            Request request;
            using (var limit = CancellationTokenSource.CreateLinkedTokenSource(stop))
            {
                limit.CancelAfter(RequestTimeout);
                try
                {
                    request = await ReadRequestAsync(client, limit.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!stop.IsCancellationRequested)
                {
                    request = Request.Refused($"no request line within {RequestTimeout.TotalSeconds:0.#} s");
                }
            }
            if (request.Error is not null || request.Line is null)
            {
                if (request.Error is null) return; // the client left without a word
                await RefuseAsync(client, peer, "?", request.Error, stop).ConfigureAwait(false);
                return;
            }

            var (taskId, error, taskText) = Authorise(request.Line);
            if (error is not null)
            {
                await RefuseAsync(client, peer, taskText, error, stop).ConfigureAwait(false);
                return;
            }

            SshTargetResult resolved;
            try
            {
                resolved = resolver.Resolve(taskId);
            }
            catch (Exception e)
            {
                log.LogError(e, "SSH proxy: resolving task {TaskId} failed", taskId);
                resolved = SshTargetResult.Failure($"internal error while looking up task {taskId}");
            }
            if (!resolved.IsSuccess)
            {
                await RefuseAsync(client, peer, taskText, resolved.Error!, stop).ConfigureAwait(false);
                return;
            }

            string destination = $"{resolved.Address}:{resolved.Port}";
            target = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            string? unreachable = null;
            using (var limit = CancellationTokenSource.CreateLinkedTokenSource(stop))
            {
                limit.CancelAfter(ConnectTimeout);
                try
                {
                    await target.ConnectAsync(resolved.Address!, resolved.Port, limit.Token).ConfigureAwait(false);
                }
                catch (SocketException e)
                {
                    unreachable = e.Message;
                }
                catch (OperationCanceledException) when (!stop.IsCancellationRequested)
                {
                    unreachable = $"no connection within {ConnectTimeout.TotalSeconds:0.#} s";
                }
            }
            if (unreachable is not null)
            {
                await RefuseAsync(client, peer, taskText, $"cannot reach VPS {taskId} at {destination}: {unreachable}", stop)
                    .ConfigureAwait(false);
                return;
            }

            await client.SendAsync(Encoding.ASCII.GetBytes(SshTunnel.SuccessAnswer + "\n"), SocketFlags.None, stop).ConfigureAwait(false);
            // A client may pipeline its first SSH bytes behind the request line; they belong to sshd.
            if (request.Leftover.Length > 0)
                await target.SendAsync(request.Leftover, SocketFlags.None, stop).ConfigureAwait(false);

            log.LogInformation("SSH tunnel from {Peer} to VPS {TaskId} ({Destination}) opened", peer, taskId, destination);
            var clock = Stopwatch.StartNew();
            var relayed = target;
            target = null; // the relay owns and disposes both sockets from here
            RelayOutcome outcome;
            metrics?.SshTunnelOpened();
            try
            {
                outcome = await SocketRelay.RunAsync(client, relayed, stop, "client", "VPS",
                    metrics is null ? null : metrics.SshBytesRelayed).ConfigureAwait(false);
            }
            finally
            {
                metrics?.SshTunnelClosed();
            }
            log.LogInformation("SSH tunnel from {Peer} to VPS {TaskId} closed after {Seconds:0.0} s: {Sent} bytes sent, {Received} received{How}",
                peer, taskId, clock.Elapsed.TotalSeconds, outcome.BytesAToB, outcome.BytesBToA,
                outcome.Clean ? "" : $" (ended by {outcome.Failure})");
        }
        catch (Exception e) when (e is SocketException or IOException or ObjectDisposedException
                                      || (e is OperationCanceledException && stop.IsCancellationRequested))
        {
            log.LogDebug("SSH tunnel from {Peer} ended during its handshake: {Error}", peer, e.Message);
        }
        catch (Exception e)
        {
            log.LogError(e, "SSH tunnel from {Peer} failed", peer);
        }
        finally
        {
            target?.Dispose();
            client.Dispose();
            Interlocked.Decrement(ref _activeSessions);
        }
    }

    /// <summary>Parses the request line and checks the token; the task id is only looked at after the token passed.</summary>
    private (long TaskId, string? Error, string TaskText) Authorise(string line)
    {
        string[] parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        string taskText = parts.Length > 1 ? ForLog(parts[1]) : "?";
        if (parts.Length == 0 || parts[0] != SshTunnel.RequestVerb)
            return (0, $"unknown request: send {Usage}", taskText);
        if (parts.Length == 2)
            return (0, $"authentication required: send {Usage}", taskText);
        if (parts.Length != 3)
            return (0, $"malformed request: send {Usage}", taskText);
        if (!TokenMatches(parts[2]))
            return (0, "invalid API token", taskText);
        if (!long.TryParse(parts[1], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture,
                out long taskId) || taskId <= 0)
            return (0, $"invalid task id '{taskText}'", taskText);
        return (taskId, null, taskText);
    }

    private bool TokenMatches(string presented) =>
        !string.IsNullOrEmpty(settings.ApiToken) && SecretComparison.TokensEqual(presented, settings.ApiToken);

    private async Task RefuseAsync(Socket client, string peer, string taskText, string reason, CancellationToken stop)
    {
        // One line, whatever the resolver put in its reason.
        string clean = new(reason.Select(c => char.IsControl(c) ? ' ' : c).ToArray());
        log.LogInformation("SSH tunnel from {Peer} for task {TaskId} refused: {Reason}", peer, taskText, clean);
        await client.SendAsync(Encoding.UTF8.GetBytes(SshTunnel.ErrorPrefix + clean + "\n"), SocketFlags.None, stop).ConfigureAwait(false);
        client.Shutdown(SocketShutdown.Send);
        // Closing with unread input makes the kernel send a reset, which can destroy the ERROR line before
        // the client reads it; so wait (briefly) for the client to close after reading it.
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(stop);
        limit.CancelAfter(TimeSpan.FromSeconds(2));
        var sink = new byte[4096];
        try
        {
            for (int total = 0; total < 64 * 1024;)
            {
                int read = await client.ReceiveAsync(sink, SocketFlags.None, limit.Token).ConfigureAwait(false);
                if (read == 0) break;
                total += read;
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException)
        {
        }
    }

    /// <summary>Reads up to the first newline; bytes that came with it past the newline are kept for sshd.</summary>
    private static async Task<Request> ReadRequestAsync(Socket client, CancellationToken ct)
    {
        var buffer = new byte[SshTunnel.MaxLineLength];
        int length = 0;
        while (true)
        {
            int read = await client.ReceiveAsync(buffer.AsMemory(length), SocketFlags.None, ct).ConfigureAwait(false);
            if (read == 0)
                return length == 0 ? Request.Gone : Request.Refused("the request line has no newline");
            int newline = Array.IndexOf(buffer, (byte)'\n', length, read);
            length += read;
            if (newline >= 0)
            {
                int end = newline > 0 && buffer[newline - 1] == (byte)'\r' ? newline - 1 : newline;
                return new Request(Encoding.ASCII.GetString(buffer, 0, end), buffer.AsMemory(newline + 1, length - newline - 1), null);
            }
            if (length == buffer.Length)
                return Request.Refused($"the request line is longer than {SshTunnel.MaxLineLength} bytes");
        }
    }

    private static string ForLog(string field)
    {
        string printable = new(field.Select(c => char.IsControl(c) ? '?' : c).ToArray());
        return printable.Length <= 24 ? printable : printable[..24] + "…";
    }

    private readonly record struct Request(string? Line, ReadOnlyMemory<byte> Leftover, string? Error)
    {
        public static Request Gone => new(null, ReadOnlyMemory<byte>.Empty, null);
        public static Request Refused(string error) => new(null, ReadOnlyMemory<byte>.Empty, error);
    }
}
