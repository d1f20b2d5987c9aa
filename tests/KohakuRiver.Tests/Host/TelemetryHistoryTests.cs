using KohakuRiver.Core.Wire;
using KohakuRiver.Daemon.Host.Telemetry;
using Xunit;

namespace KohakuRiver.Tests.Host;

/// <summary>The host's per-node ring of heartbeats: order, the capacity bound, since/last and the GPU rows.</summary>
public sealed class TelemetryHistoryTests
{
    private static readonly DateTimeOffset T0 = new(2024, 6, 1, 8, 0, 0, TimeSpan.Zero);

    private static HeartbeatRequest Beat(double cpu, params GpuInfo[] gpus) => new()
    {
        CpuPercent = cpu,
        MemoryPercent = cpu / 2,
        MemoryUsedBytes = (long)(cpu * 1000),
        CurrentAvgTemp = 40 + cpu / 10,
        CurrentMaxTemp = 50 + cpu / 10,
        GpuInfo = gpus.Length == 0 ? null : [.. gpus],
    };

    private static GpuInfo Gpu(int id, int util, long usedMib = 1000, long totalMib = 24576, int temp = 60) =>
        new() { GpuId = id, Name = "Test GPU", GpuUtilization = util, MemoryUsedMib = usedMib, MemoryTotalMib = totalMib, Temperature = temp };

    /// <summary>Records <paramref name="count"/> heartbeats one interval apart, cpu = 0, 1, 2…</summary>
    private static void Feed(TelemetryHistory history, string node, int count, double intervalSeconds = 5, int firstCpu = 0)
    {
        for (var i = 0; i < count; i++)
            history.Record(node, T0.AddSeconds((firstCpu + i) * intervalSeconds), Beat(firstCpu + i));
    }

    [Theory]
    [InlineData(5, 720)]
    [InlineData(1, 3600)]
    [InlineData(7, 515)]
    [InlineData(600, 6)]
    [InlineData(7200, 1)]
    [InlineData(0.1, TelemetryHistory.MaxCapacity)]
    [InlineData(0, TelemetryHistory.MaxCapacity)]
    public void Capacity_is_an_hour_at_the_heartbeat_interval_within_bounds(double interval, int expected) =>
        Assert.Equal(expected, TelemetryHistory.CapacityFor(interval));

    [Fact]
    public void Samples_come_back_oldest_first_with_every_figure()
    {
        var history = new TelemetryHistory(5);
        Feed(history, "n1", 3);

        var read = history.Read("n1");

        Assert.Equal("n1", read.Hostname);
        Assert.Equal(5, read.IntervalSeconds);
        Assert.Equal(720, read.Capacity);
        Assert.Equal([T0, T0.AddSeconds(5), T0.AddSeconds(10)], read.Samples.Select(s => s.Timestamp));
        var last = read.Samples[2];
        Assert.Equal(2, last.CpuPercent);
        Assert.Equal(1, last.MemoryPercent);
        Assert.Equal(2000, last.MemoryUsedBytes);
        Assert.Equal(40.2, last.CurrentAvgTemp);
        Assert.Equal(50.2, last.CurrentMaxTemp);
        Assert.Null(last.Gpus);
    }

    [Fact]
    public void Figures_the_runner_did_not_report_come_back_null()
    {
        var history = new TelemetryHistory(5);
        history.Record("n1", T0, new HeartbeatRequest());

        var s = Assert.Single(history.Read("n1").Samples);

        Assert.Null(s.CpuPercent);
        Assert.Null(s.MemoryPercent);
        Assert.Null(s.MemoryUsedBytes);
        Assert.Null(s.CurrentAvgTemp);
        Assert.Null(s.CurrentMaxTemp);
        Assert.Null(s.Gpus);
    }

    [Fact]
    public void A_full_ring_drops_the_oldest_samples_and_keeps_the_newest_in_order()
    {
        var history = new TelemetryHistory(600); // capacity 6
        Feed(history, "n1", 15, intervalSeconds: 600);

        var read = history.Read("n1");

        Assert.Equal(6, read.Capacity);
        Assert.Equal([9.0, 10, 11, 12, 13, 14], read.Samples.Select(s => s.CpuPercent!.Value));
        Assert.Equal(6, history.CountFor("n1"));
    }

    [Fact]
    public void The_ring_grows_past_its_first_allocation_up_to_the_capacity_without_losing_order()
    {
        var history = new TelemetryHistory(5); // capacity 720, first allocation smaller
        Feed(history, "n1", 1000);

        var cpu = history.Read("n1").Samples.Select(s => s.CpuPercent!.Value).ToList();

        Assert.Equal(720, cpu.Count);
        Assert.Equal(Enumerable.Range(280, 720).Select(i => (double)i), cpu);
    }

    [Fact]
    public void Since_keeps_the_samples_at_or_after_it_and_last_the_newest_of_those()
    {
        var history = new TelemetryHistory(5);
        Feed(history, "n1", 20);

        Assert.Equal([15.0, 16, 17, 18, 19], history.Read("n1", since: T0.AddSeconds(75)).Samples.Select(s => s.CpuPercent!.Value));
        Assert.Equal([15.0, 16, 17, 18, 19], history.Read("n1", since: T0.AddSeconds(72)).Samples.Select(s => s.CpuPercent!.Value));
        Assert.Equal([17.0, 18, 19], history.Read("n1", last: 3).Samples.Select(s => s.CpuPercent!.Value));
        Assert.Equal([18.0, 19], history.Read("n1", since: T0.AddSeconds(50), last: 2).Samples.Select(s => s.CpuPercent!.Value));
        Assert.Equal(20, history.Read("n1", last: 500).Samples.Count);
        Assert.Empty(history.Read("n1", since: T0.AddHours(1)).Samples);
    }

    [Fact]
    public void Since_and_last_apply_to_a_ring_that_has_wrapped()
    {
        var history = new TelemetryHistory(600); // capacity 6
        Feed(history, "n1", 10, intervalSeconds: 600);

        Assert.Equal([7.0, 8, 9], history.Read("n1", since: T0.AddSeconds(7 * 600)).Samples.Select(s => s.CpuPercent!.Value));
        Assert.Equal([8.0, 9], history.Read("n1", last: 2).Samples.Select(s => s.CpuPercent!.Value));
    }

    [Fact]
    public void Gpu_readings_are_kept_per_sample_even_when_the_gpu_count_changes()
    {
        var history = new TelemetryHistory(5);
        history.Record("n1", T0, Beat(1, Gpu(0, 10)));
        history.Record("n1", T0.AddSeconds(5), Beat(2, Gpu(0, 20, usedMib: 2000), Gpu(1, -1, usedMib: -1, temp: 71), Gpu(3, 90, totalMib: 81920)));
        history.Record("n1", T0.AddSeconds(10), Beat(3));
        history.Record("n1", T0.AddSeconds(15), Beat(4, Gpu(0, 40)));

        var samples = history.Read("n1").Samples;

        var first = Assert.Single(samples[0].Gpus!);
        Assert.Equal((0, 10, 1000L, 24576L, 60), (first.GpuId, first.GpuUtilization, first.MemoryUsedMib, first.MemoryTotalMib, first.Temperature));
        Assert.Equal([0, 1, 3], samples[1].Gpus!.Select(g => g.GpuId));
        Assert.Equal([20, -1, 90], samples[1].Gpus!.Select(g => g.GpuUtilization));
        Assert.Equal([2000L, -1, 1000], samples[1].Gpus!.Select(g => g.MemoryUsedMib));
        Assert.Equal(81920, samples[1].Gpus![2].MemoryTotalMib);
        Assert.Equal(71, samples[1].Gpus![1].Temperature);
        Assert.Null(samples[2].Gpus);
        Assert.Equal(40, Assert.Single(samples[3].Gpus!).GpuUtilization);
    }

    [Fact]
    public void Gpu_rows_survive_the_ring_wrapping_and_widening()
    {
        var history = new TelemetryHistory(600); // capacity 6
        for (var i = 0; i < 8; i++) history.Record("n1", T0.AddSeconds(i * 600), Beat(i, Gpu(0, i)));
        history.Record("n1", T0.AddSeconds(8 * 600), Beat(8, Gpu(0, 8), Gpu(1, 80)));

        var samples = history.Read("n1").Samples;

        Assert.Equal([3, 4, 5, 6, 7, 8], samples.Select(s => s.Gpus![0].GpuUtilization));
        Assert.Equal(80, samples[^1].Gpus![1].GpuUtilization);
        Assert.All(samples.SkipLast(1), s => Assert.Single(s.Gpus!));
    }

    [Fact]
    public void Nodes_are_kept_apart_and_a_forgotten_node_has_no_history()
    {
        var history = new TelemetryHistory(5);
        Feed(history, "n1", 3);
        Feed(history, "n2", 2, firstCpu: 50);

        Assert.Equal([50.0, 51], history.Read("n2").Samples.Select(s => s.CpuPercent!.Value));
        history.Forget("n1");
        Assert.Empty(history.Read("n1").Samples);
        Assert.Equal(2, history.Read("n2").Samples.Count);
        Assert.Empty(history.Read("never-seen").Samples);
    }
}
