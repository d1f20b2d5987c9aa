// Node history benchmark (issue 11): how much the host's resident memory grows to hold one hour of telemetry
// history for 100 nodes, a third of them with 4 GPUs. The host's own state (ClusterState, with its SQLite store) runs
// in this process; each node registers, then sends an hour of heartbeats at the default interval through the state's
// heartbeat intake, the clock moved by hand between rounds (after a warm-up on a throwaway host). RSS and the managed
// heap are measured after a full, compacting GC before and after the hour; then the same hour is fed into the history
// structure alone. Target: under 20 MB of RSS growth.
//
//   dotnet run -c Release --project bench/KohakuRiver.Bench.History [-- --nodes 100 --gpu-every 3 --gpus 4]
using System.Diagnostics;
using System.Globalization;
using System.Runtime;
using KohakuRiver.Bench.History;
using KohakuRiver.Bench.Shared;
using KohakuRiver.Core.Wire;
using KohakuRiver.Daemon.Configuration;
using KohakuRiver.Daemon.Host.State;
using KohakuRiver.Daemon.Host.Storage;
using KohakuRiver.Daemon.Host.Telemetry;
using Microsoft.Extensions.Logging.Abstractions;

var nodes = Option("--nodes", 100);
var gpuEvery = Option("--gpu-every", 3);
var gpusPerNode = Option("--gpus", 4);

var root = Directory.CreateTempSubdirectory("kohakuriver-bench-history-").FullName;
try
{
    var interval = TimeSpan.FromSeconds(new DaemonSettings().HeartbeatIntervalSeconds);
    var capacity = TelemetryHistory.CapacityFor(interval.TotalSeconds);
    var names = Enumerable.Range(0, nodes).Select(i => $"node-{i:D3}").ToList();
    var gpuNodes = Enumerable.Range(0, nodes).Count(HasGpus);
    var clock = new ManualClock(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    // Warm-up on a host of its own, thrown away: ten minutes of heartbeats bring the JIT, SQLite's caches and the
    // allocator to where a running host has them, so the measured growth is the history's, not the first writes'.
    using (var warmStore = NewStore("warm", out var warmSettings))
    {
        var warm = NewState(warmStore, warmSettings);
        for (var round = 0; round < 120; round++) Round(warm, warmStore, round);
    }

    using var store = NewStore("host", out var settings);
    var state = NewState(store, settings);
    Round(state, store, 0);
    var (rssBefore, heapBefore) = Settle();
    var (partsBefore, committedBefore) = (BenchTools.RssBreakdown(Environment.ProcessId), GC.GetGCMemoryInfo().TotalCommittedBytes);
    var watch = Stopwatch.StartNew();
    for (var round = 1; round < capacity; round++) Round(state, store, round);
    watch.Stop();
    var (rssAfter, heapAfter) = Settle();
    var (partsAfter, committedAfter) = (BenchTools.RssBreakdown(Environment.ProcessId), GC.GetGCMemoryInfo().TotalCommittedBytes);
    var kept = names.Select(n => state.History(n).Samples.Count).ToList();

    // The history on its own: the same hour fed straight into the structure that keeps it.
    var (rssBare, heapBare) = Settle();
    var bare = new TelemetryHistory(interval.TotalSeconds);
    var at = clock.GetUtcNow();
    for (var round = 0; round < capacity; round++)
        for (var i = 0; i < nodes; i++)
            bare.Record(names[i], at + round * interval, Heartbeat(i, round));
    var (rssBareAfter, heapBareAfter) = Settle();
    // Both stay alive to the end, so neither measurement sees the other's memory handed back.
    GC.KeepAlive(bare);
    GC.KeepAlive(state);
    // What the rings hold: a 40-byte struct per sample and a 16-byte row per GPU in it.
    var expected = (double)nodes * capacity * 40 + (double)gpuNodes * gpusPerNode * capacity * 16;

    var heartbeats = (long)capacity * nodes;
    Console.WriteLine($"node history: {nodes} nodes ({gpuNodes} with {gpusPerNode} GPUs), heartbeat every {interval.TotalSeconds:0.#} s, " +
                      $"capacity {capacity} samples per node ({TelemetryHistory.Window.TotalMinutes:0} min)");
    Console.WriteLine($"  through ClusterState.Heartbeat (SQLite store, checkpoint every round): {heartbeats:N0} heartbeats in " +
                      $"{watch.Elapsed.TotalSeconds:0.0} s ({heartbeats / watch.Elapsed.TotalSeconds:N0}/s); samples kept per node: {kept.Min()}..{kept.Max()}");
    Console.WriteLine($"    RSS          {rssBefore,7:0.0} MB -> {rssAfter,7:0.0} MB   growth {rssAfter - rssBefore,5:0.0} MB (target < 20 MB)");
    Console.WriteLine($"    managed heap {Mb(heapBefore),7:0.0} MB -> {Mb(heapAfter),7:0.0} MB   growth {Mb(heapAfter - heapBefore),5:0.0} MB");
    Console.WriteLine($"    GC committed {Mb(committedBefore),7:0.0} MB -> {Mb(committedAfter),7:0.0} MB; RSS was {partsBefore.Replace("\t", "")}, is {partsAfter.Replace("\t", "")}");
    Console.WriteLine($"  the history alone (TelemetryHistory.Record, same hour):");
    Console.WriteLine($"    RSS          {rssBare,7:0.0} MB -> {rssBareAfter,7:0.0} MB   growth {rssBareAfter - rssBare,5:0.0} MB");
    Console.WriteLine($"    managed heap {Mb(heapBare),7:0.0} MB -> {Mb(heapBareAfter),7:0.0} MB   growth {Mb(heapBareAfter - heapBare),5:0.0} MB " +
                      $"(the rings' arrays: {Mb((long)expected):0.0} MB)");
    Console.WriteLine($"  process now: {BenchTools.RssBreakdown(Environment.ProcessId).Replace("\t", "")}");
    return rssAfter - rssBefore < 20 ? 0 : 1;

    HostStore NewStore(string name, out DaemonSettings s)
    {
        s = new DaemonSettings
        {
            DataDir = Path.Combine(root, name, "data"),
            SharedDir = Path.Combine(root, name, "shared"),
            LocalTempDir = Path.Combine(root, name, "local"),
        };
        Directory.CreateDirectory(s.DataDir);
        return new HostStore(s.DatabasePath);
    }

    ClusterState NewState(HostStore s, DaemonSettings settings)
    {
        var created = new ClusterState(s, settings, clock, NullLogger<ClusterState>.Instance);
        for (var i = 0; i < nodes; i++)
            created.Register(new RegisterRequest
            {
                Hostname = names[i], Url = $"http://{names[i]}:8001", TotalCores = 64, TotalRamBytes = 256L << 30,
                GpuInfo = HasGpus(i) ? Gpus(0) : null,
            });
        return created;
    }

    // One heartbeat from every node, the store's write-ahead log copied back as the host's timer does (every 2 s;
    // here every 5 simulated seconds), then the clock moves one interval.
    void Round(ClusterState s, HostStore st, int round)
    {
        for (var i = 0; i < nodes; i++) s.Heartbeat(names[i], Heartbeat(i, round));
        st.Checkpoint();
        clock.Advance(interval);
    }

    bool HasGpus(int i) => gpuEvery > 0 && i % gpuEvery == 0;

    HeartbeatRequest Heartbeat(int i, int round) => new()
    {
        CpuPercent = (round * 7 + i) % 100,
        MemoryPercent = 40 + (round + i) % 20,
        MemoryUsedBytes = (100L << 30) + round,
        MemoryTotalBytes = 256L << 30,
        CurrentAvgTemp = 45 + (round + i) % 10,
        CurrentMaxTemp = 60 + (round + i) % 15,
        GpuInfo = HasGpus(i) ? Gpus(round) : null,
        RunnerVersion = "0.1.0",
    };

    List<GpuInfo> Gpus(int round) => Enumerable.Range(0, gpusPerNode).Select(g => new GpuInfo
    {
        GpuId = g, Name = "NVIDIA A100-SXM4-80GB", DriverVersion = "550.54.15", PciBusId = $"00000000:{g + 7:X2}:00.0",
        GpuUtilization = (round + g * 13) % 101, GraphicsClockMhz = 1410, MemUtilization = (round + g) % 60, MemClockMhz = 1593,
        MemoryTotalMib = 81920, MemoryUsedMib = 1000 + round % 80000, MemoryFreeMib = 80920 - round % 80000,
        Temperature = 40 + (round + g) % 40, FanSpeed = -1, PowerUsageMw = 250_000 + round, PowerLimitMw = 400_000, NumaNode = g / 2,
    }).ToList();
}
finally
{
    try
    {
        Directory.Delete(root, recursive: true);
    }
    catch (IOException)
    {
    }
}

static double Mb(long bytes) => bytes / 1048576.0;

// A full, compacting GC, then more of them until the GC has handed back the free memory it keeps committed after a
// burst of garbage (it does so gradually, over seconds: a running host has the hour for it): done when the committed
// size has not moved by a MB for six seconds, or after 60.
static (double RssMiB, long HeapBytes) Settle()
{
    GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;
    GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
    GC.WaitForPendingFinalizers();
    var deadline = Stopwatch.StartNew();
    var committed = GC.GetGCMemoryInfo().TotalCommittedBytes;
    var unchanged = Stopwatch.StartNew();
    while (unchanged.Elapsed < TimeSpan.FromSeconds(6) && deadline.Elapsed < TimeSpan.FromSeconds(60))
    {
        Thread.Sleep(250);
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        var now = GC.GetGCMemoryInfo().TotalCommittedBytes;
        if (Math.Abs(now - committed) < 1 << 20) continue;
        unchanged.Restart();
        committed = now;
    }
    return (BenchTools.RssMiB(Environment.ProcessId), GC.GetTotalMemory(forceFullCollection: true));
}

int Option(string name, int fallback)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
}
