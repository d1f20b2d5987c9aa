using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace KohakuRiver.Core.Ssh;

/// <summary>
/// A local port that stands for one VPS's sshd: every connection accepted on 127.0.0.1:<see cref="Port"/>
/// opens its own tunnel through the host's SSH proxy and is relayed until either end closes. It lets the
/// system <c>ssh -p PORT root@127.0.0.1</c> (and scp, sftp, rsync, IDE remotes) reach a VPS without any
/// helper program and without the API token appearing on a command line.
/// </summary>
public sealed class SshLoopbackForwarder : IAsyncDisposable
{
    private readonly string _proxyHost;
    private readonly int _proxyPort;
    private readonly long _taskId;
    private readonly string _token;
    private readonly Action<Exception>? _onError;
    private readonly Socket _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<int, Task> _sessions = new();
    private readonly Task _acceptLoop;
    private int _nextSession;
    private int _active;
    private int _disposed;

    /// <summary>Starts listening at once.</summary>
    /// <param name="onError">Called (on a pool thread) when a tunnel cannot be opened, e.g. to show the proxy's reason;
    /// the local connection is then closed, which ssh reports as "Connection closed by remote host".</param>
    public SshLoopbackForwarder(string proxyHost, int proxyPort, long taskId, string token, Action<Exception>? onError = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(proxyHost);
        _ = SshTunnel.FormatRequest(taskId, token);
        if (proxyPort is <= 0 or > 65535)
            throw new ArgumentOutOfRangeException(nameof(proxyPort), proxyPort, "A TCP port is 1-65535.");
        (_proxyHost, _proxyPort, _taskId, _token, _onError) = (proxyHost, proxyPort, taskId, token, onError);

        _listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            _listener.Listen(64);
        }
        catch
        {
            _listener.Dispose();
            throw;
        }
        Port = ((IPEndPoint)_listener.LocalEndPoint!).Port;
        _acceptLoop = AcceptLoopAsync();
    }

    /// <summary>The local port (on 127.0.0.1) to point ssh at.</summary>
    public int Port { get; }

    /// <summary>Local connections currently being relayed or waiting for their tunnel.</summary>
    public int ActiveConnections => Volatile.Read(ref _active);

    /// <summary>The most recent failure to open a tunnel, if any.</summary>
    public Exception? LastError { get; private set; }

    /// <summary>Stops listening and closes every relayed connection.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        _stop.Cancel();
        _listener.Dispose();
        await _acceptLoop.ConfigureAwait(false);
        await Task.WhenAll(_sessions.Values).ConfigureAwait(false);
        _stop.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        await Task.Yield();
        while (!_stop.IsCancellationRequested)
        {
            Socket local;
            try
            {
                local = await _listener.AcceptAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                if (_stop.IsCancellationRequested) return;
                // A connection reset between SYN and accept is the client's business, not a reason to stop serving.
                continue;
            }
            int id = Interlocked.Increment(ref _nextSession);
            Interlocked.Increment(ref _active);
            var session = RelayAsync(local);
            _sessions[id] = session;
            _ = session.ContinueWith(_ => _sessions.TryRemove(id, out Task? _), TaskScheduler.Default);
        }
    }

    private async Task RelayAsync(Socket local)
    {
        try
        {
            await RelayCoreAsync(local).ConfigureAwait(false);
        }
        finally
        {
            Interlocked.Decrement(ref _active);
        }
    }

    private async Task RelayCoreAsync(Socket local)
    {
        await Task.Yield();
        Socket remote;
        try
        {
            local.NoDelay = true;
            remote = await SshTunnel.OpenSocketAsync(_proxyHost, _proxyPort, _taskId, _token, SshTunnel.HandshakeTimeout, _stop.Token)
                .ConfigureAwait(false);
        }
        catch (Exception e)
        {
            local.Dispose();
            if (e is OperationCanceledException && _stop.IsCancellationRequested) return;
            LastError = e;
            try
            {
                _onError?.Invoke(e);
            }
            catch (Exception)
            {
                // A faulty callback must not take the forwarder down with it.
            }
            return;
        }
        await SocketRelay.RunAsync(local, remote, _stop.Token, "ssh", "proxy").ConfigureAwait(false);
    }
}
