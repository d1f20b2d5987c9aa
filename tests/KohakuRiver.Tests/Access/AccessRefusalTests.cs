using System.Net;
using System.Net.Http.Headers;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using KohakuRiver.Core.Wire;
using KohakuRiver.Daemon.Host.Access;
using KohakuRiver.Daemon.Web;
using KohakuRiver.Tests.Cluster;
using KohakuRiver.Tests.Docker;
using Xunit;

namespace KohakuRiver.Tests.Access;

/// <summary>
/// The host's ways into tasks refuse, with a plain HTTP answer before any upgrade, every request that must not reach a
/// runner: missing or wrong credentials, a spent ticket, bad ids, ports and protocols, unknown and finished tasks.
/// </summary>
public sealed class AccessRefusalTests(DockerFixture docker) : IClassFixture<DockerFixture>
{
    private static async Task<(HttpStatusCode Status, string? Detail)> OpenAsync(Uri host, string pathAndQuery, string? token)
    {
        using var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        if (token is not null) socket.Options.SetRequestHeader("Authorization", "Bearer " + token);
        var uri = new Uri($"ws://{host.Authority}/{pathAndQuery.TrimStart('/')}");
        try
        {
            await socket.ConnectAsync(uri, TestContext.Current.CancellationToken);
            await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, TestContext.Current.CancellationToken);
            return (HttpStatusCode.SwitchingProtocols, null);
        }
        catch (WebSocketException)
        {
            var detail = socket.HttpResponseHeaders?.TryGetValue(ApiPipeline.DetailHeader, out var d) == true ? d.FirstOrDefault() : null;
            return (socket.HttpStatusCode, detail);
        }
    }

    [Fact]
    public async Task Terminal_and_forward_sockets_refuse_bad_requests_before_the_upgrade_with_the_reason()
    {
        docker.RequireDocker();
        await using var cluster = await TestCluster.StartAsync();
        var finished = await cluster.RunAsync(new SubmitRequest { Command = "true" });
        var api = cluster.HostSettings.ApiToken;

        var cases = new (string Path, string? Token, HttpStatusCode Status, string Mentioned)[]
        {
            ($"ws/task/{finished.TaskId}/terminal", null, HttpStatusCode.Unauthorized, "missing bearer token"),
            ($"ws/task/{finished.TaskId}/terminal", "wrong", HttpStatusCode.Unauthorized, "invalid bearer token"),
            ($"ws/task/{finished.TaskId}/terminal", cluster.HostSettings.ClusterToken, HttpStatusCode.Unauthorized, "API token"),
            ($"ws/forward/{finished.TaskId}/80", null, HttpStatusCode.Unauthorized, "missing bearer token"),
            ("ws/task/424242/terminal", api, HttpStatusCode.NotFound, "task 424242 not found"),
            ("ws/forward/424242/80", api, HttpStatusCode.NotFound, "task 424242 not found"),
            ($"ws/task/{finished.TaskId}/terminal", api, HttpStatusCode.Conflict, $"task {finished.TaskId} is completed"),
            ($"ws/forward/{finished.TaskId}/8888", api, HttpStatusCode.Conflict, $"task {finished.TaskId} is completed"),
            ("ws/task/abc/terminal", api, HttpStatusCode.BadRequest, "'abc' is not a positive integer"),
            ($"ws/forward/{finished.TaskId}/0", api, HttpStatusCode.BadRequest, "'0' is not a port number"),
            ($"ws/forward/{finished.TaskId}/70000", api, HttpStatusCode.BadRequest, "'70000' is not a port number"),
            ($"ws/forward/{finished.TaskId}/80?proto=sctp", api, HttpStatusCode.BadRequest, "'sctp' is not tcp or udp"),
        };
        foreach (var (path, token, status, mentioned) in cases)
        {
            var (got, detail) = await OpenAsync(cluster.HostUri, path, token);
            Assert.True(got == status, $"{path} with {(token is null ? "no token" : token == api ? "the API token" : token)}: expected {(int)status}, got {(int)got} ({detail})");
            Assert.True(detail?.Contains(mentioned) == true, $"{path}: the refusal's detail '{detail}' should mention '{mentioned}'");
        }
    }

    [Fact]
    public async Task A_plain_GET_on_a_socket_path_is_a_400_and_exec_refuses_unknown_and_finished_tasks()
    {
        docker.RequireDocker();
        await using var cluster = await TestCluster.StartAsync();
        var finished = await cluster.RunAsync(new SubmitRequest { Command = "true" });
        using var http = new HttpClient { BaseAddress = cluster.HostUri };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", cluster.HostSettings.ApiToken);
        var ct = TestContext.Current.CancellationToken;

        var plain = await http.GetAsync($"/ws/task/{finished.TaskId}/terminal", ct);
        Assert.Equal(HttpStatusCode.BadRequest, plain.StatusCode);
        Assert.Contains("takes a WebSocket", await plain.Content.ReadAsStringAsync(ct));

        var exec = new StringContent("""{"command":"echo hi"}""", Encoding.UTF8, "application/json");
        var unknown = await http.PostAsync("/api/tasks/424242/exec", exec, ct);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        var done = await http.PostAsync($"/api/tasks/{finished.TaskId}/exec", new StringContent("""{"command":"echo hi"}""", Encoding.UTF8, "application/json"), ct);
        Assert.Equal(HttpStatusCode.Conflict, done.StatusCode);
        Assert.Contains("is completed", await done.Content.ReadAsStringAsync(ct));
        var bad = await http.PostAsync($"/api/tasks/{finished.TaskId}/exec", new StringContent("not json", Encoding.UTF8, "application/json"), ct);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
    }

    [Fact]
    public async Task A_ticket_opens_one_socket_once_and_only_the_API_token_gets_tickets()
    {
        docker.RequireDocker();
        await using var cluster = await TestCluster.StartAsync();
        var ct = TestContext.Current.CancellationToken;
        using var http = new HttpClient { BaseAddress = cluster.HostUri };

        var refused = await http.PostAsync("/api/ws-tickets", null, ct);
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", cluster.HostSettings.ClusterToken);
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.PostAsync("/api/ws-tickets", null, ct)).StatusCode);

        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", cluster.HostSettings.ApiToken);
        var answer = await http.PostAsync("/api/ws-tickets", null, ct);
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        var ticket = JsonSerializer.Deserialize(await answer.Content.ReadAsStringAsync(ct), RiverJsonContext.Default.WebSocketTicket)!;
        Assert.Equal(30, ticket.ExpiresIn);
        Assert.Matches("^[0-9a-f]{64}$", ticket.Ticket);

        // Past authentication (an unknown task is the next refusal), then spent.
        var first = await OpenAsync(cluster.HostUri, $"ws/task/424242/terminal?ticket={ticket.Ticket}", token: null);
        Assert.Equal(HttpStatusCode.NotFound, first.Status);
        var second = await OpenAsync(cluster.HostUri, $"ws/task/424242/terminal?ticket={ticket.Ticket}", token: null);
        Assert.Equal(HttpStatusCode.Unauthorized, second.Status);
        Assert.Contains("ticket", second.Detail);
        Assert.Equal(HttpStatusCode.Unauthorized, (await OpenAsync(cluster.HostUri, "ws/task/424242/terminal?ticket=made-up", null)).Status);
        // A ticket is for sockets only.
        using var withTicket = new HttpClient { BaseAddress = cluster.HostUri };
        Assert.Equal(HttpStatusCode.Unauthorized, (await withTicket.GetAsync($"/api/tasks?ticket={ticket.Ticket}", ct)).StatusCode);
    }

    [Fact]
    public void Tickets_expire_are_spent_once_and_are_bounded()
    {
        var clock = new KohakuRiver.Tests.Host.FakeTime(DateTimeOffset.UnixEpoch);
        var tickets = new WebSocketTickets(clock);
        var a = tickets.Issue()!;
        var b = tickets.Issue()!;
        Assert.NotEqual(a, b);
        Assert.True(tickets.TryRedeem(a));
        Assert.False(tickets.TryRedeem(a));
        clock.Advance(WebSocketTickets.Lifetime);
        Assert.False(tickets.TryRedeem(b));
        Assert.False(tickets.TryRedeem(null));

        for (var i = 0; i < WebSocketTickets.MaxOutstanding; i++) Assert.NotNull(tickets.Issue());
        Assert.Null(tickets.Issue());
        clock.Advance(WebSocketTickets.Lifetime);
        Assert.NotNull(tickets.Issue());
    }
}
