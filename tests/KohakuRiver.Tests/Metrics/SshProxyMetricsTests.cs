using System.Net.Sockets;
using KohakuRiver.Daemon.Host.Metrics;
using KohakuRiver.Tests.Cluster;
using KohakuRiver.Tests.Ssh;
using Xunit;

namespace KohakuRiver.Tests.Metrics;

/// <summary>The SSH proxy's figures: tunnels opened and open, and the bytes relayed each way while a tunnel lasts.</summary>
public sealed class SshProxyMetricsTests
{
    [Fact]
    public async Task A_tunnel_is_counted_while_open_and_its_bytes_by_direction_as_they_pass()
    {
        var metrics = new HostMetrics(processMetrics: false);
        await using var h = await ProxyHarness.StartAsync(metrics: metrics);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        cts.CancelAfter(TimeSpan.FromSeconds(20));

        // A refused request is no tunnel.
        var (refused, answer) = await h.RequestAsync($"REQUEST_TUNNEL {ProxyHarness.VpsId} wrong-token\n", cts.Token);
        refused.Dispose();
        Assert.StartsWith("ERROR", answer);

        var (socket, success) = await h.RequestAsync($"REQUEST_TUNNEL {ProxyHarness.VpsId} {ProxyHarness.Token}\n", cts.Token);
        Assert.Equal("SUCCESS", success);
        var sent = new byte[3000];
        Random.Shared.NextBytes(sent);
        await socket.SendAsync(sent, SocketFlags.None, cts.Token);
        await SshProxyServerTests.ReadExactlyAsync(socket, sent.Length, cts.Token);

        // The echo came back through the proxy, so both directions have passed their bytes on (counted just after).
        MetricsText m = null!;
        await Eventually.TrueAsync(async () =>
        {
            m = await Read(metrics);
            return m.Value("kohakuriver_ssh_proxy_bytes_total{direction=\"from_vps\"}") == sent.Length;
        }, TimeSpan.FromSeconds(10), "the echoed bytes counted");
        Assert.Equal(sent.Length, m.Value("kohakuriver_ssh_proxy_bytes_total{direction=\"to_vps\"}"));
        Assert.Equal(1, m.Value("kohakuriver_ssh_proxy_sessions_total"));
        Assert.Equal(1, m.Value("kohakuriver_ssh_proxy_sessions_open"));

        socket.Dispose();
        await Eventually.TrueAsync(async () => (await Read(metrics)).Value("kohakuriver_ssh_proxy_sessions_open") == 0,
            TimeSpan.FromSeconds(10), "the closed tunnel no longer open");
        Assert.Equal(1, (await Read(metrics)).Value("kohakuriver_ssh_proxy_sessions_total"));
    }

    private static async Task<MetricsText> Read(HostMetrics metrics)
    {
        using var buffer = new MemoryStream();
        await metrics.Registry.CollectAndExportAsTextAsync(buffer);
        return new MetricsText(System.Text.Encoding.UTF8.GetString(buffer.ToArray()));
    }
}
