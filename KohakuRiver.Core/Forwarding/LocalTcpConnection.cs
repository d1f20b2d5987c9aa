using System.Buffers;
using System.Net.Sockets;
using System.Net.WebSockets;
using KohakuRiver.Core.Client;
using KohakuRiver.Core.Wire;

namespace KohakuRiver.Core.Forwarding;

/// <summary>
/// One accepted local TCP connection and the WebSocket of its own that carries it: two pumps, each awaiting its own
/// writes, so a local reader that stops reading stops only this socket (TCP flow control does the rest), never the
/// forward's other connections. A clean end on either side is passed on as a half-close; a failure ends both.
/// </summary>
internal sealed class LocalTcpConnection(PortForward forward, Socket local)
{
    private readonly CancellationTokenSource _abort = new();

    public void Abort()
    {
        try
        {
            _abort.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }
    }

    public async Task RunAsync(RiverClient client, CancellationToken ct)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, _abort.Token);
        var token = linked.Token;
        WebSocket? socket = null;
        var down = ArrayPool<byte>.Shared.Rent(ForwardFrame.ReceiveBufferSize);
        var up = ArrayPool<byte>.Shared.Rent(ForwardFrame.MaxFrameSize);
        try
        {
            local.NoDelay = true;
            socket = await client.OpenForwardSocketAsync(forward.TaskId, forward.RemotePort, ForwardProtocol.Tcp, token).ConfigureAwait(false);
            await ForwardFrames.ConnectAsync(socket, ForwardProtocol.Tcp, (ushort)forward.RemotePort, down, token).ConfigureAwait(false);
            var upward = PumpUpAsync(socket, up, token);
            var downward = PumpDownAsync(socket, down, token);
            // Either pump failing ends both: the local socket is closed under the other.
            var first = await Task.WhenAny(upward, downward).ConfigureAwait(false);
            if (first.IsFaulted || first.IsCanceled) Abort();
            await Task.WhenAll(upward, downward).ConfigureAwait(false);
        }
        catch (Exception e) when (e is RiverApiException or ForwardRefusedException or InvalidDataException)
        {
            forward.ConnectionFailed(e.Message);
        }
        catch (Exception e) when (e is WebSocketException or SocketException or IOException or OperationCanceledException or ObjectDisposedException)
        {
            if (!ct.IsCancellationRequested && !_abort.IsCancellationRequested) forward.ConnectionFailed(e.Message);
        }
        finally
        {
            local.Dispose();
            if (socket is not null) await ForwardFrames.CloseQuietlyAsync(socket).ConfigureAwait(false);
            ArrayPool<byte>.Shared.Return(down);
            ArrayPool<byte>.Shared.Return(up);
            _abort.Dispose();
        }
    }

    /// <summary>Local → container: read into the buffer behind a DATA header and send the frame whole.</summary>
    private async Task PumpUpAsync(WebSocket socket, byte[] buffer, CancellationToken ct)
    {
        var port = (ushort)forward.RemotePort;
        new ForwardFrame(ForwardFrameType.Data, ForwardProtocol.Tcp, ForwardFrames.ClientId, port).Write(buffer);
        try
        {
            while (true)
            {
                var n = await local.ReceiveAsync(buffer.AsMemory(ForwardFrame.HeaderSize, ForwardFrame.MaxPayload), SocketFlags.None, ct).ConfigureAwait(false);
                if (n == 0)
                {
                    await ForwardFrames.SendAsync(socket, ForwardFrameType.Close, ForwardProtocol.Tcp, port, ct).ConfigureAwait(false);
                    return;
                }
                await ForwardFrames.SendAsync(socket, buffer.AsMemory(0, ForwardFrame.HeaderSize + n), ct).ConfigureAwait(false);
                forward.AddSent(n);
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // The local side was reset or closed under us: nothing more to carry either way.
            throw new OperationCanceledException("the local connection ended", e);
        }
    }

    /// <summary>Container → local, double-buffered: the next frame is received while the previous one is written out,
    /// and at most one write is in flight, so a local reader that stops reading stops this pump (and only it).</summary>
    private async Task PumpDownAsync(WebSocket socket, byte[] first, CancellationToken ct)
    {
        var second = ArrayPool<byte>.Shared.Rent(ForwardFrame.ReceiveBufferSize);
        byte[][] buffers = [first, second];
        Task writing = Task.CompletedTask;
        try
        {
            for (var turn = 0; ; turn ^= 1)
            {
                var buffer = buffers[turn];
                var n = await ForwardFrames.ReceiveAsync(socket, buffer, ct).ConfigureAwait(false);
                await writing.ConfigureAwait(false);
                if (n < 0) throw new OperationCanceledException("the forward socket closed");
                if (!ForwardFrame.TryRead(buffer.AsSpan(0, n), out var header, out var problem)) throw new InvalidDataException(problem);
                switch (header.Type)
                {
                    case ForwardFrameType.Data:
                        writing = WriteLocalAsync(buffer.AsMemory(ForwardFrame.HeaderSize, n - ForwardFrame.HeaderSize), ct);
                        break;
                    case ForwardFrameType.Close:
                        // The container finished sending; the local side may still be sending to it.
                        try
                        {
                            local.Shutdown(SocketShutdown.Send);
                        }
                        catch (SocketException)
                        {
                        }
                        return;
                    case ForwardFrameType.Error:
                        throw new ForwardRefusedException(System.Text.Encoding.UTF8.GetString(buffer, ForwardFrame.HeaderSize, n - ForwardFrame.HeaderSize));
                }
            }
        }
        finally
        {
            try
            {
                await writing.ConfigureAwait(false);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException or OperationCanceledException)
            {
            }
            ArrayPool<byte>.Shared.Return(second);
        }
    }

    private async Task WriteLocalAsync(ReadOnlyMemory<byte> payload, CancellationToken ct)
    {
        var length = payload.Length;
        while (!payload.IsEmpty)
        {
            var sent = await local.SendAsync(payload, SocketFlags.None, ct).ConfigureAwait(false);
            payload = payload[sent..];
        }
        forward.AddReceived(length);
    }
}
