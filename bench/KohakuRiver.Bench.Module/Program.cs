using static KohakuRiver.Bench.Shared.BenchTools;
using System.Diagnostics;
using System.Globalization;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using KohakuRiver.Bench.Shared;

// Module benchmark (issue 9). Against the real daemon (host role, its own process, one node with a stub runner):
//  1. Import-Module of the packaged module in a fresh `pwsh -NoProfile`, and the first Get-RiverHealth after it, timed
//     inside that pwsh with a Stopwatch (process start-up is not counted), median of --imports runs (default 10).
//  2. The 10,000-point sweep from pwsh objects to accepted tasks through the real Submit-RiverTask in a runspace of
//     this process: hashtables made in PowerShell beforehand, then `$grid | Submit-RiverTask ...` timed; client memory
//     is this process's peak working set (the PowerShell engine included).
// Usage: dotnet run -c Release --project bench/KohakuRiver.Bench.Module [-- --module PSD1 --imports 10 --points 10000 --runs 5]
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
var imports = IntArg("--imports", 10);
var points = IntArg("--points", 10_000);
var runs = IntArg("--runs", 5);
var packaged = Path.Combine(RepoRoot(), "out", "KohakuRiver", "KohakuRiver.psd1");
var built = Path.Combine(RepoRoot(), "KohakuRiver.PowerShell", "bin", "Release", "net8.0", "KohakuRiver.psd1");
var module = StringArg("--module") ?? (File.Exists(packaged) ? packaged : built);

await using var host = await BenchHost.StartAsync(StringArg("--daemon") ?? BenchHost.DefaultDaemon);
Environment.SetEnvironmentVariable("KOHAKURIVER_HOST", host.Uri.ToString());
Environment.SetEnvironmentVariable("KOHAKURIVER_TOKEN", host.Token);
Environment.SetEnvironmentVariable("KOHAKURIVER_CLIENT_CONFIG", Path.Combine(Path.GetTempPath(), $"kohakuriver-bench-{Guid.NewGuid():N}.json"));
Console.WriteLine($"machine: {Environment.ProcessorCount} cores, .NET {Environment.Version}; module {module}");
Console.WriteLine($"host: kohakuriver-daemon host (pid {host.Process.Id}) at {host.Uri}, one node with a stub runner");
Console.WriteLine();

// 1. A fresh pwsh per run: Import-Module, then the first call to the host.
var pwsh = FindOnPath("pwsh");
if (pwsh is null)
{
    Console.WriteLine("pwsh is not on PATH (install: dotnet tool install --global PowerShell --version 7.6.9): import figures skipped");
}
else
{
    var importMs = new List<double>();
    var healthMs = new List<double>();
    var script = "$w = [Diagnostics.Stopwatch]::StartNew(); Import-Module '" + module.Replace("'", "''") + "'; $i = $w.Elapsed.TotalMilliseconds; " +
                 "$w.Restart(); $h = Get-RiverHealth; $g = $w.Elapsed.TotalMilliseconds; " +
                 "if ($h.OnlineNodes -ne 1) { throw 'the host did not answer as expected' }; '{0:F1} {1:F1}' -f $i, $g";
    for (var run = 1; run <= imports; run++)
    {
        var psi = new ProcessStartInfo(pwsh) { ArgumentList = { "-NoProfile", "-NonInteractive", "-Command", script }, RedirectStandardOutput = true, RedirectStandardError = true };
        using var child = Process.Start(psi)!;
        var stdout = await child.StandardOutput.ReadToEndAsync();
        var stderr = await child.StandardError.ReadToEndAsync();
        await child.WaitForExitAsync();
        var fields = stdout.Trim().Split(' ');
        if (child.ExitCode != 0 || fields.Length != 2) throw new InvalidOperationException($"pwsh run {run} failed ({child.ExitCode}): {stdout} {stderr}");
        importMs.Add(double.Parse(fields[0], CultureInfo.InvariantCulture));
        healthMs.Add(double.Parse(fields[1], CultureInfo.InvariantCulture));
    }
    Console.WriteLine($"Import-Module in a fresh pwsh, {imports} runs: median {Percentile(importMs, 0.5):F0} ms, min {importMs.Min():F0}, max {importMs.Max():F0} (target < 300 ms)");
    Console.WriteLine($"first Get-RiverHealth after import: median {Percentile(healthMs, 0.5):F0} ms, min {healthMs.Min():F0}, max {healthMs.Max():F0} (target < 200 ms)");
    Console.WriteLine();
}

// 2. The sweep through the real cmdlet in a runspace of this process.
var state = InitialSessionState.CreateDefault2();
state.ImportPSModule(module);
using var runspace = RunspaceFactory.CreateRunspace(state);
runspace.Open();
Invoke(runspace, "Get-RiverHealth | Out-Null");
using (var before = Process.GetCurrentProcess())
    Console.WriteLine($"client before the sweeps (runspace open, module imported, one call made): working set {before.WorkingSet64 / 1048576.0:0.0} MiB");
var timings = new List<double>();
long peakAfterFirst = 0;
for (var run = 1; run <= runs; run++)
{
    // Each run stands for a separate invocation: what the previous one held is garbage.
    Invoke(runspace, "$tasks = $null; $grid = $null; [GC]::Collect()");
    // The objects as the pipeline delivers them (not timed: they exist before Submit-RiverTask runs).
    Invoke(runspace, $"$grid = foreach ($i in 0..{points - 1}) {{ @{{ model = \"m$([math]::Floor($i / 100))\"; lr = [math]::Round(0.001 * (1 + $i % 10), 3); seed = $i % 100 }} }}");
    var watch = Stopwatch.StartNew();
    var count = Invoke(runspace, "$tasks = $grid | Submit-RiverTask 'python train.py --model {model} --lr {lr} --seed {seed}' -Name '{model}-s{seed}' -Cores 1 -Memory 2GB; $tasks.Count");
    watch.Stop();
    var lastSeed = Invoke(runspace, "$tasks[-1].Parameters['seed']");
    if (Convert.ToInt32(count[0].BaseObject, CultureInfo.InvariantCulture) != points || $"{lastSeed[0]}" != ((points - 1) % 100).ToString(CultureInfo.InvariantCulture))
        throw new InvalidOperationException($"run {run}: {count[0]} tasks came back");
    timings.Add(watch.Elapsed.TotalSeconds);
    if (run == 1)
    {
        using var me = Process.GetCurrentProcess();
        peakAfterFirst = me.PeakWorkingSet64;
    }
    Console.WriteLine($"run {run}{(run == 1 ? " (cold)" : "       ")}: {watch.Elapsed.TotalSeconds:0.000} s from {points:N0} hashtables to accepted tasks through Submit-RiverTask");
}

var gridWatch = Stopwatch.StartNew();
var gridCount = Invoke(runspace, $"(Submit-RiverTask 'python train.py --model {{model}} --lr {{lr}} --seed {{seed}}' -Sweep @{{ model = 0..{points / 100 - 1} | ForEach-Object {{ \"m$_\" }}; lr = 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0; seed = 0..9 }}).Count");
gridWatch.Stop();

using var self = Process.GetCurrentProcess();
self.Refresh();
Console.WriteLine($"-Sweep grid of {gridCount[0]:N0} points: {gridWatch.Elapsed.TotalSeconds:0.000} s to accepted tasks through Submit-RiverTask");
Console.WriteLine();
var sorted = timings.Order().ToList();
Console.WriteLine($"pwsh objects→accepted tasks through the cmdlet, {points:N0} points: cold {timings[0]:0.000} s, median {Percentile(timings, 0.5):0.000} s, max {sorted[^1]:0.000} s (target < 3 s)");
Console.WriteLine($"client memory (this process, PowerShell engine included): peak working set {peakAfterFirst / 1048576.0:0.0} MiB after the first sweep, " +
                  $"{self.PeakWorkingSet64 / 1048576.0:0.0} MiB over all runs (target < 200 MB)");
host.Process.Refresh();
Console.WriteLine($"host process: working set {host.Process.WorkingSet64 / 1048576.0:0.0} MiB (not counted as client)");
return 0;

static System.Collections.ObjectModel.Collection<PSObject> Invoke(Runspace runspace, string script)
{
    using var ps = PowerShell.Create(runspace);
    ps.AddScript(script);
    var result = ps.Invoke();
    if (ps.HadErrors) throw new InvalidOperationException($"{script}: {string.Join("; ", ps.Streams.Error)}");
    return result;
}

static string? FindOnPath(string name) =>
    (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
        .Select(d => Path.Combine(d, name)).FirstOrDefault(File.Exists);

int IntArg(string name, int fallback) => StringArg(name) is { } v ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;

string? StringArg(string name)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
}
