using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using KohakuRiver.Core.Client;
using KohakuRiver.Core.Wire;

namespace KohakuRiver.Core.Forwarding;

/// <summary>
/// A port of a task's container reached through a local port on the loopback address. TCP: each accepted
/// connection gets a WebSocket of its own to <c>/ws/forward/{id}/{port}</c>, so connections are independent (a stalled
/// reader slows only its own). UDP: each local source endpoint gets a WebSocket of its own, and replies go back to
/// it. <see cref="StartAsync"/> opens one WebSocket before listening, so that an unknown task, a task that is not
/// running or has no network, or a bad token is an exception there rather than a silent failure later.
/// </summary>
public sealed class PortForward : IAsyncDisposable
{
    /// <summary>The most local TCP connections (or UDP sources) carried at once; more are refused (closed) at once.</summary>
    public const int MaxConnections = 1024;

    /// <summary>A UDP source with no datagram either way for this long loses its session (a new datagram opens another).</summary>
    public static readonly TimeSpan UdpIdleTimeout = TimeSpan.FromSeconds(60);

    private readonly RiverClient _client;
    private readonly Socket _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<LocalTcpConnection, byte> _tcp = new();
    private readonly ConcurrentDictionary<EndPoint, LocalUdpSession> _udp = new();
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task _loop = Task.CompletedTask;
    private readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _open;
    private long _total;
    private long _sent;
    private long _received;
    private int _state;
    private string? _error;
    private int _stopped;

    private PortForward(RiverClient client, Socket listener, long taskId, int remotePort, ForwardProtocol protocol)
    {
        _client = client;
        _listener = listener;
        TaskId = taskId;
        RemotePort = remotePort;
        Protocol = protocol;
        var bound = (IPEndPoint)listener.LocalEndPoint!;
        LocalAddress = bound.Address.ToString();
        LocalPort = bound.Port;
        HostUri = client.BaseUri;
        StartedAt = DateTimeOffset.Now;
    }

    public long TaskId { get; }

    /// <summary>The port inside the task's container.</summary>
    public int RemotePort { get; }

    /// <summary>The local port to connect to (or send datagrams to).</summary>
    public int LocalPort { get; }

    public ForwardProtocol Protocol { get; }

    /// <summary>Always the loopback address: nothing beyond this machine can use the forward.</summary>
    public string LocalAddress { get; }

    /// <summary>Connections (UDP: source endpoints) open now.</summary>
    public int Connections => Volatile.Read(ref _open);

    /// <summary>Connections (UDP: source endpoints) carried since the start.</summary>
    public long TotalConnections => Interlocked.Read(ref _total);

    /// <summary>Bytes sent from local clients to the container.</summary>
    public long BytesSent => Interlocked.Read(ref _sent);

    /// <summary>Bytes received from the container for local clients.</summary>
    public long BytesReceived => Interlocked.Read(ref _received);

    public DateTimeOffset StartedAt { get; }

    public PortForwardState State => (PortForwardState)Volatile.Read(ref _state);

    /// <summary>Why the listener failed, or the reason the last connection could not be carried (the forward goes on).</summary>
    public string? Error => Volatile.Read(ref _error);

    /// <summary>The host the forward goes through.</summary>
    public Uri HostUri { get; }

    /// <summary>Completes when the forward is stopped or has failed.</summary>
    public Task Completion => _completion.Task;

    /// <summary>
    /// Checks that the task's port can be forwarded (one WebSocket is opened and closed: a refusal is the
    /// <see cref="RiverApiException"/> with the host's reason), then listens on 127.0.0.1:<paramref name="localPort"/>
    /// (0: a free port the system picks).
    /// </summary>
    public static async Task<PortForward> StartAsync(RiverClient client, long taskId, int remotePort, int localPort = 0,
        ForwardProtocol protocol = ForwardProtocol.Tcp, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentOutOfRangeException.ThrowIfLessThan(taskId, 1);
        if (remotePort is < 1 or > 65535) throw new ArgumentOutOfRangeException(nameof(remotePort), remotePort, "a port is 1-65535");
        if (localPort is < 0 or > 65535) throw new ArgumentOutOfRangeException(nameof(localPort), localPort, "a local port is 0-65535 (0: any free one)");

        var probe = await client.OpenForwardSocketAsync(taskId, remotePort, protocol, ct).ConfigureAwait(false);
        await ForwardFrames.CloseQuietlyAsync(probe).ConfigureAwait(false);

        var listener = protocol == ForwardProtocol.Udp
            ? new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp)
            : new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            listener.Bind(new IPEndPoint(IPAddress.Loopback, localPort));
            if (protocol == ForwardProtocol.Tcp) listener.Listen(512);
        }
        catch (SocketException e)
        {
            listener.Dispose();
            throw new LocalPortUnavailableException(localPort, e.SocketErrorCode == SocketError.AddressAlreadyInUse
                ? $"local port {localPort} is already in use: choose another, or 0 for any free port"
                : $"cannot listen on 127.0.0.1:{localPort}: {e.Message}", e);
        }
        var forward = new PortForward(client, listener, taskId, remotePort, protocol);
        forward._loop = protocol == ForwardProtocol.Udp ? forward.ReceiveDatagramsAsync() : forward.AcceptAsync();
        return forward;
    }

    private async Task AcceptAsync()
    {
        var ct = _stop.Token;
        try
        {
            while (true)
            {
                var accepted = await _listener.AcceptAsync(ct).ConfigureAwait(false);
                if (Volatile.Read(ref _open) >= MaxConnections)
                {
                    ConnectionFailed($"more than {MaxConnections} connections at once: one was refused");
                    accepted.Dispose();
                    continue;
                }
                var connection = new LocalTcpConnection(this, accepted);
                _tcp[connection] = 0;
                Carry(() => connection.RunAsync(_client, ct), () => _tcp.TryRemove(connection, out _));
            }
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException && _stop.IsCancellationRequested)
        {
        }
        catch (SocketException e)
        {
            Fail($"the local listener failed: {e.Message}");
        }
    }

    private async Task ReceiveDatagramsAsync()
    {
        var ct = _stop.Token;
        var buffer = ArrayPool<byte>.Shared.Rent(ForwardFrame.MaxPayload);
        EndPoint any = new IPEndPoint(IPAddress.Any, 0);
        try
        {
            while (true)
            {
                SocketReceiveFromResult result;
                try
                {
                    result = await _listener.ReceiveFromAsync(buffer.AsMemory(0, ForwardFrame.MaxPayload), SocketFlags.None, any, ct).ConfigureAwait(false);
                }
                catch (SocketException e) when (e.SocketErrorCode is SocketError.ConnectionReset or SocketError.ConnectionRefused)
                {
                    // A reply to a local source that has gone (ICMP port unreachable): not the listener's failure.
                    continue;
                }
                if (!_udp.TryGetValue(result.RemoteEndPoint, out var session))
                {
                    if (_udp.Count >= MaxConnections)
                    {
                        ConnectionFailed($"more than {MaxConnections} UDP sources at once: a datagram was dropped");
                        continue;
                    }
                    session = new LocalUdpSession(this, _listener, result.RemoteEndPoint);
                    _udp[result.RemoteEndPoint] = session;
                    var started = session;
                    Carry(() => started.RunAsync(_client, ct), () => _udp.TryRemove(new KeyValuePair<EndPoint, LocalUdpSession>(started.Source, started)));
                }
                session.Post(buffer.AsSpan(0, result.ReceivedBytes));
            }
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException && _stop.IsCancellationRequested)
        {
        }
        catch (SocketException e)
        {
            Fail($"the local UDP socket failed: {e.Message}");
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Counts a connection (or UDP source) and runs it in the background; when it ends it is forgotten and
    /// counted out.</summary>
    private void Carry(Func<Task> run, Action forget)
    {
        Interlocked.Increment(ref _open);
        Interlocked.Increment(ref _total);
        _ = Task.Run(async () =>
        {
            try
            {
                await run().ConfigureAwait(false);
            }
            finally
            {
                forget();
                Closed();
            }
        }, CancellationToken.None);
    }

    /// <summary>One connection (or UDP source) fewer; the last one after a stop lets <see cref="StopAsync"/> return.</summary>
    private void Closed()
    {
        if (Interlocked.Decrement(ref _open) == 0 && _stop.IsCancellationRequested) _drained.TrySetResult();
    }

    internal void AddSent(long bytes) => Interlocked.Add(ref _sent, bytes);

    internal void AddReceived(long bytes) => Interlocked.Add(ref _received, bytes);

    internal void ConnectionFailed(string reason) => Volatile.Write(ref _error, reason);

    private void Fail(string reason)
    {
        Volatile.Write(ref _error, reason);
        if (Interlocked.CompareExchange(ref _state, (int)PortForwardState.Failed, (int)PortForwardState.Listening) == (int)PortForwardState.Listening)
            _ = StopAsync();
    }

    /// <summary>Stops listening and closes every connection; the local port is free when this returns.</summary>
    public async Task StopAsync()
    {
        if (Interlocked.Exchange(ref _stopped, 1) != 0)
        {
            await _completion.Task.ConfigureAwait(false);
            return;
        }
        Interlocked.CompareExchange(ref _state, (int)PortForwardState.Stopped, (int)PortForwardState.Listening);
        _stop.Cancel();
        _listener.Dispose();
        foreach (var connection in _tcp.Keys) connection.Abort();
        try
        {
            await _loop.ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
        {
        }
        // Connections close their sockets as their cancellation reaches them; wait (a bounded time) for the last one.
        if (Volatile.Read(ref _open) == 0) _drained.TrySetResult();
        try
        {
            await _drained.Task.WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
        }
        _completion.TrySetResult();
    }

    public ValueTask DisposeAsync() => new(StopAsync());

    public override string ToString() =>
        $"{LocalAddress}:{LocalPort} -> task {TaskId} port {RemotePort}/{Protocol.ToWire()}";
}
