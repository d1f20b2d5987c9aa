using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using KohakuRiver.Daemon.Configuration;
using KohakuRiver.Daemon.Host.Metrics;
using KohakuRiver.Daemon.Host.SshProxy;
using Microsoft.Extensions.Logging;

namespace KohakuRiver.Tests.Ssh;

/// <summary>The SSH proxy on a free loopback port, an echo server as the one VPS (task 42), and a log it keeps.</summary>
internal sealed class ProxyHarness : IAsyncDisposable
{
    public const long VpsId = 42;
    public const string Token = "test-token-0123456789abcdef";

    private ProxyHarness(SshProxyServer proxy, TcpEchoServer echo, FakeResolver resolver, ListLogger<SshProxyServer> log)
    {
        Proxy = proxy;
        Echo = echo;
        Resolver = resolver;
        Log = log;
    }

    public SshProxyServer Proxy { get; }
    public TcpEchoServer Echo { get; }
    public FakeResolver Resolver { get; }
    public ListLogger<SshProxyServer> Log { get; }
    public int Port => Proxy.BoundPort;

    public static async Task<ProxyHarness> StartAsync(Action<SshProxyServer>? configure = null, HostMetrics? metrics = null)
    {
        var echo = new TcpEchoServer();
        var resolver = new FakeResolver();
        resolver.Targets[VpsId] = SshTargetResult.Success("127.0.0.1", echo.Port);
        var settings = new DaemonSettings { HostBindAddress = "127.0.0.1", SshProxyPort = 0, ApiToken = Token };
        var log = new ListLogger<SshProxyServer>();
        var proxy = new SshProxyServer(settings, resolver, log, metrics);
        configure?.Invoke(proxy);
        await proxy.StartAsync(CancellationToken.None);
        await proxy.Started;
        return new ProxyHarness(proxy, echo, resolver, log);
    }

    public async ValueTask DisposeAsync()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await Proxy.StopAsync(cts.Token);
        Proxy.Dispose();
        await Echo.DisposeAsync();
    }

    /// <summary>A raw client that sent <paramref name="request"/> (no newline added) and read the one answer line.</summary>
    public async Task<(Socket Socket, string Answer)> RequestAsync(string request, CancellationToken ct)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, Port), ct);
        await socket.SendAsync(Encoding.ASCII.GetBytes(request), SocketFlags.None, ct);
        return (socket, await ReadLineAsync(socket, ct));
    }

    /// <summary>One line, byte by byte so nothing after it is consumed; "&lt;EOF&gt;" if the connection ended first.</summary>
    public static async Task<string> ReadLineAsync(Socket socket, CancellationToken ct)
    {
        var line = new List<byte>();
        var one = new byte[1];
        while (true)
        {
            int read = await socket.ReceiveAsync(one, SocketFlags.None, ct);
            if (read == 0) return line.Count == 0 ? "<EOF>" : Encoding.UTF8.GetString(line.ToArray()) + "<EOF>";
            if (one[0] == '\n') return Encoding.UTF8.GetString(line.ToArray());
            line.Add(one[0]);
        }
    }

    /// <summary>Reads until the peer ends the stream; returns all bytes received.</summary>
    public static async Task<byte[]> ReadToEndAsync(Socket socket, CancellationToken ct)
    {
        var all = new MemoryStream();
        var buffer = new byte[64 * 1024];
        int read;
        while ((read = await socket.ReceiveAsync(buffer, SocketFlags.None, ct)) > 0)
            all.Write(buffer, 0, read);
        return all.ToArray();
    }
}

internal sealed class FakeResolver : ISshTargetResolver
{
    private int _calls;

    public ConcurrentDictionary<long, SshTargetResult> Targets { get; } = new();

    public int Calls => Volatile.Read(ref _calls);

    public SshTargetResult Resolve(long taskId)
    {
        Interlocked.Increment(ref _calls);
        return Targets.TryGetValue(taskId, out var target) ? target : SshTargetResult.NotFound(taskId);
    }
}

/// <summary>Keeps every formatted message (with the exception text) so tests can check what gets logged.</summary>
internal sealed class ListLogger<T> : ILogger<T>
{
    private readonly ConcurrentQueue<string> _lines = new();

    public IReadOnlyList<string> Lines => [.. _lines];

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception,
        Func<TState, Exception?, string> formatter) =>
        _lines.Enqueue($"{logLevel}: {formatter(state, exception)}{(exception is null ? "" : " " + exception)}");
}
