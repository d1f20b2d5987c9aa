using System.Net.WebSockets;
using System.Text;
using KohakuRiver.Core.Models;
using KohakuRiver.Core.Wire;
using KohakuRiver.Tests.Docker;
using Xunit;

namespace KohakuRiver.Tests.Cluster;

/// <summary>
/// The forward socket's frames as a reference client sends them (several client ids on one socket), through the host
/// to the runner: bad frames get an ERROR that names the problem, PING gets PONG, a socket carries at most 256
/// connections, and two connections on one socket each get their own answer.
/// </summary>
public sealed class ForwardWireTests(DockerFixture docker) : IClassFixture<DockerFixture>
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    private sealed class FrameSocket(ClientWebSocket socket) : IDisposable
    {
        private readonly byte[] _buffer = new byte[ForwardFrame.ReceiveBufferSize];

        public Task SendAsync(ForwardFrameType type, uint id, ushort port, string payload = "", ForwardProtocol protocol = ForwardProtocol.Tcp) =>
            socket.SendAsync(new ForwardFrame(type, protocol, id, port).ToArray(Encoding.UTF8.GetBytes(payload)), WebSocketMessageType.Binary, true, default);

        public Task SendRawAsync(byte[] message, WebSocketMessageType type = WebSocketMessageType.Binary) =>
            socket.SendAsync(message, type, true, default);

        public async Task<(ForwardFrame Header, string Payload)> ReceiveAsync()
        {
            using var timeout = new CancellationTokenSource(Deadline);
            var (count, type, tooBig) = await WebSocketMessages.ReceiveAsync(socket, _buffer, ForwardFrame.MaxFrameSize, timeout.Token);
            Assert.Equal(WebSocketMessageType.Binary, type);
            Assert.False(tooBig, "the runner sent a frame over the size limit");
            Assert.True(ForwardFrame.TryRead(_buffer.AsSpan(0, count), out var header, out var problem), problem);
            return (header, Encoding.UTF8.GetString(_buffer, ForwardFrame.HeaderSize, count - ForwardFrame.HeaderSize));
        }

        /// <summary>Frames until one matches (others are kept aside in <paramref name="seen"/>).</summary>
        public async Task<(ForwardFrame Header, string Payload)> ReceiveUntilAsync(Func<ForwardFrame, bool> match, List<(ForwardFrame, string)>? seen = null)
        {
            while (true)
            {
                var frame = await ReceiveAsync();
                if (match(frame.Header)) return frame;
                seen?.Add(frame);
            }
        }

        public void Dispose() => socket.Dispose();
    }

    private static async Task<(TestCluster, long)> StartAsync()
    {
        var cluster = await TestCluster.StartAsync(configure: s => s.TaskNetwork = "bridge");
        var task = await cluster.SubmitOneAsync(new SubmitRequest
        {
            Command = "mkdir -p /tmp/www && echo one > /tmp/www/one && echo two > /tmp/www/two && exec httpd -f -p 8080 -h /tmp/www",
        });
        await Eventually.TrueAsync(async () => (await cluster.Client.GetTaskAsync(task.TaskId)).Status == RiverTaskStatus.Running, Deadline, "task running");
        return (cluster, task.TaskId);
    }

    private static async Task<FrameSocket> OpenAsync(TestCluster cluster, long id)
    {
        // The socket outlives the client: it carries its own connection.
        using var client = new global::KohakuRiver.Core.Client.RiverClient(cluster.HostUri, cluster.HostSettings.ApiToken!);
        return new((ClientWebSocket)await client.OpenForwardSocketAsync(id, 8080, ForwardProtocol.Tcp));
    }

    [Fact]
    public async Task Bad_frames_get_an_error_that_names_the_problem_and_ping_gets_pong()
    {
        docker.RequireDocker();
        var (cluster, id) = await StartAsync();
        await using var _ = cluster;
        using var socket = await OpenAsync(cluster, id);

        await socket.SendRawAsync([1, 0, 0]);
        var (header, reason) = await socket.ReceiveAsync();
        Assert.Equal(ForwardFrameType.Error, header.Type);
        Assert.Contains("8-byte header", reason);

        await socket.SendRawAsync("hello"u8.ToArray(), WebSocketMessageType.Text);
        (header, reason) = await socket.ReceiveAsync();
        Assert.Equal(ForwardFrameType.Error, header.Type);
        Assert.Contains("binary", reason);

        await socket.SendRawAsync([9, 0, 0, 0, 0, 4, 0x1f, 0x90]);
        (header, reason) = await socket.ReceiveAsync();
        Assert.Equal((ForwardFrameType.Error, 4u), (header.Type, header.ClientId));
        Assert.Contains("unknown forward frame type 9", reason);

        await socket.SendAsync(ForwardFrameType.Data, 77, 8080, "stray");
        (header, reason) = await socket.ReceiveAsync();
        Assert.Equal((ForwardFrameType.Error, 77u), (header.Type, header.ClientId));
        Assert.Contains("send CONNECT first", reason);

        await socket.SendAsync(ForwardFrameType.Ping, 5, 8080, "are you there");
        (header, reason) = await socket.ReceiveAsync();
        Assert.Equal((ForwardFrameType.Pong, 5u, "are you there"), (header.Type, header.ClientId, reason));

        // A closed port in the container: the connection is refused with the reason, the socket goes on.
        await socket.SendAsync(ForwardFrameType.Connect, 6, 9);
        (header, reason) = await socket.ReceiveAsync();
        Assert.Equal((ForwardFrameType.Error, 6u), (header.Type, header.ClientId));
        Assert.Contains("connection refused", reason);
    }

    [Fact]
    public async Task Two_client_ids_on_one_socket_get_their_own_answers_and_a_socket_carries_at_most_256()
    {
        docker.RequireDocker();
        var (cluster, id) = await StartAsync();
        await using var _ = cluster;
        using var socket = await OpenAsync(cluster, id);

        await socket.SendAsync(ForwardFrameType.Connect, 1, 8080);
        await socket.SendAsync(ForwardFrameType.Connect, 2, 8080);
        var connected = new HashSet<uint>();
        while (connected.Count < 2)
        {
            var (h, _) = await socket.ReceiveUntilAsync(f => f.Type == ForwardFrameType.Connected);
            connected.Add(h.ClientId);
        }
        await socket.SendAsync(ForwardFrameType.Connect, 2, 8080);
        var (dup, why) = await socket.ReceiveAsync();
        Assert.Equal((ForwardFrameType.Error, 2u), (dup.Type, dup.ClientId));
        Assert.Contains("already connected", why);

        await socket.SendAsync(ForwardFrameType.Data, 2, 8080, "GET /two HTTP/1.0\r\n\r\n");
        await socket.SendAsync(ForwardFrameType.Data, 1, 8080, "GET /one HTTP/1.0\r\n\r\n");
        var answers = new Dictionary<uint, StringBuilder> { [1] = new(), [2] = new() };
        var closed = new HashSet<uint>();
        while (closed.Count < 2)
        {
            var (h, payload) = await socket.ReceiveAsync();
            if (h.Type == ForwardFrameType.Data) answers[h.ClientId].Append(payload);
            else if (h.Type == ForwardFrameType.Close) closed.Add(h.ClientId);
        }
        Assert.EndsWith("\r\n\r\none\n", answers[1].ToString());
        Assert.EndsWith("\r\n\r\ntwo\n", answers[2].ToString());
        await socket.SendAsync(ForwardFrameType.Close, 1, 8080);
        await socket.SendAsync(ForwardFrameType.Close, 2, 8080);

        // 256 connections at once on a socket of their own, then one more is refused.
        using var full = await OpenAsync(cluster, id);
        for (uint i = 100; i < 356; i++) await full.SendAsync(ForwardFrameType.Connect, i, 8080);
        var up = 0;
        while (up < 256)
        {
            var (h, reason) = await full.ReceiveAsync();
            Assert.True(h.Type != ForwardFrameType.Error, $"connection {h.ClientId}: {reason}");
            if (h.Type == ForwardFrameType.Connected) up++;
        }
        await full.SendAsync(ForwardFrameType.Connect, 999, 8080);
        var (limit, message) = await full.ReceiveUntilAsync(f => f.ClientId == 999);
        Assert.Equal(ForwardFrameType.Error, limit.Type);
        Assert.Contains("256 connections", message);
    }
}
