using KohakuRiver.Bench.Shared;
using System.Collections;
using System.Collections.Specialized;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using KohakuRiver.Core.Client;
using KohakuRiver.Core.Sweeps;
using KohakuRiver.Core.Wire;

// Sweep benchmark (issue 3, item 5). Builds 10,000 input objects (hashtables, as `$grid | Submit-RiverTask` receives
// them), then times the exact Core path the cmdlet takes: SweepPoint.FromDictionary (the cmdlet's view of a
// hashtable) → TaskBatchBuilder.AddPoint → Build → TaskBatchSubmitter.SubmitAsync (one POST /api/batches) → the task
// objects the cmdlet writes. The host is the real daemon, started as its own process (`host` role) with one node
// registered whose runner is a stub in this process that accepts work and does nothing (so nothing actually runs);
// with --stub, a minimal in-process host instead. Client memory: this process's peak working set and GC figures.
// Usage: dotnet run -c Release --project bench/KohakuRiver.Bench.Sweep [-- --points 10000 --runs 5 --stub --daemon PATH]
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
var points = IntArg("--points", 10_000);
var runs = IntArg("--runs", 5);
var useStub = args.Contains("--stub");
var daemonDll = StringArg("--daemon") ?? BenchHost.DefaultDaemon;

BenchHost? daemon = null;
StubServer? stubHost = null;
Uri hostUri;
string token;
if (useStub)
{
    stubHost = new StubServer(StubHostAnswer);
    hostUri = stubHost.Uri;
    token = "stub";
    Console.WriteLine($"host: in-process stub at {hostUri} (accepts /api/batches, answers ids)");
}
else
{
    daemon = await BenchHost.StartAsync(daemonDll);
    hostUri = daemon.Uri;
    token = daemon.Token;
    Console.WriteLine($"host: kohakuriver-daemon host (pid {daemon.Process.Id}) at {hostUri}, one registered node with a stub runner");
}

try
{
    using var client = new RiverClient(hostUri, token);
    Console.WriteLine($"machine: {Environment.ProcessorCount} cores, .NET {Environment.Version}; {points:N0} points per run, {runs} runs");
    Console.WriteLine();
    var timings = new List<double>();
    long bodyBytes = 0;
    long peakAfterFirst = 0;
    for (var run = 1; run <= runs; run++)
    {
        // Each run stands for a separate invocation: what the previous one held is garbage.
        GC.Collect();
        // The objects as the pipeline delivers them (not timed: they exist before Submit-RiverTask runs).
        var inputs = new List<object>(points);
        for (var i = 0; i < points; i++)
            inputs.Add(new Hashtable { ["model"] = $"m{i / 100}", ["lr"] = Math.Round(0.001 * (1 + i % 10), 3), ["seed"] = i % 100 });

        var watch = Stopwatch.StartNew();
        var builder = new TaskBatchBuilder(new TaskTemplate
        {
            Command = "python train.py --model {model} --lr {lr} --seed {seed}",
            Name = "{model}-s{seed}",
            Cores = 1,
            MemoryBytes = 2L << 30,
        });
        foreach (var input in inputs) builder.AddPoint(SweepPoint.FromDictionary((IDictionary)input));
        var batch = builder.Build();
        var built = watch.Elapsed;
        var submitted = await TaskBatchSubmitter.SubmitAsync(client, batch);
        watch.Stop();

        if (submitted.Tasks.Count != points || submitted.Tasks[^1].Parameters["seed"] != ((points - 1) % 100).ToString())
            throw new InvalidOperationException($"run {run}: {submitted.Tasks.Count} tasks came back");
        bodyBytes = JsonSerializer.SerializeToUtf8Bytes(batch, RiverJsonContext.Default.BatchSubmitRequest).LongLength;
        timings.Add(watch.Elapsed.TotalSeconds);
        if (run == 1)
        {
            using var me = Process.GetCurrentProcess();
            peakAfterFirst = me.PeakWorkingSet64;
        }
        Console.WriteLine($"run {run}{(run == 1 ? " (cold)" : "       ")}: {watch.Elapsed.TotalSeconds:0.000} s objects→accepted tasks " +
                          $"(build {built.TotalSeconds:0.000} s, submit+accept {(watch.Elapsed - built).TotalSeconds:0.000} s), batch {submitted.BatchId}, " +
                          $"{submitted.Tasks.Count:N0} tasks");
    }

    // The same size of sweep given as -Sweep @{model=…; lr=…; seed=…} instead of piped objects.
    var gridWatch = Stopwatch.StartNew();
    var grid = SweepGrid.FromDictionary(new OrderedDictionary
    {
        ["model"] = Enumerable.Range(0, points / 100).Select(i => (object)$"m{i}").ToArray(),
        ["lr"] = new object[] { 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0 },
        ["seed"] = Enumerable.Range(0, 10).Cast<object>().ToArray(),
    });
    var gridBuilder = new TaskBatchBuilder(new TaskTemplate { Command = "python train.py --model {model} --lr {lr} --seed {seed}" }, grid);
    gridBuilder.AddWithoutInput();
    var fromGrid = await TaskBatchSubmitter.SubmitAsync(client, gridBuilder.Build());
    gridWatch.Stop();

    using var self = Process.GetCurrentProcess();
    self.Refresh();
    var gc = GC.GetGCMemoryInfo();
    Console.WriteLine($"-Sweep grid of {fromGrid.Tasks.Count:N0} points: {gridWatch.Elapsed.TotalSeconds:0.000} s objects→accepted tasks");
    Console.WriteLine();
    var sorted = timings.Order().ToList();
    Console.WriteLine($"objects→accepted tasks, {points:N0} points: cold {timings[0]:0.000} s, median {sorted[sorted.Count / 2]:0.000} s, max {sorted[^1]:0.000} s (budget 3 s)");
    Console.WriteLine($"request body: {bodyBytes:N0} bytes ({bodyBytes / 1024.0 / 1024.0:0.00} MiB) in one POST /api/batches");
    Console.WriteLine($"client memory: peak working set {peakAfterFirst / 1048576.0:0.0} MiB after the first (cold) sweep, " +
                      $"{self.PeakWorkingSet64 / 1048576.0:0.0} MiB over all runs (budget 200 MB); " +
                      $"GC heap now {GC.GetTotalMemory(false) / 1048576.0:0.0} MiB, allocated in all {GC.GetTotalAllocatedBytes() / 1048576.0:0.0} MiB, " +
                      $"committed {gc.TotalCommittedBytes / 1048576.0:0.0} MiB");
    if (daemon is not null)
    {
        daemon.Process.Refresh();
        Console.WriteLine($"host process: working set {daemon.Process.WorkingSet64 / 1048576.0:0.0} MiB (not counted as client)");
    }
    return sorted[^1] < 3 && self.PeakWorkingSet64 < 200_000_000 ? 0 : 2;
}
finally
{
    if (daemon is not null) await daemon.DisposeAsync();
    stubHost?.Dispose();
}

static (int, string, string?) StubHostAnswer(HttpListenerRequest request)
{
    if (request.HttpMethod != "POST" || request.Url!.AbsolutePath != "/api/batches") return (404, """{"detail":"not here"}""", null);
    using var doc = JsonDocument.Parse(request.InputStream);
    var count = 0;
    foreach (var spec in doc.RootElement.GetProperty("tasks").EnumerateArray())
        count += spec.TryGetProperty("targets", out var t) && t.ValueKind == JsonValueKind.Array ? Math.Max(1, t.GetArrayLength()) : 1;
    var first = 7_000_000_000_000_000_000L + Random.Shared.Next(1, 1 << 20) * 100_000L;
    var ids = string.Join(",", Enumerable.Range(0, count).Select(i => $"\"{first + i}\""));
    return (202, $$"""{"message":"{{count}} task(s) accepted","batch_id":"{{first}}","task_ids":[{{ids}}],"failed_targets":[]}""", null);
}

int IntArg(string name, int fallback) => StringArg(name) is { } v ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;

string? StringArg(string name)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
}
