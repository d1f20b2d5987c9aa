using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using System.Net.WebSockets;
using System.Text;
using KohakuRiver.Core.Wire;

namespace KohakuRiver.Daemon.Access.Forwarding;

/// <summary>
/// One port-forward WebSocket on the runner: reads the client's frames, opens a connection to the container's own
/// address per CONNECT (several client ids may share the socket), and sends what the container says back, one frame
/// at a time under a send lock. Data toward a container goes through that connection's own bounded queue, so a
/// container that stops reading makes only this socket's reader wait. Everything is closed when the socket ends.
/// </summary>
public sealed class ForwardSession : IAsyncDisposable
{
    /// <summary>The most connections one socket carries at once.</summary>
    public const int MaxConnections = 256;

    /// <summary>Bytes waiting for one container-side connection before the socket's reader waits.</summary>
    public const int QueueBytes = 1024 * 1024;

    /// <summary>A UDP connection with no datagram either way for this long is closed.</summary>
    public static readonly TimeSpan UdpIdleTimeout = TimeSpan.FromSeconds(60);

    /// <summary>How long a TCP connect to the container may take.</summary>
    public static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(10);

    private readonly WebSocket _socket;
    private readonly IPAddress _address;
    private readonly ushort _port;
    private readonly string _what;
    private readonly ILogger _log;
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private readonly ConcurrentDictionary<uint, ForwardConnection> _connections = new();
    private readonly CancellationTokenSource _ended = new();
    private int _disposed;

    /// <param name="what">How errors name the target ("task 5").</param>
    public ForwardSession(WebSocket socket, IPAddress address, ushort port, string what, ILogger log)
    {
        _socket = socket;
        _address = address;
        _port = port;
        _what = what;
        _log = log;
    }

    /// <summary>Connections open now (for tests and logs).</summary>
    public int ConnectionCount => _connections.Count;

    internal CancellationToken Ending => _ended.Token;

    internal string What => _what;

    /// <summary>Reads frames until the client closes the socket, the socket fails, or <paramref name="ct"/> is cancelled.</summary>
    public async Task RunAsync(CancellationToken ct)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, _ended.Token);
        var token = linked.Token;
        var buffer = ArrayPool<byte>.Shared.Rent(ForwardFrame.ReceiveBufferSize);
        try
        {
            while (true)
            {
                var message = await WebSocketMessages.ReceiveAsync(_socket, buffer, ForwardFrame.MaxFrameSize, token);
                if (message.IsClose)
                {
                    await CloseAsync(WebSocketCloseStatus.NormalClosure, "");
                    return;
                }
                if (message.TooBig)
                {
                    await SendErrorAsync(0, $"a forward frame carries at most {ForwardFrame.MaxPayload} bytes of payload after its 8-byte header", token);
                    await CloseAsync(WebSocketCloseStatus.MessageTooBig, "message too big");
                    return;
                }
                if (message.Type != WebSocketMessageType.Binary)
                {
                    await SendErrorAsync(0, "forward frames are binary messages; a text message was sent", token);
                    continue;
                }
                await HandleAsync(buffer.AsMemory(0, message.Count), token);
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (WebSocketException e)
        {
            _log.LogDebug("forward socket for {What} ended: {Message}", _what, e.Message);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
            await DisposeAsync();
        }
    }

    private async Task HandleAsync(ReadOnlyMemory<byte> frame, CancellationToken ct)
    {
        if (!ForwardFrame.TryRead(frame.Span, out var header, out var problem))
        {
            var id = frame.Length >= 6 ? System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(frame.Span[2..]) : 0;
            await SendErrorAsync(id, problem!, ct);
            return;
        }
        var payload = frame[ForwardFrame.HeaderSize..];
        switch (header.Type)
        {
            case ForwardFrameType.Connect:
                await ConnectAsync(header, ct);
                break;
            case ForwardFrameType.Data:
                if (_connections.TryGetValue(header.ClientId, out var connection))
                    await connection.WriteAsync(payload, ct);
                else
                    await SendErrorAsync(header.ClientId, $"client id {header.ClientId} has no connection on this socket: send CONNECT first", ct);
                break;
            case ForwardFrameType.Close:
                // A connection that already ended was answered with its own CLOSE; nothing more to say.
                if (_connections.TryGetValue(header.ClientId, out var closing)) closing.CloseInput();
                break;
            case ForwardFrameType.Ping:
                await SendAsync(new ForwardFrame(ForwardFrameType.Pong, header.Protocol, header.ClientId, header.Port).ToArray(payload.Span), ct);
                break;
            case ForwardFrameType.Pong:
                break;
            default:
                await SendErrorAsync(header.ClientId, $"a client does not send {header.Type.ToString().ToUpperInvariant()} frames", ct);
                break;
        }
    }

    private async Task ConnectAsync(ForwardFrame header, CancellationToken ct)
    {
        var port = header.Port != 0 ? header.Port : _port;
        if (_connections.Count >= MaxConnections)
        {
            await SendErrorAsync(header.ClientId, $"this socket already carries {MaxConnections} connections, the most it may; close one or open another socket", ct, header.Protocol, port);
            return;
        }
        ForwardConnection connection = header.Protocol == ForwardProtocol.Udp
            ? new UdpForwardConnection(this, header.ClientId, port)
            : new TcpForwardConnection(this, header.ClientId, port);
        if (!_connections.TryAdd(header.ClientId, connection))
        {
            await SendErrorAsync(header.ClientId, $"client id {header.ClientId} is already connected on this socket", ct, header.Protocol, port);
            return;
        }
        _ = RunConnectionAsync(connection, new IPEndPoint(_address, port));
    }

    private async Task RunConnectionAsync(ForwardConnection connection, IPEndPoint target)
    {
        try
        {
            await connection.RunAsync(target, _ended.Token);
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException or ObjectDisposedException)
        {
        }
        catch (Exception e)
        {
            _log.LogWarning(e, "forward connection {Id} to {What} failed", connection.ClientId, _what);
        }
        finally
        {
            _connections.TryRemove(new KeyValuePair<uint, ForwardConnection>(connection.ClientId, connection));
            await connection.DisposeAsync();
        }
    }

    /// <summary>Sends one whole frame; frames from different connections never interleave. <paramref name="ct"/> may
    /// cancel the wait for the socket, but a send under way is cancelled only by the session's end: a cancelled
    /// WebSocket send aborts the socket, and with it every other connection on it.</summary>
    internal async Task SendAsync(ReadOnlyMemory<byte> frame, CancellationToken ct)
    {
        await _sendLock.WaitAsync(ct);
        try
        {
            await _socket.SendAsync(frame, WebSocketMessageType.Binary, endOfMessage: true, _ended.Token);
        }
        finally
        {
            _sendLock.Release();
        }
    }

    internal Task SendFrameAsync(ForwardFrameType type, ForwardProtocol protocol, uint clientId, ushort port, CancellationToken ct) =>
        SendAsync(new ForwardFrame(type, protocol, clientId, port).ToArray(), ct);

    /// <summary>An ERROR frame with a reason for a human; a failure to send it (the socket is gone) is ignored.</summary>
    internal async Task SendErrorAsync(uint clientId, string reason, CancellationToken ct, ForwardProtocol protocol = ForwardProtocol.Tcp, ushort port = 0)
    {
        var bytes = Encoding.UTF8.GetBytes(reason);
        if (bytes.Length > ForwardFrame.MaxPayload) bytes = bytes[..ForwardFrame.MaxPayload];
        try
        {
            await SendAsync(new ForwardFrame(ForwardFrameType.Error, protocol, clientId, port == 0 ? _port : port).ToArray(bytes), ct);
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException or ObjectDisposedException)
        {
        }
    }

    private async Task CloseAsync(WebSocketCloseStatus status, string description)
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            if (_socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
                await _socket.CloseOutputAsync(status, description, timeout.Token);
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException or ObjectDisposedException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        _ended.Cancel();
        foreach (var connection in _connections.Values) await connection.DisposeAsync();
        _connections.Clear();
    }
}
