using System.Buffers;
using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Threading.Channels;
using KohakuRiver.Core.Client;
using KohakuRiver.Core.Wire;

namespace KohakuRiver.Core.Forwarding;

/// <summary>
/// The datagrams of one local source endpoint: a WebSocket of their own, each datagram one DATA frame, each DATA
/// frame back one datagram to that endpoint. Ends after <see cref="PortForward.UdpIdleTimeout"/> with no datagram
/// either way, or when the runner closes it. Datagrams that arrive faster than they can be sent are dropped past a
/// small queue, as UDP may drop them.
/// </summary>
internal sealed class LocalUdpSession(PortForward forward, Socket local, EndPoint source)
{
    private const int QueuedDatagrams = 256;

    private readonly Channel<byte[]> _datagrams = Channel.CreateBounded<byte[]>(new BoundedChannelOptions(QueuedDatagrams)
    {
        FullMode = BoundedChannelFullMode.DropWrite,
        SingleReader = true,
        SingleWriter = true,
    });
    private readonly CancellationTokenSource _idle = new();

    public EndPoint Source { get; } = source;

    /// <summary>Queues one datagram from the source (dropped when the queue is full or the session is over).</summary>
    public void Post(ReadOnlySpan<byte> datagram)
    {
        if (_datagrams.Writer.TryWrite(datagram.ToArray())) Touch();
    }

    private void Touch()
    {
        try
        {
            _idle.CancelAfter(PortForward.UdpIdleTimeout);
        }
        catch (ObjectDisposedException)
        {
        }
    }

    public async Task RunAsync(RiverClient client, CancellationToken ct)
    {
        Touch();
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, _idle.Token);
        var token = linked.Token;
        WebSocket? socket = null;
        var down = ArrayPool<byte>.Shared.Rent(ForwardFrame.ReceiveBufferSize);
        try
        {
            socket = await client.OpenForwardSocketAsync(forward.TaskId, forward.RemotePort, ForwardProtocol.Udp, token).ConfigureAwait(false);
            await ForwardFrames.ConnectAsync(socket, ForwardProtocol.Udp, (ushort)forward.RemotePort, down, token).ConfigureAwait(false);
            var upward = PumpUpAsync(socket, token);
            var downward = PumpDownAsync(socket, down, token);
            await Task.WhenAny(upward, downward).ConfigureAwait(false);
            _idle.Cancel();
            await Task.WhenAll(upward, downward).ConfigureAwait(false);
        }
        catch (Exception e) when (e is RiverApiException or ForwardRefusedException or InvalidDataException)
        {
            forward.ConnectionFailed(e.Message);
        }
        catch (Exception e) when (e is WebSocketException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            if (!ct.IsCancellationRequested && !_idle.IsCancellationRequested) forward.ConnectionFailed(e.Message);
        }
        finally
        {
            _datagrams.Writer.TryComplete();
            if (socket is not null) await ForwardFrames.CloseQuietlyAsync(socket).ConfigureAwait(false);
            ArrayPool<byte>.Shared.Return(down);
        }
    }

    private async Task PumpUpAsync(WebSocket socket, CancellationToken ct)
    {
        var header = new ForwardFrame(ForwardFrameType.Data, ForwardProtocol.Udp, ForwardFrames.ClientId, (ushort)forward.RemotePort);
        await foreach (var datagram in _datagrams.Reader.ReadAllAsync(ct).ConfigureAwait(false))
        {
            await ForwardFrames.SendAsync(socket, header.ToArray(datagram), ct).ConfigureAwait(false);
            forward.AddSent(datagram.Length);
        }
    }

    private async Task PumpDownAsync(WebSocket socket, byte[] buffer, CancellationToken ct)
    {
        while (true)
        {
            var n = await ForwardFrames.ReceiveAsync(socket, buffer, ct).ConfigureAwait(false);
            if (n < 0) return;
            if (!ForwardFrame.TryRead(buffer.AsSpan(0, n), out var header, out var problem)) throw new InvalidDataException(problem);
            switch (header.Type)
            {
                case ForwardFrameType.Data:
                    Touch();
                    await local.SendToAsync(buffer.AsMemory(ForwardFrame.HeaderSize, n - ForwardFrame.HeaderSize), SocketFlags.None, Source, ct).ConfigureAwait(false);
                    forward.AddReceived(n - ForwardFrame.HeaderSize);
                    break;
                case ForwardFrameType.Close:
                    return;
                case ForwardFrameType.Error:
                    // Port unreachable and the like: the datagram is lost, as UDP loses them; the session goes on.
                    forward.ConnectionFailed(System.Text.Encoding.UTF8.GetString(buffer, ForwardFrame.HeaderSize, n - ForwardFrame.HeaderSize));
                    break;
            }
        }
    }
}
