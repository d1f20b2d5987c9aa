using System.Net;
using KohakuRiver.Core.Wire;
using KohakuRiver.Daemon.Runner.Agent;
using KohakuRiver.Tests.Core;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;

namespace KohakuRiver.Tests.Runner;

public sealed class HostLinkTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_kill_the_host_has_not_acknowledged_rides_on_heartbeats_until_it_is()
    {
        var seenDuringRetries = new List<IReadOnlyList<KilledTaskReport>>();
        HostLink? link = null;
        var calls = 0;
        var host = new FakeHost().On("POST /api/update", _ =>
        {
            seenDuringRetries.Add(link!.UnacknowledgedKills);
            return ++calls < 3 ? FakeHost.Error(HttpStatusCode.ServiceUnavailable, "restarting") : FakeHost.Json(new MessageResponse { Message = "ok" }, RiverJsonContext.Default.MessageResponse);
        });
        link = new HostLink(host.Client(), NullLogger.Instance);

        await link.ReportAsync(new TaskUpdateRequest { TaskId = 9, Status = "killed_oom", Message = "killed by the kernel: out of memory" }, Ct);

        Assert.Equal(3, calls);
        Assert.All(seenDuringRetries, kills => Assert.Equal((9L, "killed by the kernel: out of memory"), (Assert.Single(kills).TaskId, kills[0].Reason)));
        Assert.Empty(link.UnacknowledgedKills);
    }

    [Fact]
    public async Task Other_reports_and_refused_kills_never_ride_on_heartbeats()
    {
        HostLink? link = null;
        var seen = new List<int>();
        var host = new FakeHost()
            .On("POST /api/update", request =>
            {
                seen.Add(link!.UnacknowledgedKills.Count);
                return request.Body.Contains("\"killed\"", StringComparison.Ordinal)
                    ? FakeHost.Error(HttpStatusCode.NotFound, "task 5 not found")
                    : FakeHost.Json(new MessageResponse { Message = "ok" }, RiverJsonContext.Default.MessageResponse);
            });
        link = new HostLink(host.Client(), NullLogger.Instance);

        await link.ReportAsync(new TaskUpdateRequest { TaskId = 4, Status = "completed", ExitCode = 0 }, Ct);
        await link.ReportAsync(new TaskUpdateRequest { TaskId = 5, Status = "killed", Message = "killed" }, Ct);

        Assert.Equal([0, 1], seen);
        Assert.Empty(link.UnacknowledgedKills);
    }
}
