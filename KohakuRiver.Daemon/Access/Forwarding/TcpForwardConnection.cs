using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using KohakuRiver.Core.Wire;

namespace KohakuRiver.Daemon.Access.Forwarding;

/// <summary>
/// A TCP connection to the container. Client data goes through a pipe of at most
/// <see cref="ForwardSession.QueueBytes"/> (the socket's reader waits when it is full) to a pump that writes it to the
/// container; a CLOSE from the client half-closes the container side once the queue is drained. What the container
/// sends is read straight into a frame buffer behind its header and sent whole; its end is a CLOSE to the client.
/// </summary>
internal sealed class TcpForwardConnection(ForwardSession session, uint clientId, ushort port) : ForwardConnection(session, clientId, port)
{
    private readonly Pipe _toContainer = new(new PipeOptions(
        pauseWriterThreshold: ForwardSession.QueueBytes,
        resumeWriterThreshold: ForwardSession.QueueBytes / 2,
        minimumSegmentSize: 16 * 1024,
        useSynchronizationContext: false));
    private readonly CancellationTokenSource _done = new();
    private Socket? _socket;
    private int _inputClosed;
    private int _disposed;
    private int _closeSent;

    public override async Task RunAsync(IPEndPoint target, CancellationToken ct)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, _done.Token);
        var token = linked.Token;
        var socket = new Socket(target.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        _socket = socket;
        var pumping = false;
        try
        {
            await ConnectAndPumpAsync(socket, target, token, () => pumping = true);
        }
        finally
        {
            // Without a pump nothing reads the queue: complete it so a write waiting on it returns (and drops).
            if (!pumping) await _toContainer.Reader.CompleteAsync();
            else if (!ct.IsCancellationRequested) await SendCloseOnceAsync(ct);
        }
    }

    private async Task ConnectAndPumpAsync(Socket socket, IPEndPoint target, CancellationToken token, Action pumping)
    {
        try
        {
            using var connectTimeout = CancellationTokenSource.CreateLinkedTokenSource(token);
            connectTimeout.CancelAfter(ForwardSession.ConnectTimeout);
            await socket.ConnectAsync(target, connectTimeout.Token);
        }
        catch (OperationCanceledException) when (!token.IsCancellationRequested)
        {
            await Session.SendErrorAsync(ClientId, $"cannot connect to TCP port {Port} of {Session.What}'s container: no answer in {ForwardSession.ConnectTimeout.TotalSeconds:0} s", token, ForwardProtocol.Tcp, Port);
            return;
        }
        catch (SocketException e)
        {
            await Session.SendErrorAsync(ClientId, $"cannot connect to TCP port {Port} of {Session.What}'s container: {Reason(e)}", token, ForwardProtocol.Tcp, Port);
            return;
        }
        pumping();
        var toContainer = PumpToContainerAsync(socket, token);
        try
        {
            await Session.SendFrameAsync(ForwardFrameType.Connected, ForwardProtocol.Tcp, ClientId, Port, token);
            await PumpFromContainerAsync(socket, token);
        }
        catch
        {
            // The client's socket failed, or the session ended: the other pump stops too.
            _done.Cancel();
            throw;
        }
        finally
        {
            await toContainer;
        }
    }

    private async Task PumpToContainerAsync(Socket socket, CancellationToken ct)
    {
        var reader = _toContainer.Reader;
        try
        {
            while (true)
            {
                var read = await reader.ReadAsync(ct);
                var buffer = read.Buffer;
                foreach (var segment in buffer)
                {
                    var sent = 0;
                    while (sent < segment.Length) sent += await socket.SendAsync(segment[sent..], SocketFlags.None, ct);
                }
                reader.AdvanceTo(buffer.End);
                if (read.IsCompleted)
                {
                    socket.Shutdown(SocketShutdown.Send);
                    break;
                }
            }
            await reader.CompleteAsync();
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or OperationCanceledException)
        {
            // The container went away (or the session ended): later data for it is dropped, and the whole connection ends.
            await reader.CompleteAsync(e);
            _done.Cancel();
        }
    }

    /// <summary>Container → client, double-buffered: the next read from the container runs while the previous frame is
    /// being sent, so the two hops overlap instead of taking turns. At most one frame is in flight.</summary>
    private async Task PumpFromContainerAsync(Socket socket, CancellationToken ct)
    {
        byte[][] buffers = [ArrayPool<byte>.Shared.Rent(ForwardFrame.MaxFrameSize), ArrayPool<byte>.Shared.Rent(ForwardFrame.MaxFrameSize)];
        Task sending = Task.CompletedTask;
        try
        {
            foreach (var b in buffers) new ForwardFrame(ForwardFrameType.Data, ForwardProtocol.Tcp, ClientId, Port).Write(b);
            for (var turn = 0; ; turn ^= 1)
            {
                var buffer = buffers[turn];
                int n;
                try
                {
                    n = await socket.ReceiveAsync(buffer.AsMemory(ForwardFrame.HeaderSize, ForwardFrame.MaxPayload), SocketFlags.None, ct);
                }
                catch (SocketException)
                {
                    n = 0;
                }
                await sending;
                if (n == 0)
                {
                    await SendCloseOnceAsync(ct);
                    // The client may still send (a half-close); the connection ends when it closes too.
                    if (Volatile.Read(ref _inputClosed) != 0) _done.Cancel();
                    return;
                }
                sending = Session.SendAsync(buffer.AsMemory(0, ForwardFrame.HeaderSize + n), ct);
            }
        }
        finally
        {
            // A send still running owns its buffer until it ends.
            try
            {
                await sending;
            }
            catch (Exception e) when (e is OperationCanceledException or System.Net.WebSockets.WebSocketException or ObjectDisposedException)
            {
            }
            foreach (var b in buffers) ArrayPool<byte>.Shared.Return(b);
        }
    }

    /// <summary>Tells the client this connection is over (once, however it ended); a socket already gone is ignored.</summary>
    private async Task SendCloseOnceAsync(CancellationToken ct)
    {
        if (Interlocked.Exchange(ref _closeSent, 1) != 0) return;
        try
        {
            await Session.SendFrameAsync(ForwardFrameType.Close, ForwardProtocol.Tcp, ClientId, Port, ct);
        }
        catch (Exception e) when (e is OperationCanceledException or System.Net.WebSockets.WebSocketException or ObjectDisposedException)
        {
        }
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> payload, CancellationToken ct)
    {
        if (Volatile.Read(ref _inputClosed) != 0 || payload.IsEmpty) return;
        // Waits while the queue holds its limit; a pump that ended (container gone) completes the reader, and then
        // the write returns at once and the data is dropped.
        try
        {
            await _toContainer.Writer.WriteAsync(payload, ct);
        }
        catch (InvalidOperationException)
        {
            // The writer was completed by CLOSE or disposal.
        }
    }

    public override void CloseInput()
    {
        if (Interlocked.Exchange(ref _inputClosed, 1) != 0) return;
        _toContainer.Writer.Complete();
    }

    private static string Reason(SocketException e) => e.SocketErrorCode switch
    {
        SocketError.ConnectionRefused => "connection refused (nothing listens there)",
        SocketError.HostUnreachable or SocketError.NetworkUnreachable => "the container's address is unreachable",
        SocketError.TimedOut => "timed out",
        _ => e.Message,
    };

    public override ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return ValueTask.CompletedTask;
        // The pump sees the cancellation and completes the queue's reader itself (a pipe's ends are single-threaded).
        _done.Cancel();
        _socket?.Dispose();
        return ValueTask.CompletedTask;
    }
}
