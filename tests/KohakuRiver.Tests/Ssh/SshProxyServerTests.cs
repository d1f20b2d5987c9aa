using System.Net;
using System.Net.Sockets;
using System.Text;
using KohakuRiver.Daemon.Host.SshProxy;
using Xunit;

namespace KohakuRiver.Tests.Ssh;

public sealed class SshProxyServerTests
{
    private static string Request(long id, string token = ProxyHarness.Token) => $"REQUEST_TUNNEL {id} {token}\n";

    private static CancellationTokenSource Deadline(int seconds = 20)
    {
        var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        cts.CancelAfter(TimeSpan.FromSeconds(seconds));
        return cts;
    }

    [Fact]
    public async Task A_valid_request_gets_SUCCESS_and_a_megabyte_round_trips_both_ways()
    {
        await using var h = await ProxyHarness.StartAsync();
        using var cts = Deadline();

        var (socket, answer) = await h.RequestAsync(Request(ProxyHarness.VpsId), cts.Token);
        using (socket)
        {
            Assert.Equal("SUCCESS", answer);
            var sent = RandomNumberGeneratorBytes(1 << 20);
            var receive = ReadExactlyAsync(socket, sent.Length, cts.Token);
            await socket.SendAsync(sent, SocketFlags.None, cts.Token);
            var received = await receive;
            Assert.True(sent.AsSpan().SequenceEqual(received), "the echoed megabyte differs from what was sent");
        }
        Assert.Equal(1, h.Echo.AcceptedCount);
        Assert.Equal(1, h.Resolver.Calls);
    }

    [Theory]
    [InlineData("REQUEST_TUNNEL 42 wrong-token\n", "ERROR invalid API token")]
    [InlineData("REQUEST_TUNNEL 42\n", "ERROR authentication required: send REQUEST_TUNNEL <task_id> <api token>")]
    [InlineData("REQUEST_TUNNEL 42 \n", "ERROR authentication required: send REQUEST_TUNNEL <task_id> <api token>")]
    [InlineData("HELLO 42 test-token-0123456789abcdef\n", "ERROR unknown request: send REQUEST_TUNNEL <task_id> <api token>")]
    [InlineData("REQUEST_TUNNEL 42 test-token-0123456789abcdef extra\n", "ERROR malformed request: send REQUEST_TUNNEL <task_id> <api token>")]
    [InlineData("REQUEST_TUNNEL abc test-token-0123456789abcdef\n", "ERROR invalid task id 'abc'")]
    [InlineData("REQUEST_TUNNEL -42 test-token-0123456789abcdef\n", "ERROR invalid task id '-42'")]
    [InlineData("REQUEST_TUNNEL 999 test-token-0123456789abcdef\n", "ERROR task 999 not found")]
    public async Task Refused_requests_get_ERROR_and_the_VPS_is_never_contacted(string request, string expected)
    {
        await using var h = await ProxyHarness.StartAsync();
        using var cts = Deadline();

        var (socket, answer) = await h.RequestAsync(request, cts.Token);
        using (socket)
        {
            Assert.Equal(expected, answer);
            Assert.Empty(await ProxyHarness.ReadToEndAsync(socket, cts.Token));
        }
        Assert.Equal(0, h.Echo.AcceptedCount);
    }

    [Fact]
    public async Task A_bad_or_missing_token_is_refused_before_the_task_is_looked_up()
    {
        await using var h = await ProxyHarness.StartAsync();
        using var cts = Deadline();

        foreach (var request in new[] { Request(ProxyHarness.VpsId, "nope"), "REQUEST_TUNNEL 42\n", Request(7, "x") })
        {
            var (socket, answer) = await h.RequestAsync(request, cts.Token);
            socket.Dispose();
            Assert.StartsWith("ERROR ", answer);
        }
        Assert.Equal(0, h.Resolver.Calls);
        Assert.Equal(0, h.Echo.AcceptedCount);
    }

    [Theory]
    [InlineData("VPS 42 is stopped")]
    [InlineData("VPS 42 has no SSH port yet")]
    [InlineData("task 42 is not a VPS")]
    public async Task A_resolver_error_is_passed_to_the_client_and_nothing_is_contacted(string reason)
    {
        await using var h = await ProxyHarness.StartAsync();
        h.Resolver.Targets[ProxyHarness.VpsId] = SshTargetResult.Failure(reason);
        using var cts = Deadline();

        var (socket, answer) = await h.RequestAsync(Request(ProxyHarness.VpsId), cts.Token);
        socket.Dispose();

        Assert.Equal("ERROR " + reason, answer);
        Assert.Equal(0, h.Echo.AcceptedCount);
    }

    [Fact]
    public async Task A_resolver_reason_with_a_newline_still_arrives_as_one_line()
    {
        await using var h = await ProxyHarness.StartAsync();
        h.Resolver.Targets[ProxyHarness.VpsId] = SshTargetResult.Failure("stopped\nSUCCESS");
        using var cts = Deadline();

        var (socket, answer) = await h.RequestAsync(Request(ProxyHarness.VpsId), cts.Token);
        using (socket)
        {
            Assert.Equal("ERROR stopped SUCCESS", answer);
            Assert.Empty(await ProxyHarness.ReadToEndAsync(socket, cts.Token));
        }
    }

    [Fact]
    public async Task A_resolver_that_throws_gives_an_internal_error_and_the_proxy_keeps_serving()
    {
        await using var p = await StartProxyAsync(new ThrowingResolver());
        using var cts = Deadline();

        var (socket, answer) = await RawRequestAsync(p.Proxy.BoundPort, Request(5), cts.Token);
        socket.Dispose();
        Assert.Equal("ERROR internal error while looking up task 5", answer);

        var (again, answer2) = await RawRequestAsync(p.Proxy.BoundPort, Request(6), cts.Token);
        again.Dispose();
        Assert.Equal("ERROR internal error while looking up task 6", answer2);
        Assert.Contains(p.Log.Lines, l => l.StartsWith("Error:") && l.Contains("resolving task 5"));
    }

    [Fact]
    public async Task An_unreachable_VPS_gives_cannot_reach()
    {
        await using var h = await ProxyHarness.StartAsync();
        int closedPort;
        using (var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
        {
            probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            closedPort = ((IPEndPoint)probe.LocalEndPoint!).Port;
        }
        h.Resolver.Targets[ProxyHarness.VpsId] = SshTargetResult.Success("127.0.0.1", closedPort);
        using var cts = Deadline();

        var (socket, answer) = await h.RequestAsync(Request(ProxyHarness.VpsId), cts.Token);
        socket.Dispose();

        Assert.StartsWith($"ERROR cannot reach VPS 42 at 127.0.0.1:{closedPort}: ", answer);
    }

    [Fact]
    public async Task Ten_concurrent_tunnels_each_carry_their_own_bytes()
    {
        await using var h = await ProxyHarness.StartAsync();
        using var cts = Deadline(30);

        var sessions = Enumerable.Range(0, 10).Select(async i =>
        {
            var (socket, answer) = await h.RequestAsync(Request(ProxyHarness.VpsId), cts.Token);
            using (socket)
            {
                Assert.Equal("SUCCESS", answer);
                var sent = RandomNumberGeneratorBytes(256 * 1024 + i);
                var receive = ReadExactlyAsync(socket, sent.Length, cts.Token);
                await socket.SendAsync(sent, SocketFlags.None, cts.Token);
                var received = await receive;
                return sent.AsSpan().SequenceEqual(received);
            }
        }).ToList();
        var results = await Task.WhenAll(sessions);

        Assert.All(results, Assert.True);
        Assert.Equal(10, h.Echo.AcceptedCount);
    }

    [Fact]
    public async Task A_client_half_close_reaches_the_VPS_and_the_VPS_close_comes_back()
    {
        await using var h = await ProxyHarness.StartAsync();
        using var cts = Deadline();

        var (socket, answer) = await h.RequestAsync(Request(ProxyHarness.VpsId), cts.Token);
        using (socket)
        {
            Assert.Equal("SUCCESS", answer);
            var sent = RandomNumberGeneratorBytes(100_000);
            // Read while sending, as ssh does: a client that only reads after its half-close can fill every
            // buffer on the loop back to it, and then the echo stalls before it ever reaches the end of input.
            var receive = ProxyHarness.ReadToEndAsync(socket, cts.Token);
            await socket.SendAsync(sent, SocketFlags.None, cts.Token);
            socket.Shutdown(SocketShutdown.Send);

            // The echo server only sees end of input if the proxy shut down its side of the VPS connection.
            try
            {
                await h.Echo.EndOfInputSeen.WaitAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                Assert.Fail($"the echo server never saw the end of input; receive {receive.Status}; echo: {string.Join(" | ", h.Echo.Failures)}; proxy: {string.Join(" | ", h.Log.Lines)}");
            }
            var received = await receive;
            Assert.True(sent.AsSpan().SequenceEqual(received), "all echoed bytes must arrive before the end of stream");
        }
    }

    [Fact]
    public async Task Bytes_sent_right_behind_the_request_line_reach_the_VPS()
    {
        await using var h = await ProxyHarness.StartAsync();
        using var cts = Deadline();

        // One write: the proxy reads the line and these bytes together and must pass the bytes on.
        var (socket, answer) = await h.RequestAsync(Request(ProxyHarness.VpsId) + "SSH-2.0-pipelined\r\n", cts.Token);
        using (socket)
        {
            Assert.Equal("SUCCESS", answer);
            var echoed = await ReadExactlyAsync(socket, "SSH-2.0-pipelined\r\n".Length, cts.Token);
            Assert.Equal("SSH-2.0-pipelined\r\n", Encoding.ASCII.GetString(echoed));
        }
    }

    [Fact]
    public async Task A_client_that_never_finishes_its_line_is_timed_out_without_holding_up_others()
    {
        await using var h = await ProxyHarness.StartAsync(p => p.RequestTimeout = TimeSpan.FromMilliseconds(500));
        using var cts = Deadline();

        using var slow = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await slow.ConnectAsync(new IPEndPoint(IPAddress.Loopback, h.Port), cts.Token);
        await slow.SendAsync("REQUEST_TUN"u8.ToArray(), SocketFlags.None, cts.Token);
        var slowAnswer = ProxyHarness.ReadLineAsync(slow, cts.Token);

        var (socket, answer) = await h.RequestAsync(Request(ProxyHarness.VpsId), cts.Token);
        using (socket)
        {
            Assert.Equal("SUCCESS", answer);
            Assert.False(slowAnswer.IsCompleted, "the slow client was answered before the working tunnel opened");
        }

        Assert.Equal("ERROR no request line within 0.5 s", await slowAnswer);
    }

    [Fact]
    public async Task An_overlong_request_line_is_refused()
    {
        await using var h = await ProxyHarness.StartAsync();
        using var cts = Deadline();

        var (socket, answer) = await h.RequestAsync("REQUEST_TUNNEL 42 " + new string('a', 2000), cts.Token);
        socket.Dispose();

        Assert.Equal("ERROR the request line is longer than 1024 bytes", answer);
        Assert.Equal(0, h.Echo.AcceptedCount);
    }

    [Fact]
    public async Task The_token_never_appears_in_the_log_but_outcomes_do()
    {
        await using var h = await ProxyHarness.StartAsync();
        using var cts = Deadline();

        var (ok, okAnswer) = await h.RequestAsync(Request(ProxyHarness.VpsId), cts.Token);
        ok.Shutdown(SocketShutdown.Send);
        await ProxyHarness.ReadToEndAsync(ok, cts.Token);
        ok.Dispose();
        var (bad, badAnswer) = await h.RequestAsync(Request(ProxyHarness.VpsId, "a-wrong-secret-token"), cts.Token);
        bad.Dispose();
        Assert.Equal("SUCCESS", okAnswer);
        Assert.Equal("ERROR invalid API token", badAnswer);

        await WaitUntilAsync(() => h.Proxy.ActiveSessions == 0, cts.Token);
        var lines = h.Log.Lines;
        Assert.Contains(lines, l => l.StartsWith("Information:") && l.Contains("VPS 42") && l.Contains("opened"));
        Assert.Contains(lines, l => l.StartsWith("Information:") && l.Contains("VPS 42") && l.Contains("closed"));
        Assert.Contains(lines, l => l.StartsWith("Information:") && l.Contains("task 42 refused: invalid API token"));
        Assert.DoesNotContain(lines, l => l.Contains(ProxyHarness.Token) || l.Contains("a-wrong-secret-token"));
    }

    [Fact]
    public async Task Stopping_the_proxy_ends_open_tunnels()
    {
        var h = await ProxyHarness.StartAsync();
        using var cts = Deadline();
        Socket? socket = null;
        try
        {
            (socket, var answer) = await h.RequestAsync(Request(ProxyHarness.VpsId), cts.Token);
            Assert.Equal("SUCCESS", answer);
            Assert.Equal(1, h.Proxy.ActiveSessions);

            await h.Proxy.StopAsync(cts.Token);

            Assert.Equal(0, h.Proxy.ActiveSessions);
            var rest = await ProxyHarness.ReadToEndAsync(socket, cts.Token).ContinueWith(t => t.IsCompletedSuccessfully ? t.Result.Length : 0);
            Assert.Equal(0, rest);
        }
        finally
        {
            socket?.Dispose();
            await h.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_port_in_use_fails_the_start()
    {
        using var taken = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        taken.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        taken.Listen();
        var settings = new KohakuRiver.Daemon.Configuration.DaemonSettings
        {
            HostBindAddress = "127.0.0.1", SshProxyPort = ((IPEndPoint)taken.LocalEndPoint!).Port, ApiToken = "t",
        };
        using var proxy = new SshProxyServer(settings, new FakeResolver(), new ListLogger<SshProxyServer>());

        await Assert.ThrowsAsync<SocketException>(() => proxy.StartAsync(CancellationToken.None));
        await Assert.ThrowsAsync<SocketException>(() => proxy.Started);
        Assert.Equal(0, proxy.BoundPort);
    }

    [Fact]
    public async Task Without_a_configured_token_every_request_is_refused()
    {
        await using var echo = new TcpEchoServer();
        var resolver = new FakeResolver();
        resolver.Targets[1] = SshTargetResult.Success("127.0.0.1", echo.Port);
        var settings = new KohakuRiver.Daemon.Configuration.DaemonSettings { HostBindAddress = "127.0.0.1", SshProxyPort = 0, ApiToken = null };
        using var proxy = new SshProxyServer(settings, resolver, new ListLogger<SshProxyServer>());
        await proxy.StartAsync(CancellationToken.None);
        using var cts = Deadline();
        try
        {
            var (socket, answer) = await RawRequestAsync(await proxy.Started, "REQUEST_TUNNEL 1 \n", cts.Token);
            socket.Dispose();
            Assert.StartsWith("ERROR authentication required", answer);
            (socket, answer) = await RawRequestAsync(proxy.BoundPort, "REQUEST_TUNNEL 1 anything\n", cts.Token);
            socket.Dispose();
            Assert.Equal("ERROR invalid API token", answer);
            Assert.Equal(0, echo.AcceptedCount);
        }
        finally
        {
            await proxy.StopAsync(CancellationToken.None);
        }
    }

    // ---------------------------------------------------------------- helpers

    private sealed class ThrowingResolver : ISshTargetResolver
    {
        public SshTargetResult Resolve(long taskId) => throw new InvalidOperationException("state is broken");
    }

    private sealed class BareProxy(SshProxyServer proxy, ListLogger<SshProxyServer> log) : IAsyncDisposable
    {
        public SshProxyServer Proxy { get; } = proxy;
        public ListLogger<SshProxyServer> Log { get; } = log;

        public async ValueTask DisposeAsync()
        {
            await Proxy.StopAsync(CancellationToken.None);
            Proxy.Dispose();
        }
    }

    private static async Task<BareProxy> StartProxyAsync(ISshTargetResolver resolver)
    {
        var settings = new KohakuRiver.Daemon.Configuration.DaemonSettings
        {
            HostBindAddress = "127.0.0.1", SshProxyPort = 0, ApiToken = ProxyHarness.Token,
        };
        var log = new ListLogger<SshProxyServer>();
        var proxy = new SshProxyServer(settings, resolver, log);
        await proxy.StartAsync(CancellationToken.None);
        await proxy.Started;
        return new BareProxy(proxy, log);
    }

    private static async Task<(Socket, string)> RawRequestAsync(int port, string request, CancellationToken ct)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), ct);
        await socket.SendAsync(Encoding.ASCII.GetBytes(request), SocketFlags.None, ct);
        return (socket, await ProxyHarness.ReadLineAsync(socket, ct));
    }

    internal static byte[] RandomNumberGeneratorBytes(int length) => System.Security.Cryptography.RandomNumberGenerator.GetBytes(length);

    internal static async Task<byte[]> ReadExactlyAsync(Socket socket, int length, CancellationToken ct)
    {
        var buffer = new byte[length];
        int total = 0;
        while (total < length)
        {
            int read = await socket.ReceiveAsync(buffer.AsMemory(total), SocketFlags.None, ct);
            if (read == 0) throw new EndOfStreamException($"end of stream after {total} of {length} bytes");
            total += read;
        }
        return buffer;
    }

    internal static async Task WaitUntilAsync(Func<bool> condition, CancellationToken ct)
    {
        while (!condition())
            await Task.Delay(10, ct);
    }
}
