using System.Net.WebSockets;
using KohakuRiver.Core.Wire;

namespace KohakuRiver.Core.Forwarding;

/// <summary>Reading and writing whole forward frames on a client's WebSocket.</summary>
internal static class ForwardFrames
{
    /// <summary>Reads one whole message into <paramref name="buffer"/> (of <see cref="ForwardFrame.ReceiveBufferSize"/>
    /// bytes at least); its length, or -1 when the socket closed. A message too big or not binary is an
    /// <see cref="InvalidDataException"/>.</summary>
    public static async ValueTask<int> ReceiveAsync(WebSocket socket, byte[] buffer, CancellationToken ct)
    {
        var message = await WebSocketMessages.ReceiveAsync(socket, buffer, ForwardFrame.MaxFrameSize, ct).ConfigureAwait(false);
        if (message.IsClose) return -1;
        if (message.Type != WebSocketMessageType.Binary) throw new InvalidDataException("the host sent a text message on a forward socket");
        if (message.TooBig) throw new InvalidDataException("the host sent a forward frame over the size limit");
        return message.Count;
    }

    public static ValueTask SendAsync(WebSocket socket, ReadOnlyMemory<byte> frame, CancellationToken ct) =>
        socket.SendAsync(frame, WebSocketMessageType.Binary, endOfMessage: true, ct);

    public static ValueTask SendAsync(WebSocket socket, ForwardFrameType type, ForwardProtocol protocol, ushort port, CancellationToken ct) =>
        SendAsync(socket, new ForwardFrame(type, protocol, ClientId, port).ToArray(), ct);

    /// <summary>Our client opens a socket per connection, so one client id is all it needs.</summary>
    public const uint ClientId = 1;

    /// <summary>Sends CONNECT and waits for CONNECTED; an ERROR (the container refused) is a <see cref="ForwardRefusedException"/>.</summary>
    public static async Task ConnectAsync(WebSocket socket, ForwardProtocol protocol, ushort port, byte[] buffer, CancellationToken ct)
    {
        await SendAsync(socket, ForwardFrameType.Connect, protocol, port, ct).ConfigureAwait(false);
        while (true)
        {
            var n = await ReceiveAsync(socket, buffer, ct).ConfigureAwait(false);
            if (n < 0) throw new ForwardRefusedException("the host closed the forward socket before the connection was made");
            if (!ForwardFrame.TryRead(buffer.AsSpan(0, n), out var header, out var problem)) throw new InvalidDataException(problem);
            switch (header.Type)
            {
                case ForwardFrameType.Connected:
                    return;
                case ForwardFrameType.Error:
                    throw new ForwardRefusedException(System.Text.Encoding.UTF8.GetString(buffer, ForwardFrame.HeaderSize, n - ForwardFrame.HeaderSize));
                case ForwardFrameType.Close:
                    throw new ForwardRefusedException("the container closed the connection at once");
            }
        }
    }

    public static async Task CloseQuietlyAsync(WebSocket socket)
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            if (socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
                await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "", timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or ObjectDisposedException)
        {
        }
        finally
        {
            socket.Dispose();
        }
    }
}
