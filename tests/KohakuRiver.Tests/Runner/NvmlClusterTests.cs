using KohakuRiver.Core.Client;
using System.Net.Http.Headers;
using System.Text.Json;
using KohakuRiver.Core.Wire;
using KohakuRiver.Tests.Cluster;
using Xunit;

namespace KohakuRiver.Tests.Runner;

/// <summary>A real runner with the NVML stand-in as its gpu_library_path, registered with a real host.</summary>
public sealed class NvmlClusterTests
{
    [Fact]
    public async Task The_host_lists_the_runners_gpus_and_later_heartbeats_update_them()
    {
        using var library = FakeNvmlLibrary.Create("count=4");
        await using var cluster = await TestCluster.StartAsync(runners: 1, configure: s => s.GpuLibraryPath = library.Path);
        var node = cluster.NodeNames.Single();

        RiverNode listed = null!;
        await Eventually.TrueAsync(async () =>
        {
            listed = (await cluster.Client.GetNodesAsync()).Single(n => n.NodeName == node);
            return listed.GpuInfo is { Count: 4 };
        }, TimeSpan.FromSeconds(20), "the node listed with 4 GPUs");

        Assert.Equal([0, 1, 2, 3], listed.GpuInfo!.Select(g => g.GpuId));
        Assert.All(listed.GpuInfo!, g => Assert.Equal("NVIDIA A100-SXM4-40GB", g.Name));
        Assert.All(listed.GpuInfo!, g => Assert.Equal(40960, g.MemoryTotalMib));
        Assert.Equal([1024L, 1536, 2048, 2560], listed.GpuInfo!.Select(g => g.MemoryUsedMib));
        Assert.Equal(["00000000:07:00.0", "00000000:0F:00.0", "00000000:47:00.0", "00000000:4E:00.0"], listed.GpuInfo!.Select(g => g.PciBusId));

        // The stand-in's utilisation moves with every call, so a later heartbeat must bring a new figure.
        var first = listed.GpuInfo![0].GpuUtilization;
        await Eventually.TrueAsync(async () =>
        {
            var now = (await cluster.Client.GetNodesAsync()).Single(n => n.NodeName == node);
            return now.GpuInfo is { Count: 4 } gpus && gpus[0].GpuUtilization != first;
        }, TimeSpan.FromSeconds(20), $"GPU 0's utilisation to change from {first} in a later heartbeat");

        // On the wire, in the reference's names.
        using var http = new HttpClient { BaseAddress = cluster.HostUri };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", cluster.HostSettings.ApiToken);
        using var doc = JsonDocument.Parse(await http.GetStringAsync("/api/nodes"));
        var gpu = doc.RootElement.EnumerateArray().Single(n => n.GetProperty("hostname").GetString() == node)
            .GetProperty("gpu_info")[3];
        Assert.Equal("NVIDIA A100-SXM4-40GB", gpu.GetProperty("name").GetString());
        Assert.Equal(40960, gpu.GetProperty("memory_total_mib").GetInt64());
        Assert.Equal(34, gpu.GetProperty("temperature").GetInt32());
        Assert.Equal(400000, gpu.GetProperty("power_limit_mw").GetInt64());
        Assert.Equal("535.183.01", gpu.GetProperty("driver_version").GetString());
    }

    [Fact]
    public async Task A_runner_whose_nvml_fails_still_registers_and_heartbeats_without_gpus()
    {
        using var library = FakeNvmlLibrary.Create("fail=nvmlInit_v2");
        await using var cluster = await TestCluster.StartAsync(runners: 1, configure: s => s.GpuLibraryPath = library.Path);
        var node = cluster.NodeNames.Single();

        var before = (await cluster.Client.GetNodesAsync()).Single(n => n.NodeName == node).LastHeartbeat;
        await Eventually.TrueAsync(async () =>
            (await cluster.Client.GetNodesAsync()).Single(n => n.NodeName == node).LastHeartbeat > before,
            TimeSpan.FromSeconds(20), "a heartbeat after registration");

        Assert.Empty((await cluster.Client.GetNodesAsync()).Single(n => n.NodeName == node).GpuInfo ?? []);
    }

    [Fact]
    public async Task GPUs_that_appear_after_the_runner_started_are_registered_again_and_can_be_given_to_tasks()
    {
        // The driver is not up when the runner starts: NVML's init fails, so the node registers without GPUs.
        using var library = FakeNvmlLibrary.Create("fail=nvmlInit_v2");
        await using var cluster = await TestCluster.StartAsync(runners: 1, configure: s => s.GpuLibraryPath = library.Path);
        var node = cluster.NodeNames.Single();
        var refused = await Assert.ThrowsAsync<RiverApiException>(() =>
            cluster.Client.SubmitAsync(new SubmitRequest { Command = "true", RequiredGpuCount = 1 }, TestContext.Current.CancellationToken));
        Assert.Contains("0 GPU(s), 1 requested", refused.Detail);

        // The driver comes up: a later heartbeat's retry finds two GPUs, and the runner registers them, so the host
        // schedules on them (a heartbeat alone would only show them).
        library.Configure("count=2");
        await Eventually.TrueAsync(async () =>
        {
            try
            {
                await cluster.Client.SubmitAsync(new SubmitRequest { Command = "true", RequiredGpuCount = 2, Targets = [node] },
                    TestContext.Current.CancellationToken);
                return true;
            }
            catch (RiverApiException e) when (e.Kind == RiverErrorKind.InvalidArgument)
            {
                return false;
            }
        }, TimeSpan.FromSeconds(20), "a task asking for 2 GPUs to be accepted once the GPUs appeared");
        Assert.Equal([0, 1], (await cluster.Client.GetNodesAsync()).Single(n => n.NodeName == node).GpuInfo!.Select(g => g.GpuId));
    }
}
