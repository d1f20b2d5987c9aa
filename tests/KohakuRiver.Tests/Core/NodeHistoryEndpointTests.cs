using System.Net;
using System.Net.Http.Headers;
using KohakuRiver.Core.Client;
using KohakuRiver.Core.Wire;
using Xunit;

namespace KohakuRiver.Tests.Core;

/// <summary>GET /api/nodes/{hostname}/history through the real host: heartbeats sent over HTTP come back as samples,
/// the client's filters reach the host, and bad input is a 4xx.</summary>
public sealed class NodeHistoryEndpointTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task Beat(RealHost host, string node, double cpu, params GpuInfo[] gpus) =>
        await host.RunnerSide.HeartbeatAsync(node, new HeartbeatRequest { CpuPercent = cpu, CurrentMaxTemp = 60 + cpu, GpuInfo = gpus.Length == 0 ? null : [.. gpus] }, Ct);

    [Fact]
    public async Task Heartbeats_come_back_as_samples_oldest_first_bounded_by_the_capacity()
    {
        await using var host = await RealHost.StartAsync();
        // The test host's interval is 600 s: an hour is 6 samples.
        for (var i = 0; i < 8; i++)
            await Beat(host, host.NodeName, i, new GpuInfo { GpuId = 0, Name = "Fake", GpuUtilization = 10 * i, MemoryUsedMib = 100 * i, MemoryTotalMib = 24576, Temperature = 50 + i });

        var history = await host.Client.GetNodeHistoryAsync(host.NodeName, ct: Ct);

        Assert.Equal(host.NodeName, history.Hostname);
        Assert.Equal(6, history.Capacity);
        Assert.Equal(600, history.IntervalSeconds);
        Assert.Equal([2.0, 3, 4, 5, 6, 7], history.Samples.Select(s => s.CpuPercent!.Value));
        Assert.Equal(history.Samples.Select(s => s.Timestamp).Order(), history.Samples.Select(s => s.Timestamp));
        var gpu = Assert.Single(history.Samples[^1].Gpus!);
        Assert.Equal((0, 70, 700L, 24576L, 57), (gpu.GpuId, gpu.GpuUtilization, gpu.MemoryUsedMib, gpu.MemoryTotalMib, gpu.Temperature));

        var newest = await host.Client.GetNodeHistoryAsync(host.NodeName, last: 2, ct: Ct);
        Assert.Equal([6.0, 7], newest.Samples.Select(s => s.CpuPercent!.Value));
        // since: the fourth kept sample's own time keeps it and those after it (an offset other than UTC works too).
        var from = history.Samples[3].Timestamp.ToOffset(TimeSpan.FromHours(9));
        var since = await host.Client.GetNodeHistoryAsync(host.NodeName, since: from, ct: Ct);
        Assert.Equal([5.0, 6, 7], since.Samples.Select(s => s.CpuPercent!.Value));
        Assert.Empty((await host.Client.GetNodeHistoryAsync(host.NodeName, since: DateTimeOffset.UtcNow.AddHours(1), ct: Ct)).Samples);
    }

    [Fact]
    public async Task An_unknown_node_is_404_and_bad_filters_are_400_with_a_reason()
    {
        await using var host = await RealHost.StartAsync();
        var missing = await Assert.ThrowsAsync<RiverApiException>(() => host.Client.GetNodeHistoryAsync("no-such-node", ct: Ct));
        Assert.Equal(RiverErrorKind.NotFound, missing.Kind);

        using var http = new HttpClient { BaseAddress = host.Uri };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", host.Token);
        var node = host.NodeName;
        foreach (var (query, says) in new[]
                 {
                     ("since=yesterday", "since"),
                     ("since=" + new string('9', 100), "since"),
                     ("since=2024-06-01T08:00:00Z&since=2024-06-01T09:00:00Z", "since"),
                     ("last=0", "last"),
                     ("last=-3", "last"),
                     ("last=7201", "last"),
                     ("last=ten", "last"),
                 })
        {
            using var response = await http.GetAsync($"api/nodes/{node}/history?{query}", Ct);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Contains(says, await response.Content.ReadAsStringAsync(Ct));
        }
        using (var ok = await http.GetAsync($"api/nodes/{node}/history?since=2024-06-01T08:00:00Z&last=5", Ct))
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        using (var badName = await http.GetAsync("api/nodes/bad%20name/history", Ct))
            Assert.Equal(HttpStatusCode.BadRequest, badName.StatusCode);
        using (var unknown = await http.GetAsync("api/nodes/no-such-node/history", Ct))
            Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);

        using var anonymous = new HttpClient { BaseAddress = host.Uri };
        using var refused = await anonymous.GetAsync($"api/nodes/{node}/history", Ct);
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
    }
}
