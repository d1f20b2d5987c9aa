using System.Buffers;
using System.Net.WebSockets;
using KohakuRiver.Core.Wire;

namespace KohakuRiver.Daemon.Host.Access;

/// <summary>
/// Passes a client's WebSocket through to a runner's, message fragment by fragment, both ways, without reading them:
/// the runner checks what it is sent. Each direction waits for its send before the next receive, so a slow reader slows
/// exactly its own socket. A close from either side is passed on and answered; a broken side aborts the other.
/// </summary>
public static class WebSocketRelay
{
    /// <summary>The receive buffer per direction: one forward frame, or a fragment of a larger message.</summary>
    private const int BufferSize = ForwardFrame.MaxFrameSize;

    /// <summary>How long the second side has to finish its close once the first has closed.</summary>
    private static readonly TimeSpan CloseGrace = TimeSpan.FromSeconds(5);

    /// <summary>Relays until both sides have closed or one has failed; returns the number of bytes each way.</summary>
    public static async Task<(long ToRunner, long ToClient)> RelayAsync(WebSocket client, WebSocket runner, CancellationToken ct)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var up = PumpAsync(client, runner, stop.Token);
        var down = PumpAsync(runner, client, stop.Token);
        var first = await Task.WhenAny(up, down).ConfigureAwait(false);
        if (first.IsFaulted || first.IsCanceled)
        {
            client.Abort();
            runner.Abort();
        }
        else
        {
            // A clean close was passed on: the other side answers it within the grace, or is cut off.
            stop.CancelAfter(CloseGrace);
        }
        try
        {
            await Task.WhenAll(up, down).ConfigureAwait(false);
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or IOException)
        {
            client.Abort();
            runner.Abort();
        }
        return (Completed(up), Completed(down));
    }

    private static long Completed(Task<long> pump) => pump.IsCompletedSuccessfully ? pump.Result : 0;

    private static async Task<long> PumpAsync(WebSocket from, WebSocket to, CancellationToken ct)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        long bytes = 0;
        try
        {
            while (true)
            {
                var received = await from.ReceiveAsync(buffer.AsMemory(0, BufferSize), ct).ConfigureAwait(false);
                if (received.MessageType == WebSocketMessageType.Close)
                {
                    if (to.State is WebSocketState.Open or WebSocketState.CloseReceived)
                        await to.CloseOutputAsync(from.CloseStatus ?? WebSocketCloseStatus.NormalClosure, from.CloseStatusDescription, ct).ConfigureAwait(false);
                    return bytes;
                }
                await to.SendAsync(buffer.AsMemory(0, received.Count), received.MessageType, received.EndOfMessage, ct).ConfigureAwait(false);
                bytes += received.Count;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
