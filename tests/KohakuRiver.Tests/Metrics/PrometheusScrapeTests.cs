using KohakuRiver.Core.Models;
using KohakuRiver.Core.Wire;
using KohakuRiver.Tests.Cluster;
using KohakuRiver.Tests.Core;
using Xunit;

namespace KohakuRiver.Tests.Metrics;

/// <summary>
/// A real Prometheus scrapes the real host's /metrics with the API token from a credentials file, as a lab's scrape
/// config would, and gives back through its own query API what the host holds.
/// </summary>
public sealed class PrometheusScrapeTests
{
    [Fact]
    public async Task Prometheus_scrapes_the_host_with_the_API_token_and_reads_back_its_state()
    {
        PrometheusServer.RequireBinary();
        await using var host = await RealHost.StartAsync(cores: 12);
        var ids = (await host.Client.SubmitBatchAsync(new BatchSubmitRequest
        {
            Tasks = Enumerable.Range(0, 3).Select(_ => new SubmitRequest { Command = "true", RequiredCores = 2 }).ToList(),
        })).TaskIds.Select(long.Parse).ToList();
        await host.RunToEndAsync(ids[0]);
        await host.Dispatched(ids[1]);
        await host.ReportAsync(ids[1], RiverTaskStatus.Running);
        var good = Path.Combine(host.Root, "api-token");
        var wrong = Path.Combine(host.Root, "cluster-token");
        await File.WriteAllTextAsync(good, host.Token + "\n");
        await File.WriteAllTextAsync(wrong, host.Settings.ClusterToken + "\n");
        var target = $"{host.Uri.Host}:{host.Uri.Port}";

        await using var prometheus = await PrometheusServer.StartAsync(new Dictionary<string, (string, string)>
        {
            ["kohakuriver"] = (target, good),
            // The runners' token is refused: Prometheus sees that target down, with the host's 401.
            ["wrong_token"] = (target, wrong),
        });

        var node = host.NodeName;
        try
        {
            await Eventually.TrueAsync(async () => await prometheus.ScalarAsync("up{job=\"kohakuriver\"}") == 1,
                TimeSpan.FromSeconds(30), "a successful scrape of the host");
            Assert.Equal(12, await prometheus.ScalarAsync($"kohakuriver_node_cores{{job=\"kohakuriver\",node=\"{node}\"}}"));
            // Two tasks of two cores each hold resources (the running one, and the one still being handed over).
            Assert.Equal(4, await prometheus.ScalarAsync($"kohakuriver_node_cores_in_use{{job=\"kohakuriver\",node=\"{node}\"}}"));
            Assert.Equal(1, await prometheus.ScalarAsync("kohakuriver_tasks{job=\"kohakuriver\",status=\"completed\"}"));
            Assert.Equal(1, await prometheus.ScalarAsync("kohakuriver_tasks{job=\"kohakuriver\",status=\"running\"}"));
            Assert.Equal(3, await prometheus.ScalarAsync("kohakuriver_tasks_submitted_total{job=\"kohakuriver\"}"));
            Assert.Equal(1, await prometheus.ScalarAsync("kohakuriver_submit_duration_seconds_count{job=\"kohakuriver\"}"));

            // A change in the host shows in a later scrape.
            await host.ReportAsync(ids[1], RiverTaskStatus.Completed, exitCode: 0);
            await Eventually.TrueAsync(async () => await prometheus.ScalarAsync("kohakuriver_tasks{job=\"kohakuriver\",status=\"completed\"}") == 2,
                TimeSpan.FromSeconds(30), "the second completed task scraped");

            await Eventually.TrueAsync(async () => (await prometheus.TargetsAsync()).Any(t => t.Job == "wrong_token" && t.Health == "down"),
                TimeSpan.FromSeconds(30), "the wrong-token target scraped and found down");
            var targets = await prometheus.TargetsAsync();
            var up = Assert.Single(targets, t => t.Job == "kohakuriver");
            Assert.Equal("up", up.Health);
            Assert.Equal("", up.LastError);
            var down = Assert.Single(targets, t => t.Job == "wrong_token");
            Assert.Contains("401", down.LastError);
        }
        catch (Exception e) when (e is not Xunit.Sdk.SkipException)
        {
            throw new InvalidOperationException($"{e.Message}\nprometheus log:\n{prometheus.Log}", e);
        }
    }
}
