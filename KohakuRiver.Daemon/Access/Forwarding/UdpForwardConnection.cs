using System.Buffers;
using System.Net;
using System.Net.Sockets;
using KohakuRiver.Core.Wire;

namespace KohakuRiver.Daemon.Access.Forwarding;

/// <summary>
/// A UDP "connection" to the container: a UDP socket connected to its address and port. Each DATA frame is one
/// datagram; each datagram back is one DATA frame. Closed after <see cref="ForwardSession.UdpIdleTimeout"/> with no
/// datagram either way (the client is told with CLOSE), on CLOSE from the client, or when the socket ends.
/// </summary>
internal sealed class UdpForwardConnection(ForwardSession session, uint clientId, ushort port) : ForwardConnection(session, clientId, port)
{
    /// <summary>The largest UDP payload over IPv4.</summary>
    public const int MaxDatagram = 65507;

    private readonly CancellationTokenSource _idle = new();
    private Socket? _socket;
    private int _disposed;

    public override async Task RunAsync(IPEndPoint target, CancellationToken ct)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, _idle.Token);
        var token = linked.Token;
        var socket = new Socket(target.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            await socket.ConnectAsync(target, ct);
        }
        catch (SocketException e)
        {
            socket.Dispose();
            await Session.SendErrorAsync(ClientId, $"cannot open UDP port {Port} of {Session.What}'s container: {e.Message}", ct, ForwardProtocol.Udp, Port);
            return;
        }
        _socket = socket;
        _idle.CancelAfter(ForwardSession.UdpIdleTimeout);
        await Session.SendFrameAsync(ForwardFrameType.Connected, ForwardProtocol.Udp, ClientId, Port, ct);
        var buffer = ArrayPool<byte>.Shared.Rent(ForwardFrame.MaxFrameSize);
        try
        {
            new ForwardFrame(ForwardFrameType.Data, ForwardProtocol.Udp, ClientId, Port).Write(buffer);
            while (true)
            {
                int n;
                try
                {
                    n = await socket.ReceiveAsync(buffer.AsMemory(ForwardFrame.HeaderSize, ForwardFrame.MaxPayload), SocketFlags.None, token);
                }
                catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionRefused)
                {
                    // The container answered a datagram with "port unreachable": nothing listens there (yet). UDP loses
                    // datagrams anyway; the client hears why, and the connection stays for the next one.
                    await Session.SendErrorAsync(ClientId, $"nothing listens on UDP port {Port} of {Session.What}'s container (port unreachable)", ct, ForwardProtocol.Udp, Port);
                    continue;
                }
                _idle.CancelAfter(ForwardSession.UdpIdleTimeout);
                await Session.SendAsync(buffer.AsMemory(0, ForwardFrame.HeaderSize + n), ct);
            }
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            // Idle, or closed by the client.
            try
            {
                await Session.SendFrameAsync(ForwardFrameType.Close, ForwardProtocol.Udp, ClientId, Port, ct);
            }
            catch (Exception e) when (e is OperationCanceledException or System.Net.WebSockets.WebSocketException or ObjectDisposedException)
            {
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> payload, CancellationToken ct)
    {
        if (_socket is not { } socket || _idle.IsCancellationRequested) return;
        if (payload.Length > MaxDatagram)
        {
            await Session.SendErrorAsync(ClientId, $"a UDP datagram carries at most {MaxDatagram} bytes; this one has {payload.Length} and was dropped", ct, ForwardProtocol.Udp, Port);
            return;
        }
        try
        {
            await socket.SendAsync(payload, SocketFlags.None, ct);
            _idle.CancelAfter(ForwardSession.UdpIdleTimeout);
        }
        catch (SocketException)
        {
            // A datagram that cannot be sent is lost, as UDP loses datagrams; a refusal is reported by the receiver.
        }
        catch (ObjectDisposedException)
        {
        }
    }

    public override void CloseInput()
    {
        try
        {
            _idle.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }
    }

    public override ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return ValueTask.CompletedTask;
        CloseInput();
        _socket?.Dispose();
        return ValueTask.CompletedTask;
    }
}
