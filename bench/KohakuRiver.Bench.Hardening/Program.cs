using static KohakuRiver.Bench.Shared.BenchTools;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using KohakuRiver.Core.Client;
using KohakuRiver.Core.Environments;
using KohakuRiver.Core.Wire;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

// Host hardening benchmark. Starts `kohakuriver-daemon host` as its own process over temporary directories and plays
// one runner itself (an HTTP server in this process that accepts every task and holds it), so no Docker is involved.
// The runner's 4 cores are filled first, so everything submitted afterwards stays queued. Measures, in one run:
//   (a) submit latency with an empty queue: sequential POST /api/submit, each task killed right after (not timed);
//   (b) queueing N one-core tasks through POST /api/batches, and the host's RSS afterwards;
//   (c) the same submit latency as (a) with those N tasks queued, against the target "p99 within 2x of idle";
//   (d) GET /api/tasks?limit=100 over 100 tasks as large as the request limits allow: size, time and host RSS,
//       sequential and 8 at once.
// Usage: dotnet run -c Release --project bench/KohakuRiver.Bench.Hardening [-- --queued 100000 --samples 1000 --daemon PATH]
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;

int queued, samples;
string daemonDll;
try
{
    queued = IntArg("--queued", 100_000);
    samples = IntArg("--samples", 1000);
    daemonDll = Path.GetFullPath(StringArg("--daemon") ?? Path.Combine(RepoRoot(), "KohakuRiver.Daemon", "bin", "Release", "net10.0", "kohakuriver-daemon.dll"));
}
catch (ArgumentException e)
{
    Console.Error.WriteLine($"bench: {e.Message}");
    Console.Error.WriteLine("usage: KohakuRiver.Bench.Hardening [--queued N] [--samples N] [--daemon PATH]");
    return 2;
}
if (!File.Exists(daemonDll))
{
    Console.Error.WriteLine($"bench: daemon not built at {daemonDll}: dotnet build KohakuRiver.Daemon -c Release (or pass --daemon PATH)");
    return 1;
}

Console.WriteLine("KohakuRiver host hardening benchmark");
Console.WriteLine($"machine: {Environment.ProcessorCount} cores, {RuntimeInformation.OSDescription}, .NET {Environment.Version}");
Console.WriteLine($"daemon : {daemonDll} (built {File.GetLastWriteTime(daemonDll):yyyy-MM-dd HH:mm:ss})");
Console.WriteLine($"setup  : host process + one fake runner '{FakeRunner.Name}' offering {FakeRunner.Cores} cores (this process, no Docker); " +
                  $"--queued {queued:N0} --samples {samples:N0}");
Console.WriteLine();

var root = Directory.CreateTempSubdirectory("kohakuriver-bench-hardening-").FullName;
var apiToken = "bench-api-" + Guid.NewGuid().ToString("N");
var clusterToken = "bench-cluster-" + Guid.NewGuid().ToString("N");
var hostUri = new Uri($"http://127.0.0.1:{FreePort()}");
Process? daemon = null;
FakeRunner? runner = null;
var wall = Stopwatch.StartNew();
try
{
    daemon = StartDaemon(daemonDll, root, hostUri.Port, apiToken, clusterToken);
    using var client = new RiverClient(hostUri, apiToken);
    using var http = RawClient(hostUri, apiToken);
    await WaitForHostAsync(client, daemon);
    runner = await FakeRunner.StartAsync(hostUri, clusterToken);
    await FillNodeAsync(client, runner);
    var pid = daemon.Id;

    Console.WriteLine($"(a) submit latency, idle (node full, queue empty): {samples:N0} sequential POST /api/submit, each then killed (not timed)");
    // Warm-up, not measured; (c) finds the same paths warm.
    await SubmitKillAsync(http, client, 100);
    var idle = await SubmitKillAsync(http, client, samples);
    Console.WriteLine($"    {Summary(idle)}");
    Console.WriteLine($"    host RSS: {RssMiB(pid):0.0} MiB");
    Console.WriteLine();

    Console.WriteLine($"(b) queue {queued:N0} one-core tasks via POST /api/batches, in batches of up to {RequestLimits.MaxBatchTasks:N0}");
    var fill = await QueueAsync(http, queued);
    var health = await client.GetHealthAsync();
    Console.WriteLine($"    time: {fill.Seconds:0.00} s for {fill.Batches} batch(es) ({queued / fill.Seconds:N0} tasks/s), slowest batch {fill.SlowestMs:0.0} ms");
    Console.WriteLine($"    host reports {health.PendingTasks:N0} queued; host RSS after: {RssMiB(pid):0.0} MiB");
    if (health.PendingTasks != queued) Console.WriteLine($"    warning: expected {queued:N0} queued");
    Console.WriteLine();

    Console.WriteLine($"(c) submit latency with {queued:N0} queued: {samples:N0} sequential POST /api/submit, each then killed (not timed)");
    var deep = await SubmitKillAsync(http, client, samples);
    var ratio = Percentile(deep, 0.99) / Percentile(idle, 0.99);
    Console.WriteLine($"    {Summary(deep)}");
    Console.WriteLine($"    p99 ratio (c)/(a): {ratio:0.00}  (target: within 2x of idle)  {(ratio <= 2 ? "OK" : "MISSED")}");
    await WarnIfDisturbedAsync(client, runner);
    Console.WriteLine();

    Console.WriteLine("(d) task listing, worst case: 100 tasks as large as the request limits allow");
    await SubmitBigTasksAsync(client, 100);
    await ListingAsync(http, pid);
    await WarnIfDisturbedAsync(client, runner);
    Console.WriteLine();
    Console.WriteLine($"total run time: {wall.Elapsed.TotalSeconds:0} s");
    return 0;
}
catch (BenchException e)
{
    Console.Error.WriteLine($"bench: {e.Message}");
    return 1;
}
catch (RiverApiException e)
{
    Console.Error.WriteLine($"bench: a call to the host failed: {e.Message}");
    return 1;
}
finally
{
    if (runner is not null) await runner.DisposeAsync();
    if (daemon is not null)
    {
        if (!daemon.HasExited) daemon.Kill(entireProcessTree: true);
        await daemon.WaitForExitAsync();
        daemon.Dispose();
    }
    try { Directory.Delete(root, true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
}

static Process StartDaemon(string dll, string root, int hostPort, string apiToken, string clusterToken)
{
    // An empty config file and no KOHAKURIVER_* variables: the command line below is the whole configuration.
    var config = Path.Combine(root, "config.json");
    File.WriteAllText(config, "{}");
    var shared = Path.Combine(root, "shared");
    // The host accepts a task only if its environment is published; a placeholder tarball answers that check from the
    // shared folder, and a socket path where no engine listens keeps the host away from any real Docker.
    const string environment = "bench";
    var tarballs = Directory.CreateDirectory(Path.Combine(shared, EnvironmentNames.TarballFolder)).FullName;
    File.WriteAllBytes(Path.Combine(tarballs, EnvironmentNames.TarballName(environment, DateTimeOffset.UtcNow.ToUnixTimeSeconds())), []);
    var psi = new ProcessStartInfo("dotnet")
    {
        ArgumentList =
        {
            dll, "host", "--config", config, "--host-port", hostPort.ToString(), "--ssh-proxy-port", FreePort().ToString(),
            "--host-bind-address", "127.0.0.1", "--data-dir", Path.Combine(root, "data"), "--shared-dir", shared,
            "--local-temp-dir", Path.Combine(root, "local"), "--api-token", apiToken, "--cluster-token", clusterToken,
            "--default-environment", environment, "--docker-socket", Path.Combine(root, "no-docker.sock"), "--log-level", "Warning",
        },
        RedirectStandardOutput = true,
        RedirectStandardError = true,
    };
    foreach (var key in psi.Environment.Keys.Where(k => k.StartsWith("KOHAKURIVER_", StringComparison.Ordinal)).ToList())
        psi.Environment.Remove(key);
    var daemon = Process.Start(psi) ?? throw new BenchException("could not start dotnet");
    daemon.OutputDataReceived += (_, _) => { };
    daemon.ErrorDataReceived += (_, e) => { if (e.Data is not null) Console.Error.WriteLine("daemon: " + e.Data); };
    daemon.BeginOutputReadLine();
    daemon.BeginErrorReadLine();
    return daemon;
}

static async Task WaitForHostAsync(RiverClient client, Process daemon)
{
    var deadline = DateTime.UtcNow.AddSeconds(60);
    while (true)
    {
        if (daemon.HasExited)
        {
            // Lets its last stderr lines print before the message that points at them.
            await daemon.WaitForExitAsync();
            throw new BenchException($"the daemon exited with code {daemon.ExitCode} during start-up (its stderr is above)");
        }
        try
        {
            await client.GetHealthAsync();
            return;
        }
        catch (RiverApiException e) when (e.Kind == RiverErrorKind.Connection)
        {
        }
        if (DateTime.UtcNow > deadline) throw new BenchException("the host did not answer GET /api/health within 60 s");
        await Task.Delay(100);
    }
}

// Takes every core of the fake runner, so that everything submitted later stays queued.
static async Task FillNodeAsync(RiverClient client, FakeRunner runner)
{
    await client.SubmitBatchAsync(new BatchSubmitRequest
    {
        Tasks = Enumerable.Range(0, FakeRunner.Cores).Select(_ => new SubmitRequest { Command = "sleep infinity", RequiredCores = 1 }).ToList(),
    });
    var deadline = DateTime.UtcNow.AddSeconds(30);
    while (runner.Held < FakeRunner.Cores)
    {
        if (DateTime.UtcNow > deadline)
            throw new BenchException($"the host handed {runner.Held} of {FakeRunner.Cores} filler tasks to the fake runner within 30 s");
        await Task.Delay(50);
    }
}

// Sequential submits, each timed from sending the request to reading the whole answer, each then killed so that the
// queue does not grow.
static async Task<List<double>> SubmitKillAsync(HttpClient http, RiverClient client, int count)
{
    var body = """{"command":"true","required_cores":1}"""u8.ToArray();
    var times = new List<double>(count);
    for (var i = 0; i < count; i++)
    {
        var sw = Stopwatch.StartNew();
        var answer = await PostAsync(http, "api/submit", body, HttpStatusCode.Accepted);
        times.Add(sw.Elapsed.TotalMilliseconds);
        var id = JsonSerializer.Deserialize(answer, RiverJsonContext.Default.SubmitResponse)!.TaskIds[0];
        await client.KillAsync(long.Parse(id, CultureInfo.InvariantCulture));
    }
    return times;
}

static async Task<(double Seconds, double SlowestMs, int Batches)> QueueAsync(HttpClient http, int count)
{
    var sizes = Enumerable.Range(0, (count + RequestLimits.MaxBatchTasks - 1) / RequestLimits.MaxBatchTasks)
        .Select(i => Math.Min(RequestLimits.MaxBatchTasks, count - i * RequestLimits.MaxBatchTasks)).ToList();
    // Serialised before timing: only the host's work is measured.
    var bodies = sizes.Distinct().ToDictionary(n => n, n => JsonSerializer.SerializeToUtf8Bytes(new BatchSubmitRequest
    {
        Tasks = Enumerable.Range(0, n).Select(_ => new SubmitRequest { Command = "true", RequiredCores = 1 }).ToList(),
    }, RiverJsonContext.Default.BatchSubmitRequest));
    var slowest = 0.0;
    var total = Stopwatch.StartNew();
    foreach (var n in sizes)
    {
        var sw = Stopwatch.StartNew();
        var answer = await PostAsync(http, "api/batches", bodies[n], HttpStatusCode.Accepted);
        slowest = Math.Max(slowest, sw.Elapsed.TotalMilliseconds);
        var accepted = JsonSerializer.Deserialize(answer, RiverJsonContext.Default.SubmitResponse)!.TaskIds.Count;
        if (accepted != n) throw new BenchException($"POST /api/batches accepted {accepted} of {n} tasks");
    }
    return (total.Elapsed.TotalSeconds, slowest, sizes.Count);
}

// Submits `count` copies of the largest task the limits allow; if the host refuses it, says why and shrinks it until
// the host accepts.
static async Task SubmitBigTasksAsync(RiverClient client, int count)
{
    var scale = 1.0;
    for (var attempt = 0; ; attempt++)
    {
        var task = BigTask(0, scale);
        try
        {
            await client.SubmitAsync(task);
            Console.WriteLine($"    accepted: {DescribeBig(task)}");
            break;
        }
        catch (RiverApiException e) when (e.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.RequestEntityTooLarge && attempt < 40)
        {
            Console.WriteLine($"    refused ({(int)e.StatusCode!}): {DescribeBig(task)}: {Shorten(e.Detail)}");
            scale *= 0.9;
        }
    }
    for (var i = 1; i < count; i++) await client.SubmitAsync(BigTask(i, scale));
}

static async Task ListingAsync(HttpClient http, int pid)
{
    var before = RssMiB(pid);
    var runs = new List<(long Bytes, double Ms)>();
    for (var i = 0; i < 5; i++) runs.Add(await ListOnceAsync(http));
    var after = RssMiB(pid);
    var times = runs.Select(r => r.Ms).ToList();
    Console.WriteLine($"    GET /api/tasks?limit=100, 5 sequential: {runs[0].Bytes:N0} bytes each; median {Percentile(times, 0.5):0.0} ms, max {times.Max():0.0} ms");
    Console.WriteLine($"    host RSS before {before:0.0} MiB, after {after:0.0} MiB");

    var sw = Stopwatch.StartNew();
    var concurrent = Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => ListOnceAsync(http))));
    var peak = await PeakRssWhileAsync(pid, concurrent);
    var elapsed = sw.Elapsed.TotalMilliseconds;
    var bytes = (await concurrent).Sum(r => r.Bytes);
    Console.WriteLine($"    8 concurrent: {elapsed:0.0} ms in all ({bytes:N0} bytes); peak host RSS {peak:0.0} MiB (sampled every 20 ms); after {RssMiB(pid):0.0} MiB");
}

static async Task<(long Bytes, double Ms)> ListOnceAsync(HttpClient http)
{
    var sw = Stopwatch.StartNew();
    using var response = await http.GetAsync("api/tasks?limit=100", HttpCompletionOption.ResponseHeadersRead);
    if (response.StatusCode != HttpStatusCode.OK)
        throw new BenchException($"GET /api/tasks answered {(int)response.StatusCode}: {Shorten(await response.Content.ReadAsStringAsync())}");
    // Counted, not kept: eight answers of this size at once would weigh on this process, not the host.
    await using var body = await response.Content.ReadAsStreamAsync();
    var buffer = new byte[1 << 16];
    long total = 0;
    int read;
    while ((read = await body.ReadAsync(buffer)) > 0) total += read;
    return (total, sw.Elapsed.TotalMilliseconds);
}

static async Task<double> PeakRssWhileAsync(int pid, Task work)
{
    var peak = RssMiB(pid);
    while (!work.IsCompleted)
    {
        await Task.WhenAny(work, Task.Delay(20));
        peak = Math.Max(peak, RssMiB(pid));
    }
    return peak;
}

// The figures hold only if the fake runner kept its 4 tasks and the host kept it online throughout.
static async Task WarnIfDisturbedAsync(RiverClient client, FakeRunner runner)
{
    var node = (await client.GetNodesAsync()).FirstOrDefault(n => n.NodeName == FakeRunner.Name);
    if (node?.Status != NodeStatus.Online || runner.Held != FakeRunner.Cores || runner.HeartbeatFailures > 0)
        Console.WriteLine($"    warning: fake runner disturbed: node {node?.Status.ToString() ?? "missing"}, holds {runner.Held} task(s), " +
                          $"{runner.HeartbeatFailures} failed heartbeat(s)");
}

// The largest task the limits allow, at `scale` of it: a command just under MaxCommandBytes, arguments filling the rest
// to just under MaxTaskBytes. The host answers with UnsafeRelaxedJsonEscaping, which leaves '<' and 'é' as they are
// but writes a character outside the BMP as two \uXXXX escapes (4 UTF-8 bytes become 12), the most any printable
// character costs; '"' (1 byte becomes 2) pads to the exact size.
static SubmitRequest BigTask(int index, double scale)
{
    const int margin = 256;
    var name = $"big-{index:D3}";
    var commandBytes = (int)((RequestLimits.MaxCommandBytes - margin / 4) * scale);
    var argumentBytes = (int)((RequestLimits.MaxTaskBytes - margin - (RequestLimits.MaxCommandBytes - margin / 4)) * scale) - name.Length;
    const int arguments = 16;
    return new SubmitRequest
    {
        Name = name,
        Command = Filler(commandBytes),
        Arguments = Enumerable.Range(0, arguments)
            .Select(i => Filler(argumentBytes / arguments + (i == arguments - 1 ? argumentBytes % arguments : 0))).ToList(),
        RequiredCores = 1,
    };
}

static string Filler(int utf8Bytes) => string.Concat(Enumerable.Repeat("\U0001F600", utf8Bytes / 4)) + new string('"', utf8Bytes % 4);

static string DescribeBig(SubmitRequest t)
{
    var command = Encoding.UTF8.GetByteCount(t.Command);
    var arguments = t.Arguments!.Sum(Encoding.UTF8.GetByteCount);
    var name = Encoding.UTF8.GetByteCount(t.Name!);
    return $"name {name} + command {command:N0} + {t.Arguments!.Count} arguments {arguments:N0} = {name + command + arguments:N0} bytes (UTF-8)";
}

static async Task<byte[]> PostAsync(HttpClient http, string path, byte[] json, HttpStatusCode expected)
{
    using var content = new ByteArrayContent(json);
    content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
    using var response = await http.PostAsync(path, content);
    var answer = await response.Content.ReadAsByteArrayAsync();
    if (response.StatusCode != expected)
        throw new BenchException($"POST /{path} answered {(int)response.StatusCode}: {Shorten(Encoding.UTF8.GetString(answer))}");
    return answer;
}

static HttpClient RawClient(Uri hostUri, string token)
{
    var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 16 })
    {
        BaseAddress = hostUri,
        Timeout = TimeSpan.FromMinutes(5),
    };
    http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
    return http;
}

static string Summary(List<double> ms) =>
    $"p50 {Percentile(ms, 0.5):0.00} ms   p99 {Percentile(ms, 0.99):0.00} ms   max {ms.Max():0.00} ms";

static string Shorten(string s) => s.Length <= 300 ? s : s[..300] + "…";

int IntArg(string name, int fallback)
{
    if (StringArg(name) is not { } v) return fallback;
    return int.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0
        ? n
        : throw new ArgumentException($"{name} needs a positive whole number, not '{v}'");
}

string? StringArg(string name)
{
    var i = Array.IndexOf(args, name);
    if (i < 0) return null;
    return i + 1 < args.Length ? args[i + 1] : throw new ArgumentException($"{name} needs a value");
}

/// <summary>The run cannot go on; the message says why.</summary>
sealed class BenchException(string message) : Exception(message);

/// <summary>
/// One runner as the host sees it, with no Docker: it accepts every task, reports it running and holds it until the
/// host says to drop it, and heartbeats what it holds every 2 s so that the host neither requeues nor loses those tasks.
/// </summary>
sealed class FakeRunner : IAsyncDisposable
{
    public const string Name = "fake-1";
    public const int Cores = 4;
    private const string Ok = """{"message":"ok"}""";

    private readonly WebApplication _app;
    private readonly RiverClient _host;
    private readonly ConcurrentDictionary<long, byte> _held = new();
    private readonly CancellationTokenSource _stop = new();
    private Task _heartbeats = Task.CompletedTask;
    private int _heartbeatFailures;

    private FakeRunner(WebApplication app, RiverClient host)
    {
        _app = app;
        _host = host;
    }

    public int Held => _held.Count;
    public int HeartbeatFailures => Volatile.Read(ref _heartbeatFailures);

    public static async Task<FakeRunner> StartAsync(Uri hostUri, string clusterToken)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var runner = new FakeRunner(app, new RiverClient(hostUri, clusterToken));
        app.Use(async (ctx, next) =>
        {
            if (ctx.Request.Headers.Authorization.ToString() != "Bearer " + clusterToken)
            {
                await Results.Text("""{"detail":"invalid bearer token: this endpoint needs the cluster token"}""", "application/json", statusCode: 401).ExecuteAsync(ctx);
                return;
            }
            await next(ctx);
        });
        app.MapPost("/api/execute", runner.ExecuteAsync);
        app.MapPost("/api/kill", runner.KillAsync);
        app.MapPost("/api/pause", () => Results.Text(Ok, "application/json"));
        app.MapPost("/api/resume", () => Results.Text(Ok, "application/json"));
        await app.StartAsync();
        var url = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        try
        {
            await runner._host.RegisterAsync(new RegisterRequest { Hostname = Name, Url = url, TotalCores = Cores, TotalRamBytes = 16L << 30 });
        }
        catch
        {
            await runner.DisposeAsync();
            throw;
        }
        runner._heartbeats = runner.HeartbeatLoopAsync(runner._stop.Token);
        return runner;
    }

    private async Task<IResult> ExecuteAsync(HttpRequest request)
    {
        if (await ReadTaskIdAsync(request) is not { } id)
            return Results.Text("""{"detail":"task_id is missing"}""", "application/json", statusCode: 400);
        _held[id] = 0;
        _ = ReportRunningAsync(id);
        return Results.Text("""{"message":"accepted"}""", "application/json", statusCode: 202);
    }

    private async Task<IResult> KillAsync(HttpRequest request)
    {
        if (await ReadTaskIdAsync(request) is { } id) _held.TryRemove(id, out _);
        return Results.Text(Ok, "application/json");
    }

    private async Task ReportRunningAsync(long id)
    {
        try
        {
            await _host.UpdateTaskAsync(new TaskUpdateRequest { TaskId = id, Status = "running", StartedAt = DateTimeOffset.UtcNow });
        }
        catch (RiverApiException e)
        {
            Console.Error.WriteLine($"fake runner: reporting task {id} running failed: {e.Message}");
        }
    }

    private async Task HeartbeatLoopAsync(CancellationToken ct)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(2));
        try
        {
            while (await timer.WaitForNextTickAsync(ct))
            {
                try
                {
                    var answer = await _host.HeartbeatAsync(Name, new HeartbeatRequest { RunningTasks = [.. _held.Keys] }, ct);
                    foreach (var id in answer.KillTasks) _held.TryRemove(id, out _);
                }
                catch (RiverApiException e)
                {
                    Interlocked.Increment(ref _heartbeatFailures);
                    Console.Error.WriteLine($"fake runner: heartbeat failed: {e.Message}");
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }

    // The host sends task_id as a string (ids exceed 2^53) but a number is accepted too.
    private static async Task<long?> ReadTaskIdAsync(HttpRequest request)
    {
        try
        {
            using var doc = await JsonDocument.ParseAsync(request.Body, cancellationToken: request.HttpContext.RequestAborted);
            if (doc.RootElement.ValueKind != JsonValueKind.Object || !doc.RootElement.TryGetProperty("task_id", out var id)) return null;
            return id.ValueKind switch
            {
                JsonValueKind.Number when id.TryGetInt64(out var n) => n,
                JsonValueKind.String when long.TryParse(id.GetString(), NumberStyles.None, CultureInfo.InvariantCulture, out var s) => s,
                _ => null,
            };
        }
        catch (JsonException)
        {
            return null;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _heartbeats;
        await _app.StopAsync();
        await _app.DisposeAsync();
        _host.Dispose();
        _stop.Dispose();
    }
}
