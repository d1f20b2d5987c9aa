using static KohakuRiver.Bench.Shared.BenchTools;
using System.Collections;
using System.Collections.Specialized;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
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
var daemonDll = StringArg("--daemon") ?? Path.Combine(RepoRoot(), "KohakuRiver.Daemon", "bin", "Release", "net10.0", "kohakuriver-daemon.dll");

using var runnerStub = new StubServer(_ => (200, """{"message":"ok"}""", null));
Process? daemon = null;
string? root = null;
Uri hostUri;
string token;
if (useStub)
{
    var stubHost = new StubServer(StubHostAnswer);
    hostUri = stubHost.Uri;
    token = "stub";
    Console.WriteLine($"host: in-process stub at {hostUri} (accepts /api/batches, answers ids)");
}
else
{
    if (!File.Exists(daemonDll))
    {
        Console.Error.WriteLine($"daemon not built at {daemonDll}: dotnet build KohakuRiver.Daemon -c Release (or pass --stub)");
        return 1;
    }
    root = Directory.CreateTempSubdirectory("kohakuriver-sweep-bench-").FullName;
    var port = FreePort();
    token = "bench-api-" + Guid.NewGuid().ToString("N");
    var psi = new ProcessStartInfo("dotnet")
    {
        ArgumentList =
        {
            daemonDll, "host", "--host-port", port.ToString(), "--host-bind-address", "127.0.0.1",
            "--data-dir", Path.Combine(root, "data"), "--shared-dir", Path.Combine(root, "shared"),
            "--api-token", token, "--cluster-token", "bench-cluster", "--log-level", "Warning",
            "--heartbeat-interval-seconds", "600",
        },
        RedirectStandardOutput = true,
        RedirectStandardError = true,
    };
    daemon = Process.Start(psi)!;
    daemon.OutputDataReceived += (_, _) => { };
    daemon.ErrorDataReceived += (_, e) => { if (e.Data is not null) Console.Error.WriteLine("daemon: " + e.Data); };
    daemon.BeginOutputReadLine();
    daemon.BeginErrorReadLine();
    hostUri = new Uri($"http://127.0.0.1:{port}/");
    using var runnerSide = new RiverClient(hostUri, "bench-cluster");
    await RetryAsync(() => runnerSide.RegisterAsync(new RegisterRequest
    {
        Hostname = "bench-node",
        Url = runnerStub.Uri.ToString().TrimEnd('/'),
        // One core: the host hands one task to the stub runner and queues the rest, so the host process does no
        // work beyond accepting the batch while the client is measured.
        TotalCores = 1,
        TotalRamBytes = 1L << 40,
    }));
    Console.WriteLine($"host: kohakuriver-daemon host (pid {daemon.Id}) at {hostUri}, one registered node with a stub runner");
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
        daemon.Refresh();
        Console.WriteLine($"host process: working set {daemon.WorkingSet64 / 1048576.0:0.0} MiB (not counted as client)");
    }
    return sorted[^1] < 3 && self.PeakWorkingSet64 < 200_000_000 ? 0 : 2;
}
finally
{
    if (daemon is { HasExited: false })
    {
        daemon.Kill(entireProcessTree: true);
        await daemon.WaitForExitAsync();
    }
    if (root is not null)
        try { Directory.Delete(root, recursive: true); } catch (IOException) { }
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

static async Task RetryAsync(Func<Task> call)
{
    var deadline = DateTime.UtcNow.AddSeconds(30);
    while (true)
    {
        try
        {
            await call();
            return;
        }
        catch (RiverApiException) when (DateTime.UtcNow < deadline)
        {
            // The host process is still starting.
            await Task.Delay(100);
        }
    }
}

int IntArg(string name, int fallback) => StringArg(name) is { } v ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;

string? StringArg(string name)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
}

/// <summary>A tiny HTTP server on a free loopback port answering every request through a function.</summary>
sealed class StubServer : IDisposable
{
    private readonly HttpListener _listener = new();

    public StubServer(Func<HttpListenerRequest, (int Status, string Body, string? ContentType)> answer)
    {
        var port = FreePort();
        Uri = new Uri($"http://127.0.0.1:{port}/");
        _listener.Prefixes.Add(Uri.ToString());
        _listener.Start();
        _ = Task.Run(async () =>
        {
            while (_listener.IsListening)
            {
                HttpListenerContext ctx;
                try
                {
                    ctx = await _listener.GetContextAsync();
                }
                catch (Exception) when (!_listener.IsListening)
                {
                    return;
                }
                var (status, body, type) = answer(ctx.Request);
                var bytes = Encoding.UTF8.GetBytes(body);
                ctx.Response.StatusCode = status;
                ctx.Response.ContentType = type ?? "application/json";
                ctx.Response.ContentLength64 = bytes.Length;
                await ctx.Response.OutputStream.WriteAsync(bytes);
                ctx.Response.Close();
            }
        });
    }

    public Uri Uri { get; }

    public void Dispose() => _listener.Close();
}
