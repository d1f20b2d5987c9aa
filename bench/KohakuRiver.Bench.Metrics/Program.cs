using static KohakuRiver.Bench.Shared.BenchTools;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using KohakuRiver.Bench.Metrics;
using KohakuRiver.Bench.Shared;
using KohakuRiver.Core.Models;
using KohakuRiver.Daemon.Configuration;
using KohakuRiver.Daemon.Host;
using KohakuRiver.Daemon.Host.Metrics;
using KohakuRiver.Daemon.Host.State;
using KohakuRiver.Daemon.Host.Storage;
using Microsoft.Extensions.DependencyInjection;

// Metrics benchmark: the time of a /metrics scrape, over real HTTP to loopback, on a host (the product's own
// application, in this process) that has 100 nodes (every third with 4 GPUs reporting utilisation, memory and
// temperature) and 10,000 stored tasks of mixed statuses (most finished, some running on the nodes, some queued).
// Reports median and p99 over the scrapes after a warm-up (target p99 < 20 ms), the part of it spent computing the
// state gauges and counting the stored tasks, and what the process/.NET figures cost.
// Usage: dotnet run -c Release --project bench/KohakuRiver.Bench.Metrics [-- --nodes 100 --tasks 10000 --scrapes 200 --warmup 50]
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;

var nodeCount = IntArg("--nodes", 100);
var taskCount = IntArg("--tasks", 10_000);
var scrapes = IntArg("--scrapes", 200);
var warmup = IntArg("--warmup", 50);
Console.WriteLine("KohakuRiver metrics benchmark");
Console.WriteLine($"machine: {Environment.ProcessorCount} cores, .NET {Environment.Version}; {nodeCount} nodes, {taskCount:N0} stored tasks, {scrapes} scrapes after {warmup} warm-up");
// Timings on a loaded machine are mostly waits for a core: the load says how far to trust the tails.
if (File.Exists("/proc/loadavg")) Console.WriteLine($"load   : {string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3))} (1, 5, 15 min averages)");

var root = Directory.CreateTempSubdirectory("kohakuriver-bench-metrics-").FullName;
using var runner = new StubServer(_ => (200, """{"message":"ok"}""", null));
var settings = new DaemonSettings
{
    HostPort = FreePort(),
    SshProxyPort = FreePort(),
    HostBindAddress = "127.0.0.1",
    HostAddress = "127.0.0.1",
    DataDir = Path.Combine(root, "data"),
    SharedDir = Path.Combine(root, "shared"),
    LocalTempDir = Path.Combine(root, "local"),
    ApiToken = "bench-api-" + Guid.NewGuid().ToString("N"),
    ClusterToken = "bench-cluster-" + Guid.NewGuid().ToString("N"),
    // No runner sends heartbeats here: the nodes stay online for the run.
    HeartbeatIntervalSeconds = 3600,
    LogLevel = "Warning",
};
var now = DateTimeOffset.UtcNow;
var nodes = MetricsWorkload.Nodes(nodeCount, runner.Uri.ToString().TrimEnd('/'), now);
var tasks = MetricsWorkload.Tasks(taskCount, nodes, now);
Directory.CreateDirectory(settings.DataDir);
using (var store = new HostStore(settings.DatabasePath))
{
    foreach (var node in nodes) store.UpsertNode(node);
    foreach (var chunk in tasks.Chunk(1000)) store.InsertBatch(chunk[0].TaskId, now, chunk);
}
Console.WriteLine($"stored : {nodes.Count} nodes ({nodes.Count(n => n.Registration.GpuInfo is { Count: > 0 })} with 4 GPUs), " +
                  string.Join(", ", tasks.GroupBy(t => t.Status).OrderByDescending(g => g.Count()).Select(g => $"{g.Count()} {g.Key.ToWire()}")));

var app = HostServer.Build(settings);
await app.StartAsync();
try
{
    using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{settings.HostPort}/") };
    http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", settings.ApiToken);
    string body = "";
    for (var i = 0; i < warmup; i++) body = await Scrape();
    var lines = body.Split('\n');
    Console.WriteLine($"answer : {body.Length / 1024.0:0.0} KiB, {lines.Count(l => l.Length > 0 && l[0] != '#')} series " +
                      $"({lines.Count(l => l.StartsWith("kohakuriver_", StringComparison.Ordinal))} kohakuriver_*), " +
                      $"queue depth {lines.First(l => l.StartsWith("kohakuriver_queue_depth ", StringComparison.Ordinal)).Split(' ')[1]}");
    Console.WriteLine();

    var samples = new List<double>(scrapes);
    var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
    for (var i = 0; i < scrapes; i++)
    {
        var clock = Stopwatch.StartNew();
        await Scrape();
        samples.Add(clock.Elapsed.TotalMilliseconds);
    }
    var allocated = (GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore) / (double)scrapes;
    var p99 = Percentile(samples, 0.99);
    Console.WriteLine($"(a) GET /metrics over loopback HTTP: median {Percentile(samples, 0.5):0.00} ms  p99 {p99:0.00} ms  max {samples.Max():0.00} ms  " +
                      $"(target p99 < 20 ms)  {(p99 < 20 ? "OK" : "MISSED")}");
    Console.WriteLine($"    allocated per scrape (host and client, this process): {allocated / 1024:0} KiB");

    // The parts: the state gauges as a whole (state snapshot, node figures, store count), and the store count alone.
    var export = await TimeAsync(() => Export(app.Services.GetRequiredService<HostMetrics>()));
    Console.WriteLine($"(b) the host's registry collected and written out, no HTTP: median {Percentile(export, 0.5):0.000} ms  p99 {Percentile(export, 0.99):0.000} ms");
    var gauges = app.Services.GetRequiredService<ClusterStateMetrics>();
    var hostStore = app.Services.GetRequiredService<HostStore>();
    var update = Time(gauges.Update);
    var count = Time(() => hostStore.CountFinishedByStatus());
    var state = app.Services.GetRequiredService<ClusterState>();
    var nodeViews = Time(() => state.Nodes());
    Console.WriteLine($"    of which the state gauges computed: median {Percentile(update, 0.5):0.000} ms  p99 {Percentile(update, 0.99):0.000} ms");
    Console.WriteLine($"    of which the grouped COUNT of {tasks.Count(t => t.Status.IsFinal()):N0} finished tasks on the store: " +
                      $"median {Percentile(count, 0.5):0.000} ms  p99 {Percentile(count, 0.99):0.000} ms");
    Console.WriteLine($"    and the nodes' views (ClusterState.Nodes): median {Percentile(nodeViews, 0.5):0.000} ms  p99 {Percentile(nodeViews, 0.99):0.000} ms");

    // The process and .NET figures: what they hold and what they add to a scrape.
    var retainedBefore = GC.GetTotalMemory(forceFullCollection: true);
    var withStats = new HostMetrics(processMetrics: true);
    await Export(withStats);
    var retainedWith = GC.GetTotalMemory(forceFullCollection: true) - retainedBefore;
    retainedBefore = GC.GetTotalMemory(forceFullCollection: true);
    var withoutStats = new HostMetrics(processMetrics: false);
    await Export(withoutStats);
    var retainedWithout = GC.GetTotalMemory(forceFullCollection: true) - retainedBefore;
    var exportWith = TimeAsync(() => Export(withStats));
    var exportWithout = TimeAsync(() => Export(withoutStats));
    Console.WriteLine($"(c) process/.NET figures (ProcessMetrics): {(retainedWith - retainedWithout) / 1024.0:0.0} KiB more held by a host's metrics " +
                      $"({retainedWith / 1024.0:0.0} KiB with, {retainedWithout / 1024.0:0.0} KiB without); " +
                      $"export median {Percentile(await exportWith, 0.5):0.000} ms with, {Percentile(await exportWithout, 0.5):0.000} ms without");
    GC.KeepAlive(withStats);
    GC.KeepAlive(withoutStats);

    async Task<string> Scrape()
    {
        using var response = await http.GetAsync("metrics");
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadAsStringAsync();
    }

    List<double> Time(Action action)
    {
        for (var i = 0; i < 20; i++) action();
        var result = new List<double>(scrapes);
        for (var i = 0; i < scrapes; i++)
        {
            var clock = Stopwatch.StartNew();
            action();
            result.Add(clock.Elapsed.TotalMilliseconds);
        }
        return result;
    }

    async Task<List<double>> TimeAsync(Func<Task> action)
    {
        var result = new List<double>(scrapes);
        for (var i = 0; i < scrapes + 20; i++)
        {
            var clock = Stopwatch.StartNew();
            await action();
            if (i >= 20) result.Add(clock.Elapsed.TotalMilliseconds);
        }
        return result;
    }
}
finally
{
    await app.StopAsync();
    await app.DisposeAsync();
    try
    {
        Directory.Delete(root, recursive: true);
    }
    catch (IOException)
    {
    }
}
return 0;

static async Task Export(HostMetrics metrics)
{
    using var sink = new MemoryStream();
    await metrics.Registry.CollectAndExportAsTextAsync(sink);
}

int IntArg(string name, int fallback)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
}
