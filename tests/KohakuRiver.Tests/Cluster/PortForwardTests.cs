using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text;
using KohakuRiver.Core.Client;
using KohakuRiver.Core.Forwarding;
using KohakuRiver.Core.Models;
using KohakuRiver.Core.Wire;
using KohakuRiver.Tests.Docker;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Xunit;

namespace KohakuRiver.Tests.Cluster;

/// <summary>
/// Port forwarding end to end: a local port, WebSockets through the host to the runner, the runner to the container's own
/// address on the bridge network, a real server in a real container (busybox httpd, a static UDP echo server).
/// </summary>
public sealed class PortForwardTests(DockerFixture docker) : IClassFixture<DockerFixture>
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    /// <summary>Counts the WebSocket requests that reach a runner.</summary>
    private sealed class RunnerWatch
    {
        private int _sockets;

        public int Sockets => Volatile.Read(ref _sockets);

        public void Install(WebApplication app) => app.Use(async (HttpContext ctx, RequestDelegate next) =>
        {
            if (ctx.Request.Path.StartsWithSegments("/ws")) Interlocked.Increment(ref _sockets);
            await next(ctx);
        });
    }

    private static Task<TestCluster> BridgeClusterAsync(RunnerWatch? watch = null) =>
        TestCluster.StartAsync(configure: s => s.TaskNetwork = "bridge", runnerApp: watch is null ? null : watch.Install);

    /// <summary>The client forwards are opened with: the host's, with the API token.</summary>
    private static RiverClient ForwardClient(TestCluster cluster) => new(cluster.HostUri, cluster.HostSettings.ApiToken!);

    private static async Task<long> StartRunningAsync(TestCluster cluster, string command)
    {
        var task = await cluster.SubmitOneAsync(new SubmitRequest { Command = command });
        await Eventually.TrueAsync(async () =>
        {
            var t = await cluster.Client.GetTaskAsync(task.TaskId);
            if (t.IsFinished) throw new InvalidOperationException($"task {t.TaskId} ended early: {t.Status.ToWire()} {t.ErrorMessage}");
            return t.Status == RiverTaskStatus.Running;
        }, Deadline, $"task {task.TaskId} running");
        return task.TaskId;
    }

    /// <summary>GETs a path through the forward until the server in the task answers (it starts with the task).</summary>
    private static async Task<string> FetchWhenUpAsync(HttpClient http, PortForward forward, string path)
    {
        string? body = null;
        await Eventually.TrueAsync(async () =>
        {
            try
            {
                body = await http.GetStringAsync($"http://127.0.0.1:{forward.LocalPort}{path}");
                return true;
            }
            catch (HttpRequestException)
            {
                return false;
            }
        }, Deadline, $"{path} answered through {forward}");
        return body!;
    }

    private const string WebRoot = "mkdir -p /tmp/www && cd /tmp/www";

    [Fact]
    public async Task A_web_server_in_a_task_answers_through_the_forward()
    {
        docker.RequireDocker();
        await using var cluster = await BridgeClusterAsync();
        using var client = ForwardClient(cluster);
        var id = await StartRunningAsync(cluster, $"{WebRoot} && echo hello from $KOHAKURIVER_TASK_ID > index.html && exec httpd -f -p 8080 -h /tmp/www");

        await using var forward = await PortForward.StartAsync(client, id, 8080);
        Assert.Equal("127.0.0.1", forward.LocalAddress);
        Assert.NotEqual(0, forward.LocalPort);
        Assert.Equal(PortForwardState.Listening, forward.State);
        using var http = new HttpClient();
        Assert.Equal($"hello from {id}\n", await FetchWhenUpAsync(http, forward, "/index.html"));
        Assert.True(forward.BytesSent > 0 && forward.BytesReceived > 0, $"sent {forward.BytesSent}, received {forward.BytesReceived}");
        Assert.True(forward.TotalConnections >= 1);

        await forward.StopAsync();
        Assert.Equal(PortForwardState.Stopped, forward.State);
        // Nothing listens there any more. (Binding it again at once is not a fair test: connections this test made
        // may still hold the port in TIME_WAIT.)
        using var probe = new TcpClient();
        var refused = await Assert.ThrowsAsync<SocketException>(() => probe.ConnectAsync(IPAddress.Loopback, forward.LocalPort, TestContext.Current.CancellationToken).AsTask());
        Assert.Equal(SocketError.ConnectionRefused, refused.SocketErrorCode);
    }

    [Fact]
    public async Task Twenty_concurrent_connections_each_get_their_own_answer()
    {
        docker.RequireDocker();
        await using var cluster = await BridgeClusterAsync();
        using var client = ForwardClient(cluster);
        var id = await StartRunningAsync(cluster, $"{WebRoot} && for i in $(seq 1 20); do echo answer-$i > f$i; done && exec httpd -f -p 8080 -h /tmp/www");
        await using var forward = await PortForward.StartAsync(client, id, 8080);
        using var warm = new HttpClient();
        await FetchWhenUpAsync(warm, forward, "/f1");
        var before = forward.TotalConnections;

        // A client per request: twenty connections at once, none reused.
        var answers = await Task.WhenAll(Enumerable.Range(1, 20).Select(async i =>
        {
            using var http = new HttpClient();
            return (i, await http.GetStringAsync($"http://127.0.0.1:{forward.LocalPort}/f{i}"));
        }));
        Assert.All(answers, a => Assert.Equal($"answer-{a.i}\n", a.Item2));
        Assert.True(forward.TotalConnections - before >= 20, $"{forward.TotalConnections - before} connections for 20 requests");
    }

    [Fact]
    public async Task A_stalled_reader_does_not_hold_up_a_50_MB_transfer_beside_it()
    {
        docker.RequireDocker();
        await using var cluster = await BridgeClusterAsync();
        using var client = ForwardClient(cluster);
        var id = await StartRunningAsync(cluster,
            $"{WebRoot} && echo up > index.html && dd if=/dev/urandom of=big bs=1048576 count=50 2>/dev/null && sha256sum big && exec httpd -f -p 8080 -h /tmp/www");
        await using var forward = await PortForward.StartAsync(client, id, 8080);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(120) };
        await FetchWhenUpAsync(http, forward, "/");
        var expected = (await cluster.Client.GetOutputAsync(id, TaskOutputStream.Stdout)).Split(' ')[0];

        // One connection asks for the file and then reads nothing: its buffers fill and it stalls.
        using var stalled = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await stalled.ConnectAsync(IPAddress.Loopback, forward.LocalPort);
        await stalled.SendAsync(Encoding.ASCII.GetBytes("GET /big HTTP/1.0\r\n\r\n"));
        var flowing = forward.BytesReceived;
        await Eventually.TrueAsync(() => forward.BytesReceived - flowing >= 256 * 1024, Deadline, "the stalled connection's data flowing");

        // Beside it, the whole file on another connection, within the deadline.
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var bytes = await http.GetByteArrayAsync($"http://127.0.0.1:{forward.LocalPort}/big", cts.Token);
        Assert.Equal(50 << 20, bytes.Length);
        Assert.Equal(expected, Convert.ToHexStringLower(SHA256.HashData(bytes)));
        Assert.True(forward.Connections >= 1, "the stalled connection is still open");

        // The stalled reader reads at last, and gets the whole file intact too.
        await using var stream = new NetworkStream(stalled, ownsSocket: false);
        using var all = new MemoryStream();
        await stream.CopyToAsync(all, cts.Token);
        var response = all.ToArray();
        var headerEnd = response.AsSpan().IndexOf("\r\n\r\n"u8) + 4;
        Assert.Equal(expected, Convert.ToHexStringLower(SHA256.HashData(response.AsSpan(headerEnd))));
    }

    [Fact]
    public async Task Udp_datagrams_are_echoed_to_each_source_of_their_own()
    {
        docker.RequireDocker();
        await using var cluster = await BridgeClusterAsync();
        UdpEchoProgram.CopyTo(Path.Combine(cluster.HostSettings.SharedDir, "shared_data", "udp_echo"));
        using var client = ForwardClient(cluster);
        var id = await StartRunningAsync(cluster, "exec /shared/udp_echo 9999");
        await using var forward = await PortForward.StartAsync(client, id, 9999, protocol: ForwardProtocol.Udp);
        Assert.Equal(ForwardProtocol.Udp, forward.Protocol);

        using var one = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        using var two = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        one.Connect(IPAddress.Loopback, forward.LocalPort);
        two.Connect(IPAddress.Loopback, forward.LocalPort);
        // The server may not be listening yet: send until an answer comes (UDP loses what arrives too early). A text
        // sent twice is echoed twice, so an echo of an earlier text of the same socket may still come and is skipped;
        // any other answer (another source's echo) is returned and fails the comparison.
        Assert.Equal("echo:one", await EchoAsync(one, "one"));
        Assert.Equal("echo:two", await EchoAsync(two, "two"));
        Assert.Equal("echo:again", await EchoAsync(one, "again", "one"));
        Assert.Equal(2, forward.TotalConnections);
        // Whatever else reached the first source is its own echoes, never the second's.
        while (one.Available > 0)
            Assert.Contains(Encoding.UTF8.GetString((await one.ReceiveAsync()).Buffer), new[] { "echo:one", "echo:again" });
    }

    private static async Task<string> EchoAsync(UdpClient socket, string text, params string[] earlier)
    {
        var deadline = DateTime.UtcNow + Deadline;
        while (true)
        {
            await socket.SendAsync(Encoding.UTF8.GetBytes(text));
            using var wait = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));
            try
            {
                while (true)
                {
                    var answer = Encoding.UTF8.GetString((await socket.ReceiveAsync(wait.Token)).Buffer);
                    if (!earlier.Any(e => answer == "echo:" + e)) return answer;
                }
            }
            catch (OperationCanceledException) when (DateTime.UtcNow < deadline)
            {
            }
        }
    }

    [Fact]
    public async Task A_task_without_a_network_is_refused_with_a_clear_reason()
    {
        docker.RequireDocker();
        // The test cluster's default: task_network none.
        await using var cluster = await TestCluster.StartAsync();
        using var client = ForwardClient(cluster);
        var id = await StartRunningAsync(cluster, "exec sleep 120");
        var e = await Assert.ThrowsAsync<RiverApiException>(() => PortForward.StartAsync(client, id, 8080));
        Assert.Equal(HttpStatusCode.Conflict, e.StatusCode);
        Assert.Equal($"task {id}'s container has no network address (task_network is 'none')", e.Detail);
    }

    [Fact]
    public async Task No_token_a_wrong_token_a_finished_task_and_an_unknown_id_are_refused_before_the_runner_hears_of_them()
    {
        docker.RequireDocker();
        var watch = new RunnerWatch();
        await using var cluster = await BridgeClusterAsync(watch);
        var finished = await cluster.RunAsync(new SubmitRequest { Command = "true" });
        AssertTask.Completed(finished);
        var running = await StartRunningAsync(cluster, $"{WebRoot} && echo up > index.html && exec httpd -f -p 8080 -h /tmp/www");

        // No credentials at all: a bare WebSocket client.
        using (var bare = new ClientWebSocket())
        {
            bare.Options.CollectHttpResponseDetails = true;
            var uri = new Uri($"ws://127.0.0.1:{cluster.HostSettings.HostPort}/ws/forward/{running}/8080");
            await Assert.ThrowsAsync<WebSocketException>(() => bare.ConnectAsync(uri, CancellationToken.None));
            Assert.Equal(HttpStatusCode.Unauthorized, bare.HttpStatusCode);
        }
        using (var wrong = new RiverClient(cluster.HostUri, "not-the-token"))
        {
            var e = await Assert.ThrowsAsync<RiverApiException>(() => PortForward.StartAsync(wrong, running, 8080));
            Assert.Equal(HttpStatusCode.Unauthorized, e.StatusCode);
            Assert.Contains("invalid bearer token", e.Detail);
        }
        using var client = ForwardClient(cluster);
        var done = await Assert.ThrowsAsync<RiverApiException>(() => PortForward.StartAsync(client, finished.TaskId, 8080));
        Assert.Equal(HttpStatusCode.Conflict, done.StatusCode);
        Assert.Contains($"task {finished.TaskId} is completed", done.Detail);
        var unknown = await Assert.ThrowsAsync<RiverApiException>(() => PortForward.StartAsync(client, 424242, 8080));
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal(0, watch.Sockets);

        // The watch does see what does reach the runner: a forward that is let through.
        await using var forward = await PortForward.StartAsync(client, running, 8080);
        Assert.True(watch.Sockets >= 1, "the accepted forward reached the runner");
    }

    [Fact]
    public async Task A_port_nothing_listens_on_closes_the_local_connection_and_the_forward_says_why()
    {
        docker.RequireDocker();
        await using var cluster = await BridgeClusterAsync();
        using var client = ForwardClient(cluster);
        var id = await StartRunningAsync(cluster, "exec sleep 120");
        await using var forward = await PortForward.StartAsync(client, id, 9);

        using var local = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await local.ConnectAsync(IPAddress.Loopback, forward.LocalPort);
        using var cts = new CancellationTokenSource(Deadline);
        // The connection is closed (end of stream, or a reset) rather than left hanging.
        try
        {
            Assert.Equal(0, await local.ReceiveAsync(new byte[16], SocketFlags.None, cts.Token));
        }
        catch (SocketException)
        {
        }
        await Eventually.TrueAsync(() => forward.Error is not null, Deadline, "the forward's Error");
        Assert.Contains("connection refused", forward.Error);
        Assert.Equal(PortForwardState.Listening, forward.State);

        // When the task ends, the next connection is refused by the host with the task's state.
        await cluster.Client.KillAsync(id);
        await cluster.WaitFinalAsync(id);
        using var late = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await late.ConnectAsync(IPAddress.Loopback, forward.LocalPort);
        try
        {
            Assert.Equal(0, await late.ReceiveAsync(new byte[16], SocketFlags.None, cts.Token));
        }
        catch (SocketException)
        {
        }
        await Eventually.TrueAsync(() => forward.Error?.Contains($"task {id} is killed") == true, Deadline, $"the forward's Error naming the killed task (it says: {forward.Error})");
    }
}
