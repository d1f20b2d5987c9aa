using System.Net;
using System.Text;
using KohakuRiver.Core.Client;
using KohakuRiver.Core.Pipeline;
using KohakuRiver.Core.Wire;
using Xunit;

namespace KohakuRiver.Tests.Core;

public sealed class RiverCallTraceTests
{
    private sealed class Answer(HttpStatusCode code, string json) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct) =>
            Task.FromResult(new HttpResponseMessage(code) { Content = new StringContent(json, Encoding.UTF8, "application/json"), RequestMessage = request });
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static List<string> Drain(RiverCallTrace trace)
    {
        var messages = new List<string>();
        trace.Drain(messages.Add);
        return messages;
    }

    [Fact]
    public async Task A_traced_call_names_the_method_the_url_the_body_count_and_size_and_the_answer_but_never_the_token()
    {
        using var client = new RiverClient(new Uri("http://host.test:8000"), "secret-token-123",
            new Answer(HttpStatusCode.Accepted, """{"message":"ok","batch_id":"1","task_ids":["1","2","3"]}"""));
        var trace = new RiverCallTrace();
        var batch = new BatchSubmitRequest { Tasks = [new() { Command = "a" }, new() { Command = "b" }, new() { Command = "c" }] };
        using (trace.Begin())
            await Task.Run(() => client.SubmitBatchAsync(batch, Ct), Ct);

        var messages = Drain(trace);
        Assert.Equal(2, messages.Count);
        Assert.Matches(@"^POST http://host\.test:8000/api/batches \(3 task\(s\), \d+ B\)$", messages[0]);
        Assert.Matches(@"^POST http://host\.test:8000/api/batches: 202 Accepted in \d+ ms$", messages[1]);
        Assert.All(messages, m => Assert.DoesNotContain("secret-token-123", m));
    }

    [Fact]
    public async Task A_refused_call_is_traced_with_its_status_and_untraced_calls_leave_nothing()
    {
        using var client = new RiverClient(new Uri("http://host.test:8000"), "tok", new Answer(HttpStatusCode.NotFound, """{"detail":"no"}"""));
        var trace = new RiverCallTrace();
        using (trace.Begin())
            await Assert.ThrowsAsync<RiverApiException>(() => client.GetTaskAsync(42, Ct));
        Assert.Equal(["GET http://host.test:8000/api/status/42", "GET http://host.test:8000/api/status/42: 404 Not Found in"],
            Drain(trace).Select(m => m.Contains(": 404") ? m[..m.LastIndexOf(" in ", StringComparison.Ordinal)] + " in" : m));

        await Assert.ThrowsAsync<RiverApiException>(() => client.GetTaskAsync(42, Ct));
        Assert.Null(RiverCallTrace.Current);
        Assert.Empty(Drain(trace));
    }

    [Theory]
    [InlineData(0, "0 B")]
    [InlineData(1023, "1023 B")]
    [InlineData(1229, "1.2 KB")]
    [InlineData(2_097_152, "2.0 MB")]
    public void Sizes_read_as_people_read_them(long bytes, string expected) => Assert.Equal(expected, RiverCallTrace.FormatSize(bytes));

    private sealed class ManualClock : TimeProvider
    {
        public long Ticks;
        public override long TimestampFrequency => TimeSpan.TicksPerSecond;
        public override long GetTimestamp() => Ticks;
    }

    [Fact]
    public void Progress_is_due_from_the_threshold_then_at_most_once_per_interval()
    {
        var clock = new ManualClock();
        var throttle = new ProgressThrottle(1000, TimeSpan.FromMilliseconds(250), clock);
        Assert.False(throttle.Due(999));
        Assert.False(throttle.Reported);
        Assert.True(throttle.Due(1000));
        Assert.False(throttle.Due(1500));
        clock.Ticks += TimeSpan.FromMilliseconds(249).Ticks;
        Assert.False(throttle.Due(2000));
        clock.Ticks += TimeSpan.FromMilliseconds(1).Ticks;
        Assert.True(throttle.Due(2001));
        Assert.True(throttle.Reported);
    }
}
