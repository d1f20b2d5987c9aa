using System.Net;
using System.Net.Sockets;
using System.Text;
using KohakuRiver.Core.Ssh;
using Xunit;

namespace KohakuRiver.Tests.Ssh;

public sealed class SshTunnelTests
{
    private static CancellationTokenSource Deadline(int seconds = 20)
    {
        var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        cts.CancelAfter(TimeSpan.FromSeconds(seconds));
        return cts;
    }

    [Fact]
    public async Task OpenAsync_returns_a_stream_that_reaches_the_VPS()
    {
        await using var h = await ProxyHarness.StartAsync();
        using var cts = Deadline();

        await using var tunnel = await SshTunnel.OpenAsync("127.0.0.1", h.Port, ProxyHarness.VpsId, ProxyHarness.Token, cts.Token);
        var sent = SshProxyServerTests.RandomNumberGeneratorBytes(300_000);
        var receive = ReadExactlyAsync(tunnel, sent.Length, cts.Token);
        await tunnel.WriteAsync(sent, cts.Token);

        var received = await receive;
        Assert.True(sent.AsSpan().SequenceEqual(received));
        Assert.Equal(1, h.Echo.AcceptedCount);
    }

    [Fact]
    public async Task OpenAsync_does_not_swallow_bytes_that_follow_SUCCESS()
    {
        // A fake proxy that sends SUCCESS and the sshd banner in one segment, as a real one may.
        using var listener = Listen(out int port);
        using var cts = Deadline();
        var server = Task.Run(async () =>
        {
            using var s = await listener.AcceptAsync(cts.Token);
            await ProxyHarness.ReadLineAsync(s, cts.Token);
            await s.SendAsync("SUCCESS\nSSH-2.0-OpenSSH_9.2\r\n"u8.ToArray(), SocketFlags.None, cts.Token);
            s.Shutdown(SocketShutdown.Send);
            await ProxyHarness.ReadToEndAsync(s, cts.Token);
        }, cts.Token);

        await using (var tunnel = await SshTunnel.OpenAsync("127.0.0.1", port, 1, "t", cts.Token))
        {
            var rest = new MemoryStream();
            await tunnel.CopyToAsync(rest, cts.Token);
            Assert.Equal("SSH-2.0-OpenSSH_9.2\r\n", Encoding.ASCII.GetString(rest.ToArray()));
        }
        await server;
    }

    [Fact]
    public async Task A_refusal_becomes_an_SshTunnelException_carrying_the_proxy_reason()
    {
        await using var h = await ProxyHarness.StartAsync();
        h.Resolver.Targets[ProxyHarness.VpsId] = KohakuRiver.Daemon.Host.SshProxy.SshTargetResult.Failure("VPS 42 is stopped");
        using var cts = Deadline();

        var stopped = await Assert.ThrowsAsync<SshTunnelException>(() =>
            SshTunnel.OpenAsync("127.0.0.1", h.Port, ProxyHarness.VpsId, ProxyHarness.Token, cts.Token));
        var badToken = await Assert.ThrowsAsync<SshTunnelException>(() =>
            SshTunnel.OpenAsync("127.0.0.1", h.Port, ProxyHarness.VpsId, "wrong", cts.Token));

        Assert.Equal("VPS 42 is stopped", stopped.Message);
        Assert.True(stopped.RefusedByProxy);
        Assert.Equal("invalid API token", badToken.Message);
        Assert.Equal(0, h.Echo.AcceptedCount);
    }

    [Fact]
    public async Task A_proxy_that_closes_without_answering_is_reported()
    {
        using var listener = Listen(out int port);
        using var cts = Deadline();
        var server = Task.Run(async () =>
        {
            using var s = await listener.AcceptAsync(cts.Token);
            await ProxyHarness.ReadLineAsync(s, cts.Token);
        }, cts.Token);

        var e = await Assert.ThrowsAsync<SshTunnelException>(() => SshTunnel.OpenAsync("127.0.0.1", port, 1, "t", cts.Token));
        await server;

        Assert.Equal($"the SSH proxy at 127.0.0.1:{port} closed the connection without answering", e.Message);
        Assert.False(e.RefusedByProxy);
    }

    [Fact]
    public async Task A_proxy_that_never_answers_times_out()
    {
        using var listener = Listen(out int port);
        using var cts = Deadline();

        var e = await Assert.ThrowsAsync<SshTunnelException>(() =>
            SshTunnel.OpenSocketAsync("127.0.0.1", port, 1, "t", TimeSpan.FromMilliseconds(300), cts.Token));

        Assert.Equal($"the SSH proxy at 127.0.0.1:{port} did not answer within 0.3 s", e.Message);
    }

    [Fact]
    public async Task A_proxy_that_is_not_listening_is_reported()
    {
        int port;
        using (var probe = Listen(out port)) { }
        using var cts = Deadline();

        var e = await Assert.ThrowsAsync<SshTunnelException>(() => SshTunnel.OpenAsync("127.0.0.1", port, 1, "t", cts.Token));

        Assert.StartsWith($"cannot connect to the SSH proxy at 127.0.0.1:{port}: ", e.Message);
    }

    [Theory]
    [InlineData("")]
    [InlineData("two words")]
    [InlineData("line\nbreak")]
    public void A_token_that_would_break_the_request_line_is_rejected_before_connecting(string token)
    {
        Assert.ThrowsAny<ArgumentException>(() => SshTunnel.FormatRequest(1, token));
    }

    [Fact]
    public void The_request_line_is_the_reference_line_plus_the_token()
    {
        Assert.Equal("REQUEST_TUNNEL 123 abc-DEF_1\n", SshTunnel.FormatRequest(123, "abc-DEF_1"));
    }

    [Fact]
    public async Task The_loopback_forwarder_relays_several_connections_at_once()
    {
        await using var h = await ProxyHarness.StartAsync();
        await using var forwarder = new SshLoopbackForwarder("127.0.0.1", h.Port, ProxyHarness.VpsId, ProxyHarness.Token);
        using var cts = Deadline(30);

        var sessions = Enumerable.Range(0, 5).Select(async i =>
        {
            using var local = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            await local.ConnectAsync(new IPEndPoint(IPAddress.Loopback, forwarder.Port), cts.Token);
            var sent = SshProxyServerTests.RandomNumberGeneratorBytes(200_000 + i);
            var receive = SshProxyServerTests.ReadExactlyAsync(local, sent.Length, cts.Token);
            await local.SendAsync(sent, SocketFlags.None, cts.Token);
            var received = await receive;
            bool same = sent.AsSpan().SequenceEqual(received);
            // Half-close end to end: local FIN → proxy → echo server, whose FIN comes back to us.
            local.Shutdown(SocketShutdown.Send);
            Assert.Empty(await ProxyHarness.ReadToEndAsync(local, cts.Token));
            return same;
        }).ToList();

        Assert.All(await Task.WhenAll(sessions), Assert.True);
        Assert.Equal(5, h.Echo.AcceptedCount);
        await SshProxyServerTests.WaitUntilAsync(() => forwarder.ActiveConnections == 0, cts.Token);
        Assert.Null(forwarder.LastError);
    }

    [Fact]
    public async Task The_loopback_forwarder_reports_a_refusal_and_closes_the_local_connection()
    {
        await using var h = await ProxyHarness.StartAsync();
        var reported = new TaskCompletionSource<Exception>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var forwarder = new SshLoopbackForwarder("127.0.0.1", h.Port, 777, ProxyHarness.Token, e => reported.TrySetResult(e));
        using var cts = Deadline();

        using var local = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await local.ConnectAsync(new IPEndPoint(IPAddress.Loopback, forwarder.Port), cts.Token);

        var error = await reported.Task.WaitAsync(cts.Token);
        Assert.Equal("task 777 not found", Assert.IsType<SshTunnelException>(error).Message);
        Assert.Empty(await ProxyHarness.ReadToEndAsync(local, cts.Token));
        Assert.Same(error, forwarder.LastError);
    }

    [Fact]
    public async Task Disposing_the_forwarder_closes_its_connections_and_its_port()
    {
        await using var h = await ProxyHarness.StartAsync();
        var forwarder = new SshLoopbackForwarder("127.0.0.1", h.Port, ProxyHarness.VpsId, ProxyHarness.Token);
        using var cts = Deadline();
        using var local = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await local.ConnectAsync(new IPEndPoint(IPAddress.Loopback, forwarder.Port), cts.Token);
        await local.SendAsync("ping"u8.ToArray(), SocketFlags.None, cts.Token);
        Assert.Equal("ping", Encoding.ASCII.GetString(await SshProxyServerTests.ReadExactlyAsync(local, 4, cts.Token)));

        await forwarder.DisposeAsync();

        var rest = await ProxyHarness.ReadToEndAsync(local, cts.Token).ContinueWith(t => t.IsCompletedSuccessfully ? t.Result.Length : 0);
        Assert.Equal(0, rest);
        using var again = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await Assert.ThrowsAsync<SocketException>(async () =>
            await again.ConnectAsync(new IPEndPoint(IPAddress.Loopback, forwarder.Port), cts.Token));
    }

    private static Socket Listen(out int port)
    {
        var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen();
        port = ((IPEndPoint)listener.LocalEndPoint!).Port;
        return listener;
    }

    private static async Task<byte[]> ReadExactlyAsync(Stream stream, int length, CancellationToken ct)
    {
        var buffer = new byte[length];
        await stream.ReadExactlyAsync(buffer, ct);
        return buffer;
    }
}
