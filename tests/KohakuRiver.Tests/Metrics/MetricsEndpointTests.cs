using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using KohakuRiver.Core.Models;
using KohakuRiver.Core.Wire;
using KohakuRiver.Tests.Cluster;
using KohakuRiver.Tests.Core;
using Xunit;

namespace KohakuRiver.Tests.Metrics;

/// <summary>
/// /metrics on the product's real host (in process, a stub runner, no Docker): who may read it, and that its figures
/// follow what the host did and holds.
/// </summary>
public sealed class MetricsEndpointTests
{
    private const double MiB = 1024 * 1024;

    public static TheoryData<string?, string> RefusedTokens => new()
    {
        { null, "missing bearer token" },
        { "not-the-token", "invalid bearer token" },
        // The runners' token opens only the runner-facing endpoints; /metrics is a client's.
        { "cluster", "invalid bearer token" },
    };

    [Theory]
    [MemberData(nameof(RefusedTokens))]
    public async Task Metrics_without_the_API_token_is_401(string? token, string detail)
    {
        await using var host = await RealHost.StartAsync();
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(host.Uri, "/metrics"));
        if (token is not null)
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token == "cluster" ? host.Settings.ClusterToken! : token);

        using var response = await http.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var body = await response.Content.ReadAsStringAsync();
        Assert.Contains(detail, body);
        Assert.DoesNotContain("kohakuriver_", body);
    }

    [Fact]
    public async Task Metrics_with_the_API_token_is_the_Prometheus_text_format_with_every_family()
    {
        await using var host = await RealHost.StartAsync();
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(host.Uri, "/metrics"));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", host.Token);

        using var response = await http.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        var metrics = new MetricsText(await response.Content.ReadAsStringAsync());
        var expected = new Dictionary<string, string>
        {
            ["kohakuriver_tasks"] = "gauge",
            ["kohakuriver_queue_depth"] = "gauge",
            ["kohakuriver_queue_oldest_wait_seconds"] = "gauge",
            ["kohakuriver_queue_wait_seconds"] = "histogram",
            ["kohakuriver_submit_duration_seconds"] = "histogram",
            ["kohakuriver_tasks_submitted_total"] = "counter",
            ["kohakuriver_dispatch_duration_seconds"] = "histogram",
            ["kohakuriver_runner_call_failures_total"] = "counter",
            ["kohakuriver_node_up"] = "gauge",
            ["kohakuriver_node_cores"] = "gauge",
            ["kohakuriver_node_cores_in_use"] = "gauge",
            ["kohakuriver_node_cores_free"] = "gauge",
            ["kohakuriver_node_memory_bytes"] = "gauge",
            ["kohakuriver_node_memory_reserved_bytes"] = "gauge",
            ["kohakuriver_node_memory_free_bytes"] = "gauge",
            ["kohakuriver_node_gpus"] = "gauge",
            ["kohakuriver_node_gpus_in_use"] = "gauge",
            ["kohakuriver_node_gpus_free"] = "gauge",
            ["kohakuriver_gpu_utilization_percent"] = "gauge",
            ["kohakuriver_gpu_memory_total_bytes"] = "gauge",
            ["kohakuriver_gpu_memory_used_bytes"] = "gauge",
            ["kohakuriver_gpu_temperature_celsius"] = "gauge",
            ["kohakuriver_ssh_proxy_sessions_open"] = "gauge",
            ["kohakuriver_ssh_proxy_sessions_total"] = "counter",
            ["kohakuriver_ssh_proxy_bytes_total"] = "counter",
        };
        foreach (var (family, type) in expected)
            Assert.True(metrics.Types.TryGetValue(family, out var actual) && actual == type,
                $"{family} should be declared as a {type}; declared: {(actual ?? "absent")}");
        // Every status has its series from the start, at 0 on a new host.
        foreach (var status in Enum.GetValues<RiverTaskStatus>())
            Assert.Equal(0, metrics.Value($"kohakuriver_tasks{{status=\"{status.ToWire()}\"}}"));
        Assert.Equal(1, metrics.Value($"kohakuriver_node_up{{node=\"{host.NodeName}\"}}"));
        // The process's and the runtime's own figures come along.
        Assert.True(metrics.Value("process_resident_memory_bytes") > 10 << 20, "the host process's resident memory");
        Assert.True(metrics.Value("process_cpu_seconds_total") > 0, "the host process's CPU time");
        Assert.True(metrics.Value("dotnet_total_memory_bytes") > 0, "the managed heap's size");
        Assert.Equal("counter", metrics.Types["dotnet_collection_count_total"]);
    }

    [Fact]
    public async Task Metrics_is_read_only()
    {
        await using var host = await RealHost.StartAsync();
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(host.Uri, "/metrics")) { Content = new StringContent("x") };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", host.Token);

        using var response = await http.SendAsync(request);

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        Assert.Contains("method POST is not allowed on /metrics", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_submission_is_counted_in_the_submit_histogram_and_its_tasks_in_tasks_submitted()
    {
        await using var host = await RealHost.StartAsync();
        var before = await MetricsText.ScrapeAsync(host.Uri, host.Token);
        Assert.Equal(0, before.Value("kohakuriver_submit_duration_seconds_count"));

        await host.Client.SubmitBatchAsync(new BatchSubmitRequest
        {
            Tasks = [new SubmitRequest { Command = "true" }, new SubmitRequest { Command = "true" }, new SubmitRequest { Command = "true" }],
        });
        await host.Client.SubmitAsync(new SubmitRequest { Command = "true" });

        var after = await MetricsText.ScrapeAsync(host.Uri, host.Token);
        Assert.Equal(2, after.Value("kohakuriver_submit_duration_seconds_count"));
        Assert.Equal(4, after.Value("kohakuriver_tasks_submitted_total"));
        Assert.True(after.Value("kohakuriver_submit_duration_seconds_sum") > 0, "the submissions' time should add up to more than nothing");
        Assert.Equal(2, after.Value("kohakuriver_submit_duration_seconds_bucket{le=\"+Inf\"}"));
    }

    [Fact]
    public async Task Two_hosts_in_one_process_keep_their_figures_apart()
    {
        await using var busy = await RealHost.StartAsync();
        await using var idle = await RealHost.StartAsync();

        await busy.Client.SubmitAsync(new SubmitRequest { Command = "true" });

        Assert.Equal(1, (await MetricsText.ScrapeAsync(busy.Uri, busy.Token)).Value("kohakuriver_tasks_submitted_total"));
        var other = await MetricsText.ScrapeAsync(idle.Uri, idle.Token);
        Assert.Equal(0, other.Value("kohakuriver_tasks_submitted_total"));
        Assert.Null(other.Value($"kohakuriver_node_cores{{node=\"{busy.NodeName}\"}}"));
    }

    [Fact]
    public async Task Tasks_by_status_queue_and_node_figures_follow_the_host_state()
    {
        await using var host = await RealHost.StartAsync(cores: 8);
        var ids = (await host.Client.SubmitBatchAsync(new BatchSubmitRequest
        {
            Tasks = Enumerable.Range(0, 4).Select(_ => new SubmitRequest { Command = "true", RequiredCores = 1 }).ToList(),
        })).TaskIds.Select(long.Parse).ToList();
        await host.RunToEndAsync(ids[0]);
        await host.RunToEndAsync(ids[1], exitCode: 1);
        await host.Dispatched(ids[2]);
        await host.ReportAsync(ids[2], RiverTaskStatus.Running);
        await host.Dispatched(ids[3]);
        // Six cores are free now: a task needing all eight waits in the queue.
        var queued = long.Parse((await host.Client.SubmitAsync(new SubmitRequest { Command = "true", RequiredCores = 8 })).TaskIds.Single());

        var node = host.NodeName;
        MetricsText m = null!;
        // The hand-overs are counted once the stub's answer is back, just after it saw the call.
        await Eventually.TrueAsync(async () =>
        {
            m = await MetricsText.ScrapeAsync(host.Uri, host.Token);
            return m.Value("kohakuriver_dispatch_duration_seconds_count") == 4;
        }, TimeSpan.FromSeconds(10), "four hand-overs counted");

        Assert.Equal(1, m.Value("kohakuriver_tasks{status=\"completed\"}"));
        Assert.Equal(1, m.Value("kohakuriver_tasks{status=\"failed\"}"));
        Assert.Equal(1, m.Value("kohakuriver_tasks{status=\"running\"}"));
        Assert.Equal(1, m.Value("kohakuriver_tasks{status=\"assigning\"}"));
        Assert.Equal(1, m.Value("kohakuriver_tasks{status=\"pending\"}"));
        Assert.Equal(0, m.Value("kohakuriver_tasks{status=\"killed\"}"));
        Assert.Equal(1, m.Value("kohakuriver_queue_depth"));
        Assert.True(m.Value("kohakuriver_queue_oldest_wait_seconds") is >= 0 and < 60, m.Text);
        Assert.Equal(4, m.Value("kohakuriver_queue_wait_seconds_count"));
        Assert.Equal(8, m.Value($"kohakuriver_node_cores{{node=\"{node}\"}}"));
        Assert.Equal(2, m.Value($"kohakuriver_node_cores_in_use{{node=\"{node}\"}}"));
        Assert.Equal(6, m.Value($"kohakuriver_node_cores_free{{node=\"{node}\"}}"));
        var nodes = await host.Client.GetNodesAsync();
        var mine = nodes.Single(n => n.NodeName == node);
        Assert.Equal(mine.TotalMemoryBytes, m.Value($"kohakuriver_node_memory_bytes{{node=\"{node}\"}}"));
        Assert.Equal(mine.MemoryReservedBytes, m.Value($"kohakuriver_node_memory_reserved_bytes{{node=\"{node}\"}}"));
        Assert.True(mine.MemoryReservedBytes > 0, "two tasks hold memory");
        Assert.Equal(mine.AvailableMemoryBytes, m.Value($"kohakuriver_node_memory_free_bytes{{node=\"{node}\"}}"));

        // Killing the queued task moves it from the host's memory to the store: counted there from now on.
        await host.Client.KillAsync(queued);
        var after = await MetricsText.ScrapeAsync(host.Uri, host.Token);
        Assert.Equal(0, after.Value("kohakuriver_tasks{status=\"pending\"}"));
        Assert.Equal(1, after.Value("kohakuriver_tasks{status=\"killed\"}"));
        Assert.Equal(0, after.Value("kohakuriver_queue_depth"));
        Assert.Equal(0, after.Value("kohakuriver_queue_oldest_wait_seconds"));
    }

    [Fact]
    public async Task A_runner_that_cannot_be_reached_is_counted_as_a_failed_execute()
    {
        await using var host = await RealHost.StartAsync();
        var dead = "dead-" + Guid.NewGuid().ToString("N")[..6];
        await host.RunnerSide.RegisterAsync(new RegisterRequest
        {
            Hostname = dead, Url = $"http://127.0.0.1:{ClosedPort()}", TotalCores = 4, TotalRamBytes = 8L << 30,
        });
        var before = await MetricsText.ScrapeAsync(host.Uri, host.Token);
        const string series = "kohakuriver_runner_call_failures_total{operation=\"execute\",reason=\"unreachable\"}";
        Assert.Equal(0, before.Value(series));

        await host.Client.SubmitAsync(new SubmitRequest { Command = "true", Targets = [dead] });

        await Eventually.TrueAsync(async () => (await MetricsText.ScrapeAsync(host.Uri, host.Token)).Value(series) >= 1,
            TimeSpan.FromSeconds(20), "the failed hand-over counted");
        var after = await MetricsText.ScrapeAsync(host.Uri, host.Token);
        Assert.Equal(0, after.Value("kohakuriver_runner_call_failures_total{operation=\"execute\",reason=\"refused\"}"));
        Assert.Equal(0, after.Value("kohakuriver_dispatch_duration_seconds_count"));
    }

    [Fact]
    public async Task GPU_figures_follow_the_runner_reports_and_skip_what_a_GPU_did_not_report()
    {
        await using var host = await RealHost.StartAsync();
        var node = "gpu-" + Guid.NewGuid().ToString("N")[..6];
        await host.RunnerSide.RegisterAsync(new RegisterRequest
        {
            Hostname = node, Url = "http://127.0.0.1:9", TotalCores = 16, TotalRamBytes = 64L << 30,
            GpuInfo =
            [
                new GpuInfo { GpuId = 0, Name = "A", GpuUtilization = 37, MemoryTotalMib = 24576, MemoryUsedMib = 1024, MemoryFreeMib = 23552, Temperature = 55 },
                new GpuInfo { GpuId = 1, Name = "B", MemoryTotalMib = 16384 },
            ],
        });

        var m = await MetricsText.ScrapeAsync(host.Uri, host.Token);
        Assert.Equal(2, m.Value($"kohakuriver_node_gpus{{node=\"{node}\"}}"));
        Assert.Equal(0, m.Value($"kohakuriver_node_gpus_in_use{{node=\"{node}\"}}"));
        Assert.Equal(2, m.Value($"kohakuriver_node_gpus_free{{node=\"{node}\"}}"));
        Assert.Equal(37, m.Value($"kohakuriver_gpu_utilization_percent{{node=\"{node}\",gpu=\"0\"}}"));
        Assert.Equal(24576 * MiB, m.Value($"kohakuriver_gpu_memory_total_bytes{{node=\"{node}\",gpu=\"0\"}}"));
        Assert.Equal(1024 * MiB, m.Value($"kohakuriver_gpu_memory_used_bytes{{node=\"{node}\",gpu=\"0\"}}"));
        Assert.Equal(55, m.Value($"kohakuriver_gpu_temperature_celsius{{node=\"{node}\",gpu=\"0\"}}"));
        Assert.Equal(16384 * MiB, m.Value($"kohakuriver_gpu_memory_total_bytes{{node=\"{node}\",gpu=\"1\"}}"));
        // -1 on the wire is "the driver did not say": no series rather than a -1 a graph would plot.
        Assert.Null(m.Value($"kohakuriver_gpu_utilization_percent{{node=\"{node}\",gpu=\"1\"}}"));
        Assert.Null(m.Value($"kohakuriver_gpu_temperature_celsius{{node=\"{node}\",gpu=\"1\"}}"));
        Assert.Null(m.Value($"kohakuriver_gpu_memory_used_bytes{{node=\"{node}\",gpu=\"1\"}}"));
        // A node without GPUs has its counts at 0 and no per-GPU series.
        Assert.Equal(0, m.Value($"kohakuriver_node_gpus{{node=\"{host.NodeName}\"}}"));
        Assert.Empty(m.SeriesStartingWith($"kohakuriver_gpu_memory_total_bytes{{node=\"{host.NodeName}\""));

        // The next heartbeat's figures replace them; a GPU it no longer reports loses its series.
        await host.RunnerSide.HeartbeatAsync(node, new HeartbeatRequest
        {
            GpuInfo = [new GpuInfo { GpuId = 0, Name = "A", GpuUtilization = 90, MemoryTotalMib = 24576, MemoryUsedMib = 20000, Temperature = 71 }],
        });
        var next = await MetricsText.ScrapeAsync(host.Uri, host.Token);
        Assert.Equal(90, next.Value($"kohakuriver_gpu_utilization_percent{{node=\"{node}\",gpu=\"0\"}}"));
        Assert.Equal(20000 * MiB, next.Value($"kohakuriver_gpu_memory_used_bytes{{node=\"{node}\",gpu=\"0\"}}"));
        Assert.Equal(71, next.Value($"kohakuriver_gpu_temperature_celsius{{node=\"{node}\",gpu=\"0\"}}"));
        Assert.Equal(1, next.Value($"kohakuriver_node_gpus{{node=\"{node}\"}}"));
        Assert.Empty(next.SeriesStartingWith($"kohakuriver_gpu_memory_total_bytes{{node=\"{node}\",gpu=\"1\"}}"));
    }

    [Fact]
    public async Task A_task_holding_a_GPU_counts_it_in_use_on_its_node()
    {
        await using var host = await RealHost.StartAsync();
        // A second node served by the same stub runner, with two GPUs.
        var stub = (await host.Client.GetNodesAsync()).Single(n => n.NodeName == host.NodeName).Url;
        var node = "gpu-" + Guid.NewGuid().ToString("N")[..6];
        await host.RunnerSide.RegisterAsync(new RegisterRequest
        {
            Hostname = node, Url = stub, TotalCores = 8, TotalRamBytes = 32L << 30,
            GpuInfo = [new GpuInfo { GpuId = 0, Name = "A" }, new GpuInfo { GpuId = 1, Name = "A" }],
        });

        var id = long.Parse((await host.Client.SubmitAsync(new SubmitRequest { Command = "true", Targets = [$"{node}::1"] })).TaskIds.Single());
        await host.Dispatched(id);

        var m = await MetricsText.ScrapeAsync(host.Uri, host.Token);
        Assert.Equal(2, m.Value($"kohakuriver_node_gpus{{node=\"{node}\"}}"));
        Assert.Equal(1, m.Value($"kohakuriver_node_gpus_in_use{{node=\"{node}\"}}"));
        Assert.Equal(1, m.Value($"kohakuriver_node_gpus_free{{node=\"{node}\"}}"));

        await host.ReportAsync(id, RiverTaskStatus.Running);
        await host.ReportAsync(id, RiverTaskStatus.Completed, exitCode: 0);
        var after = await MetricsText.ScrapeAsync(host.Uri, host.Token);
        Assert.Equal(0, after.Value($"kohakuriver_node_gpus_in_use{{node=\"{node}\"}}"));
        Assert.Equal(2, after.Value($"kohakuriver_node_gpus_free{{node=\"{node}\"}}"));
    }

    /// <summary>A loopback port nothing listens on (bound, then released): connecting to it is refused at once.</summary>
    private static int ClosedPort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }
}
