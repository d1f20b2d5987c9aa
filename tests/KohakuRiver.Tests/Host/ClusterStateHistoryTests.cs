using KohakuRiver.Core.Wire;
using KohakuRiver.Daemon.Host;
using KohakuRiver.Daemon.Host.State;
using Xunit;

namespace KohakuRiver.Tests.Host;

/// <summary>What the cluster state makes of the runners' telemetry: the history fed by heartbeats, the GPUs tasks
/// hold (gpus_in_use) and the temperature and GPU totals of the health view.</summary>
// A heartbeat a minute: the history keeps 60 samples.
public sealed class ClusterStateHistoryTests() : ClusterStateTestBase(s => s.HeartbeatIntervalSeconds = 60)
{
    private static GpuInfo Gpu(int id, int util = 50, long usedMib = 4000, long totalMib = 24000, int temp = 60) =>
        new() { GpuId = id, Name = "Test GPU", GpuUtilization = util, MemoryUsedMib = usedMib, MemoryTotalMib = totalMib, MemoryFreeMib = totalMib - usedMib, Temperature = temp };

    private void Register(string node, params GpuInfo[] gpus) => _state.Register(new RegisterRequest
    {
        Hostname = node, Url = $"http://{node}.test:8001", TotalCores = 8, TotalRamBytes = 32 * G,
        GpuInfo = gpus.Length == 0 ? null : [.. gpus],
    });

    private long SubmitTo(string target)
    {
        var r = _state.Submit([new SubmitRequest { Command = "train", RequiredCores = 1, Targets = [target] }]);
        return long.Parse(Assert.Single(r.TaskIds));
    }

    [Fact]
    public void Every_accepted_heartbeat_becomes_a_sample_at_the_hosts_clock()
    {
        Register("n1");
        for (var i = 0; i < 3; i++)
        {
            _state.Heartbeat("n1", new HeartbeatRequest { CpuPercent = 10 * i, CurrentMaxTemp = 70 + i, GpuInfo = [Gpu(0, util: i)] });
            _time.Advance(TimeSpan.FromSeconds(60));
        }

        var history = _state.History("n1");

        Assert.Equal(60, history.Capacity);
        Assert.Equal(60, history.IntervalSeconds);
        Assert.Equal([T0, T0.AddMinutes(1), T0.AddMinutes(2)], history.Samples.Select(s => s.Timestamp));
        Assert.Equal([0.0, 10, 20], history.Samples.Select(s => s.CpuPercent!.Value));
        Assert.Equal([70.0, 71, 72], history.Samples.Select(s => s.CurrentMaxTemp!.Value));
        Assert.Equal([0, 1, 2], history.Samples.Select(s => Assert.Single(s.Gpus!).GpuUtilization));
        Assert.Equal([T0.AddMinutes(2)], _state.History("n1", since: T0.AddSeconds(61)).Samples.Select(s => s.Timestamp));
        Assert.Equal([T0.AddMinutes(1), T0.AddMinutes(2)], _state.History("n1", last: 2).Samples.Select(s => s.Timestamp));
    }

    [Fact]
    public void An_hour_of_heartbeats_is_kept_and_older_ones_are_dropped()
    {
        Register("n1");
        for (var i = 0; i < 90; i++)
        {
            _state.Heartbeat("n1", new HeartbeatRequest { CpuPercent = i });
            _time.Advance(TimeSpan.FromSeconds(60));
        }

        var samples = _state.History("n1").Samples;

        Assert.Equal(60, samples.Count);
        Assert.Equal(30, samples[0].CpuPercent);
        Assert.Equal(89, samples[^1].CpuPercent);
    }

    [Fact]
    public void A_registered_node_without_heartbeats_has_an_empty_history_and_an_unknown_one_is_not_found()
    {
        Register("n1");
        Assert.Empty(_state.History("n1").Samples);
        var e = Assert.Throws<HostException>(() => _state.History("nope"));
        Assert.Equal(HostErrorKind.NotFound, e.Kind);
        // A refused heartbeat (unknown node) leaves no history behind.
        Assert.Throws<HostException>(() => _state.Heartbeat("nope", new HeartbeatRequest { CpuPercent = 1 }));
        Register("nope");
        Assert.Empty(_state.History("nope").Samples);
    }

    [Fact]
    public void Gpus_in_use_are_the_ids_the_nodes_tasks_hold_and_free_again_when_they_finish()
    {
        Register("g1", Gpu(0), Gpu(1), Gpu(2), Gpu(3));
        var id = SubmitTo("g1::1,3");
        Assert.NotEmpty(_state.TakeDispatches());

        var node = Assert.Single(_state.Nodes());
        Assert.Equal([1, 3], node.GpusInUse!);
        Assert.Equal([false, true, false, true], node.Gpus.Select(g => g.InUse));
        Assert.Equal("2/4", node.GpuUsage);

        Assert.Equal(UpdateOutcome.Applied, _state.ApplyUpdate(new TaskUpdateRequest { TaskId = id, Status = "running" }));
        _state.ApplyUpdate(new TaskUpdateRequest { TaskId = id, Status = "completed", ExitCode = 0 });
        Assert.Empty(Assert.Single(_state.Nodes()).GpusInUse!);
    }

    [Fact]
    public void Health_totals_the_online_nodes_gpus_and_temperatures_skipping_unreported_figures()
    {
        // "gone" registered long ago and never heartbeat since: offline, so its GPUs and temperatures do not count.
        Register("gone", Gpu(0, temp: 99), Gpu(1, temp: 99));
        _time.Advance(_settings.HeartbeatTimeout + TimeSpan.FromSeconds(1));
        Register("g1", Gpu(0), Gpu(1));
        Register("g2", Gpu(0), Gpu(1));
        Register("cpu");
        _state.Heartbeat("g1", new HeartbeatRequest { CurrentAvgTemp = 50, CurrentMaxTemp = 61.5, GpuInfo = [Gpu(0, util: 20, temp: 70), Gpu(1, util: 40, usedMib: 1000)] });
        _state.Heartbeat("g2", new HeartbeatRequest { CurrentAvgTemp = 55, CurrentMaxTemp = 58, GpuInfo = [Gpu(0, util: -1, usedMib: -1, temp: -1), Gpu(1, util: 90, totalMib: -1, temp: 81)] });
        _state.Heartbeat("cpu", new HeartbeatRequest { CurrentAvgTemp = 45, CurrentMaxTemp = 66 });
        SubmitTo("g2::1");
        Assert.NotEmpty(_state.TakeDispatches());
        Assert.Equal(["gone"], _state.CheckHeartbeats());

        var h = _state.Health();

        Assert.Equal(3, h.OnlineNodes);
        Assert.Equal(66, h.MaxCpuTemp);
        Assert.Equal(55, h.MaxAvgCpuTemp);
        Assert.Equal(4, h.TotalGpus);
        Assert.Equal(1, h.GpusInUse);
        Assert.Equal(24000 * 3, h.GpuMemoryTotalMib);
        Assert.Equal(4000 + 1000 + 4000, h.GpuMemoryUsedMib);
        Assert.Equal((20 + 40 + 90) / 3.0, h.AvgGpuUtilization!.Value, 2);
        Assert.Equal(81, h.MaxGpuTemp);
        Assert.Equal("1/4", h.GpuUsage);
    }

    [Fact]
    public void Health_without_gpus_or_temperatures_says_none()
    {
        Register("cpu");

        var h = _state.Health();

        Assert.Equal(0, h.TotalGpus);
        Assert.Equal(0, h.GpusInUse);
        Assert.Null(h.AvgGpuUtilization);
        Assert.Null(h.MaxGpuTemp);
        Assert.Null(h.MaxCpuTemp);
        Assert.Null(h.GpuUsage);
    }
}
