using System.Net;
using System.Net.Sockets;

namespace KohakuRiver.Tests.Ssh;

/// <summary>
/// A loopback TCP echo server standing in for a VPS's sshd. It counts accepted connections (so a test can
/// prove the proxy never connected) and honours half-close: on end of input it finishes echoing, shuts
/// down its sending side and signals <see cref="EndOfInputSeen"/>.
/// </summary>
internal sealed class TcpEchoServer : IAsyncDisposable
{
    private readonly Socket _listener = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _connections = [];
    private readonly Task _acceptLoop;
    private readonly TaskCompletionSource _endOfInput = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _accepted;

    public TcpEchoServer()
    {
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen(64);
        Port = ((IPEndPoint)_listener.LocalEndPoint!).Port;
        _acceptLoop = AcceptLoopAsync();
    }

    public int Port { get; }

    public int AcceptedCount => Volatile.Read(ref _accepted);

    /// <summary>How connections ended other than with an orderly end of input, for a failing test to show.</summary>
    public System.Collections.Concurrent.ConcurrentQueue<string> Failures { get; } = new();

    /// <summary>Completes when some connection's input ended with an orderly FIN.</summary>
    public Task EndOfInputSeen => _endOfInput.Task;

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Dispose();
        await _acceptLoop;
        Task[] connections;
        lock (_connections) connections = [.. _connections];
        await Task.WhenAll(connections);
    }

    private async Task AcceptLoopAsync()
    {
        while (true)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }
            Interlocked.Increment(ref _accepted);
            lock (_connections) _connections.Add(EchoAsync(client));
        }
    }

    private async Task EchoAsync(Socket client)
    {
        using (client)
        {
            var buffer = new byte[32 * 1024];
            try
            {
                int read;
                while ((read = await client.ReceiveAsync(buffer, SocketFlags.None, _stop.Token)) > 0)
                    await client.SendAsync(buffer.AsMemory(0, read), SocketFlags.None, _stop.Token);
                _endOfInput.TrySetResult();
                client.Shutdown(SocketShutdown.Send);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException)
            {
                Failures.Enqueue(e.GetType().Name + ": " + e.Message);
            }
        }
    }
}
