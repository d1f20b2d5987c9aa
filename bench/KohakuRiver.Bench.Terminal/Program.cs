using static KohakuRiver.Bench.Shared.BenchTools;
using System.Diagnostics;
using System.Globalization;
using KohakuRiver.Bench.Terminal;
using KohakuRiver.Core.Client;
using KohakuRiver.Core.Models;
using KohakuRiver.Core.Terminals;
using KohakuRiver.Core.Wire;

// Terminal benchmark. Starts `kohakuriver-daemon host` and `kohakuriver-daemon runner` as two processes on loopback
// (the runner on the real Docker engine), runs one task (`sleep 3600` in kohakuriver/busybox:base), and measures:
//   (a) keystroke-to-echo round trips: the Core terminal client sends one character to `cat` running on a raw TTY in
//       the task's container (client → host → runner → docker exec → cat → back the same way) and times until that
//       character comes back, one at a time, after a warm-up; p50/p99 (target p50 < 5 ms);
//   (b) memory with many terminals open at once: each daemon's resident set (VmRSS from /proc/PID/status) and the
//       host's managed heap (dotnet_total_memory_bytes from its /metrics), before, with N terminals open (each one
//       answered a keystroke), and after they closed. The runner publishes no managed-heap figure; its RSS is shown.
// Usage: dotnet run -c Release --project bench/KohakuRiver.Bench.Terminal [-- --samples 1000 --warmup 100 --terminals 50 --daemon PATH]
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;

var samples = IntArg("--samples", 1000);
var warmup = IntArg("--warmup", 100);
var terminals = IntArg("--terminals", 50);
var daemonDll = Path.GetFullPath(StringArg("--daemon") ?? Path.Combine(RepoRoot(), "KohakuRiver.Daemon", "bin", "Release", "net10.0", "kohakuriver-daemon.dll"));
Console.WriteLine("KohakuRiver terminal benchmark");
Console.WriteLine($"machine: {Environment.ProcessorCount} cores, .NET {Environment.Version}; {samples} round trips after {warmup} warm-up; {terminals} terminals at once");
if (File.Exists("/proc/loadavg")) Console.WriteLine($"load   : {string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3))} (1, 5, 15 min averages)");

await using var daemons = await Daemons.StartAsync(daemonDll);
using var client = new RiverClient(daemons.HostUri, daemons.ApiToken);
var submitted = await client.SubmitAsync(new SubmitRequest { Command = "sleep 3600" });
var taskId = long.Parse(submitted.TaskIds.Single(), CultureInfo.InvariantCulture);
try
{
    var deadline = DateTime.UtcNow.AddSeconds(60);
    RiverTaskStatus status;
    while ((status = (await client.GetTaskAsync(taskId)).Status) != RiverTaskStatus.Running)
    {
        if (DateTime.UtcNow > deadline || status is RiverTaskStatus.Failed or RiverTaskStatus.Completed)
            throw new InvalidOperationException($"task {taskId} is {status.ToWire()}, not running");
        await Task.Delay(100);
    }
    Console.WriteLine($"task   : {taskId} running; host pid {daemons.Host.Id}, runner pid {daemons.Runner.Id}");
    Console.WriteLine();

    // (a) round trips.
    await using (var t = await OpenCatAsync(client, taskId))
    {
        var times = new List<double>(samples);
        for (var i = 0; i < warmup + samples; i++)
        {
            var c = (char)('a' + i % 26);
            var clock = Stopwatch.StartNew();
            await t.SendTextAsync(c.ToString());
            await ReadUntilAsync(t, c.ToString());
            clock.Stop();
            if (i >= warmup) times.Add(clock.Elapsed.TotalMilliseconds);
        }
        Console.WriteLine("(a) keystroke to echo, client → host → runner → docker exec (raw TTY, cat) and back");
        Console.WriteLine($"    {times.Count} samples: p50 {Percentile(times, 0.5):0.00} ms, p90 {Percentile(times, 0.9):0.00} ms, " +
                          $"p99 {Percentile(times, 0.99):0.00} ms, max {times.Max():0.00} ms (target p50 < 5 ms: {(Percentile(times, 0.5) < 5 ? "met" : "NOT met")})");
    }
    Console.WriteLine();

    // (b) memory with N terminals.
    await Task.Delay(500);
    var before = await SnapshotAsync();
    var open = new List<TerminalConnection>();
    var clock2 = Stopwatch.StartNew();
    try
    {
        var opening = Enumerable.Range(0, terminals).Select(_ => OpenCatAsync(client, taskId)).ToList();
        open.AddRange(await Task.WhenAll(opening));
        var opened = clock2.Elapsed;
        // Every one of them answers a keystroke.
        await Task.WhenAll(open.Select(async t =>
        {
            await t.SendTextAsync("z");
            await ReadUntilAsync(t, "z");
        }));
        await Task.Delay(500);
        var during = await SnapshotAsync();
        Console.WriteLine($"(b) {terminals} terminals opened at once in {opened.TotalMilliseconds:0} ms, all answering");
        Console.WriteLine($"    {"",-28}{"before",10}{"with " + terminals,12}{"per terminal",14}");
        Row("host RSS (MiB)", before.HostRss, during.HostRss);
        Row("host managed heap (MiB)", before.HostHeap, during.HostHeap);
        Row("runner RSS (MiB)", before.RunnerRss, during.RunnerRss);
        Row("client process RSS (MiB)", before.ClientRss, during.ClientRss);
        Row("client managed heap (MiB)", before.ClientHeap, during.ClientHeap);
    }
    finally
    {
        foreach (var t in open) await t.DisposeAsync();
    }
    await Task.Delay(1000);
    var after = await SnapshotAsync();
    Console.WriteLine($"    after closing them: host RSS {after.HostRss:0.0} MiB, host heap {after.HostHeap:0.0} MiB, runner RSS {after.RunnerRss:0.0} MiB");
}
finally
{
    try
    {
        await client.KillAsync(taskId);
        await client.WaitTaskAsync(taskId, TimeSpan.FromSeconds(20));
    }
    catch (RiverApiException e)
    {
        Console.Error.WriteLine($"could not kill task {taskId}: {e.Message}");
    }
    // The runner is stopped right after: remove the container whatever it got to.
    await Daemons.RemoveContainerAsync($"kohakuriver-task-{taskId}");
}
return 0;

// cat on a raw TTY without echo: every character comes back exactly once, written by cat itself.
static async Task<TerminalConnection> OpenCatAsync(RiverClient client, long taskId)
{
    var t = await client.OpenTaskTerminalAsync(taskId, "stty raw -echo; echo READY; exec cat", new TerminalSize(24, 80));
    await ReadUntilAsync(t, "READY");
    return t;
}

static async Task ReadUntilAsync(TerminalConnection t, string wanted)
{
    using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
    var seen = "";
    while (!seen.Contains(wanted, StringComparison.Ordinal))
    {
        var e = await t.ReceiveAsync(timeout.Token);
        if (e.Kind is TerminalEventKind.Closed or TerminalEventKind.Exit)
            throw new InvalidOperationException($"the terminal ended before '{wanted}' came: {e.Text} {e.ExitCode}");
        if (e.Kind == TerminalEventKind.Output) seen = (seen + e.Text)[Math.Max(0, seen.Length + e.Text!.Length - 256)..];
    }
}

async Task<(double HostRss, double HostHeap, double RunnerRss, double ClientRss, double ClientHeap)> SnapshotAsync() =>
    (RssMiB(daemons.Host.Id), await daemons.HostManagedHeapMiBAsync(), RssMiB(daemons.Runner.Id),
     RssMiB(Environment.ProcessId), GC.GetTotalMemory(forceFullCollection: false) / (1024.0 * 1024));

void Row(string what, double b, double d) =>
    Console.WriteLine($"    {what,-28}{b,10:0.0}{d,12:0.0}{(d - b) * 1024 / terminals,11:0} KiB");

int IntArg(string name, int fallback)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
}

string? StringArg(string name)
{
    var i = Array.IndexOf(args, name);
    if (i < 0) return null;
    return i + 1 < args.Length ? args[i + 1] : throw new ArgumentException($"{name} needs a value");
}
