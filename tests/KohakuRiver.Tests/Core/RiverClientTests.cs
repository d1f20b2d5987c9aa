using System.Net;
using System.Net.Sockets;
using System.Text;
using KohakuRiver.Core.Client;
using KohakuRiver.Core.Models;
using KohakuRiver.Core.Wire;
using Xunit;

namespace KohakuRiver.Tests.Core;

public sealed class RiverClientTests
{
    /// <summary>Answers every request with what the test says, and remembers what it was asked.</summary>
    private sealed class StubHandler(Func<HttpRequestMessage, HttpResponseMessage> answer) : HttpMessageHandler
    {
        public List<(HttpMethod Method, string PathAndQuery, string? Auth, string? Body)> Requests { get; } = [];

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
        {
            var body = request.Content is null ? null : await request.Content.ReadAsStringAsync(ct);
            lock (Requests) Requests.Add((request.Method, request.RequestUri!.PathAndQuery, request.Headers.Authorization?.ToString(), body));
            var response = answer(request);
            response.RequestMessage = request;
            return response;
        }
    }

    private static HttpResponseMessage Json(HttpStatusCode code, string json) =>
        new(code) { Content = new StringContent(json, Encoding.UTF8, "application/json") };

    private static RiverClient Client(StubHandler h, string baseUri = "http://host.test:8000") => new(new Uri(baseUri), "tok", h);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public void The_default_query_has_limit_and_offset_only()
    {
        Assert.Equal("?limit=100&offset=0", RiverClient.ToQueryString(new TaskQuery()));
    }

    [Fact]
    public void The_query_string_carries_status_wire_name_escaped_node_and_batch()
    {
        var q = new TaskQuery { Status = RiverTaskStatus.KilledOom, NodeName = "a b&c", BatchId = 7151234567890123456, Limit = 5, Offset = 10 };
        Assert.Equal("?limit=5&offset=10&status=killed_oom&node=a%20b%26c&batch_id=7151234567890123456", RiverClient.ToQueryString(q));
    }

    [Fact]
    public void An_empty_node_name_is_left_out_of_the_query()
    {
        Assert.Equal("?limit=1&offset=0", RiverClient.ToQueryString(new TaskQuery { NodeName = "", Limit = 1 }));
    }

    [Fact]
    public async Task Calls_send_the_bearer_token_to_the_path_under_the_base_uri()
    {
        var h = new StubHandler(_ => Json(HttpStatusCode.OK, """[{"task_id":"42","status":"pending"}]"""));
        using var c = Client(h, "http://host.test:8000/river/");
        var tasks = await c.ListTasksAsync(new TaskQuery { Status = RiverTaskStatus.Pending }, Ct);

        Assert.Equal(42L, Assert.Single(tasks).TaskId);
        var r = Assert.Single(h.Requests);
        Assert.Equal(HttpMethod.Get, r.Method);
        Assert.Equal("/river/api/tasks?limit=100&offset=0&status=pending", r.PathAndQuery);
        Assert.Equal("Bearer tok", r.Auth);
    }

    [Fact]
    public async Task Submit_posts_snake_case_json_and_reads_string_ids()
    {
        var h = new StubHandler(_ => Json(HttpStatusCode.OK, """{"message":"1 task(s) accepted","batch_id":"7151234567890123456","task_ids":["7151234567890123456"]}"""));
        using var c = Client(h);
        var r = await c.SubmitAsync(new SubmitRequest { Command = "echo hi", RequiredCores = 2 }, Ct);

        Assert.Equal(7151234567890123456L, r.BatchId);
        Assert.Equal(["7151234567890123456"], r.TaskIds);
        var req = Assert.Single(h.Requests);
        Assert.Equal(HttpMethod.Post, req.Method);
        Assert.Equal("/api/submit", req.PathAndQuery);
        Assert.Equal("""{"task_type":"command","command":"echo hi","required_cores":2}""", req.Body);
    }

    [Fact]
    public async Task Heartbeat_escapes_the_hostname_in_the_path()
    {
        var h = new StubHandler(_ => Json(HttpStatusCode.OK, """{"message":"ok","kill_tasks":["5"]}"""));
        using var c = Client(h);
        var r = await c.HeartbeatAsync("n 1", new HeartbeatRequest { RunningTasks = [1] }, Ct);

        Assert.Equal([5L], r.KillTasks);
        Assert.Equal(HttpMethod.Put, h.Requests[0].Method);
        Assert.Equal("/api/heartbeat/n%201", h.Requests[0].PathAndQuery);
    }

    [Fact]
    public async Task Wait_sends_the_timeout_in_seconds_capped_at_300()
    {
        var h = new StubHandler(_ => Json(HttpStatusCode.OK, """{"task_id":"1","status":"running"}"""));
        using var c = Client(h);
        await c.WaitTaskAsync(1, TimeSpan.FromMilliseconds(1500), Ct);
        await c.WaitTaskAsync(1, TimeSpan.FromHours(1), Ct);
        await c.WaitTaskAsync(1, TimeSpan.FromSeconds(-3), Ct);

        Assert.Equal(["/api/tasks/1/wait?timeout=1.5", "/api/tasks/1/wait?timeout=300", "/api/tasks/1/wait?timeout=0"],
            h.Requests.Select(r => r.PathAndQuery));
    }

    [Fact]
    public async Task Enumerate_fetches_page_after_page_until_a_short_page()
    {
        var h = new StubHandler(req =>
        {
            var q = System.Web.HttpUtility.ParseQueryString(req.RequestUri!.Query);
            var offset = int.Parse(q["offset"]!);
            var limit = int.Parse(q["limit"]!);
            var ids = Enumerable.Range(offset, Math.Max(0, Math.Min(limit, 5 - offset))).Select(i => $"{{\"task_id\":\"{100 + i}\",\"status\":\"completed\"}}");
            return Json(HttpStatusCode.OK, "[" + string.Join(",", ids) + "]");
        });
        using var c = Client(h);
        var all = new List<long>();
        await foreach (var t in c.EnumerateTasksAsync(new TaskQuery { Limit = 2, Status = RiverTaskStatus.Completed }, ct: Ct)) all.Add(t.TaskId);

        Assert.Equal([100L, 101, 102, 103, 104], all);
        Assert.Equal(
            ["/api/tasks?limit=2&offset=0&status=completed", "/api/tasks?limit=2&offset=2&status=completed", "/api/tasks?limit=2&offset=4&status=completed"],
            h.Requests.Select(r => r.PathAndQuery));
    }

    [Fact]
    public async Task Enumerate_with_a_maximum_asks_only_for_what_is_left()
    {
        var h = new StubHandler(req =>
        {
            var q = System.Web.HttpUtility.ParseQueryString(req.RequestUri!.Query);
            var offset = int.Parse(q["offset"]!);
            var limit = int.Parse(q["limit"]!);
            var ids = Enumerable.Range(offset, limit).Select(i => $"{{\"task_id\":\"{i}\",\"status\":\"completed\"}}");
            return Json(HttpStatusCode.OK, "[" + string.Join(",", ids) + "]");
        });
        using var c = Client(h);
        var all = new List<long>();
        await foreach (var t in c.EnumerateTasksAsync(new TaskQuery { Limit = 2 }, maxCount: 3, ct: Ct)) all.Add(t.TaskId);

        Assert.Equal([0L, 1, 2], all);
        Assert.Equal(["/api/tasks?limit=2&offset=0", "/api/tasks?limit=1&offset=2"], h.Requests.Select(r => r.PathAndQuery));
    }

    [Fact]
    public async Task Output_asks_for_lines_and_offset_and_reports_the_next_offset()
    {
        var h = new StubHandler(_ =>
        {
            var r = new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent("b\nc\n") };
            r.Headers.Add("X-Next-Offset", "4096");
            return r;
        });
        using var c = Client(h);
        await using (var o = await c.OpenOutputAsync(9, TaskOutputStream.Stderr, 2, 100, Ct))
        {
            Assert.Equal(4096L, o.NextOffset);
            using var reader = new StreamReader(o.Content);
            Assert.Equal("b\nc\n", await reader.ReadToEndAsync(Ct));
        }
        Assert.Equal("b\nc\n", await c.GetOutputAsync(9, TaskOutputStream.Stdout, ct: Ct));

        Assert.Equal(["/api/tasks/9/stderr?lines=2&offset=100", "/api/tasks/9/stdout"], h.Requests.Select(r => r.PathAndQuery));
    }

    [Theory]
    [InlineData(HttpStatusCode.BadRequest, RiverErrorKind.InvalidArgument)]
    [InlineData(HttpStatusCode.UnprocessableEntity, RiverErrorKind.InvalidArgument)]
    [InlineData(HttpStatusCode.Unauthorized, RiverErrorKind.Unauthorized)]
    [InlineData(HttpStatusCode.Forbidden, RiverErrorKind.Unauthorized)]
    [InlineData(HttpStatusCode.NotFound, RiverErrorKind.NotFound)]
    [InlineData(HttpStatusCode.Conflict, RiverErrorKind.Conflict)]
    [InlineData(HttpStatusCode.ServiceUnavailable, RiverErrorKind.Unavailable)]
    [InlineData(HttpStatusCode.BadGateway, RiverErrorKind.Unavailable)]
    [InlineData(HttpStatusCode.GatewayTimeout, RiverErrorKind.Unavailable)]
    [InlineData(HttpStatusCode.InternalServerError, RiverErrorKind.Server)]
    [InlineData(HttpStatusCode.NotImplemented, RiverErrorKind.Server)]
    public async Task A_non_2xx_detail_answer_becomes_a_RiverApiException_of_the_matching_kind(HttpStatusCode code, RiverErrorKind kind)
    {
        var h = new StubHandler(_ => Json(code, """{"detail":"task 5 not found"}"""));
        using var c = Client(h);
        var e = await Assert.ThrowsAsync<RiverApiException>(() => c.GetTaskAsync(5, Ct));

        Assert.Equal(code, e.StatusCode);
        Assert.Equal(kind, e.Kind);
        Assert.Equal("task 5 not found", e.Detail);
        Assert.Equal($"{(int)code} {code}: task 5 not found", e.Message);
    }

    [Fact]
    public async Task A_non_json_error_body_is_used_as_the_detail()
    {
        var h = new StubHandler(_ => new HttpResponseMessage(HttpStatusCode.BadGateway) { Content = new StringContent("  upstream down\n") });
        using var c = Client(h);
        var e = await Assert.ThrowsAsync<RiverApiException>(() => c.GetNodesAsync(Ct));
        Assert.Equal("upstream down", e.Detail);
        Assert.Equal(RiverErrorKind.Unavailable, e.Kind);
    }

    [Fact]
    public async Task An_empty_error_body_falls_back_to_the_reason_phrase()
    {
        var h = new StubHandler(_ => new HttpResponseMessage(HttpStatusCode.Unauthorized) { ReasonPhrase = "Unauthorized", Content = new StringContent("") });
        using var c = Client(h);
        var e = await Assert.ThrowsAsync<RiverApiException>(() => c.GetHealthAsync(Ct));
        Assert.Equal("Unauthorized", e.Detail);
        Assert.Equal(RiverErrorKind.Unauthorized, e.Kind);
    }

    [Fact]
    public async Task A_success_answer_that_is_not_the_expected_json_is_a_RiverApiException()
    {
        var h = new StubHandler(_ => Json(HttpStatusCode.OK, "<html>"));
        using var c = Client(h);
        var e = await Assert.ThrowsAsync<RiverApiException>(() => c.GetTaskAsync(1, Ct));
        Assert.Equal(HttpStatusCode.OK, e.StatusCode);
        Assert.StartsWith("the host's answer could not be read:", e.Detail);
        Assert.IsAssignableFrom<System.Text.Json.JsonException>(e.InnerException);
    }

    [Fact]
    public async Task A_json_null_answer_is_a_RiverApiException()
    {
        var h = new StubHandler(_ => Json(HttpStatusCode.OK, "null"));
        using var c = Client(h);
        var e = await Assert.ThrowsAsync<RiverApiException>(() => c.GetTaskAsync(1, Ct));
        Assert.Equal("the host answered with an empty body", e.Detail);
    }

    [Fact]
    public async Task Connection_refused_is_Kind_Connection_with_no_status_code()
    {
        // A port that was just free and is now closed: nothing listens there.
        var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        var port = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();

        using var c = new RiverClient(new Uri($"http://127.0.0.1:{port}"), "tok");
        var e = await Assert.ThrowsAsync<RiverApiException>(() => c.GetHealthAsync(Ct));

        Assert.Null(e.StatusCode);
        Assert.Equal(RiverErrorKind.Connection, e.Kind);
        Assert.StartsWith($"cannot reach the host at http://127.0.0.1:{port}/:", e.Detail);
        Assert.IsType<HttpRequestException>(e.InnerException);
    }

    [Fact]
    public async Task A_handler_failure_is_Kind_Connection()
    {
        var h = new StubHandler(_ => throw new HttpRequestException("Connection refused (host.test:8000)"));
        using var c = Client(h);
        var e = await Assert.ThrowsAsync<RiverApiException>(() => c.KillAsync(1, Ct));
        Assert.Null(e.StatusCode);
        Assert.Equal(RiverErrorKind.Connection, e.Kind);
        Assert.Equal("cannot reach the host at http://host.test:8000/: Connection refused (host.test:8000)", e.Detail);
    }

    [Fact]
    public async Task A_client_timeout_is_Kind_Connection_but_caller_cancellation_stays_a_cancellation()
    {
        var slow = new SlowHandler();
        using (var c = new RiverClient(new Uri("http://host.test"), "tok", slow, TimeSpan.FromMilliseconds(50)))
        {
            var e = await Assert.ThrowsAsync<RiverApiException>(() => c.GetHealthAsync(Ct));
            Assert.Null(e.StatusCode);
            Assert.Equal(RiverErrorKind.Connection, e.Kind);
            Assert.Equal("the host at http://host.test/ did not answer in time", e.Detail);
        }

        using var c2 = new RiverClient(new Uri("http://host.test"), "tok", new SlowHandler());
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => c2.GetHealthAsync(cts.Token));
    }

    private sealed class SlowHandler : HttpMessageHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
        {
            await Task.Delay(Timeout.Infinite, ct);
            throw new InvalidOperationException("unreachable");
        }
    }

    [Theory]
    [InlineData("")]
    [InlineData("  ")]
    public void A_token_is_required(string token)
    {
        var e = Assert.Throws<ArgumentException>(() => new RiverClient(new Uri("http://h"), token));
        Assert.Equal("token", e.ParamName);
    }
}
