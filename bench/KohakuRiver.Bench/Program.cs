using static KohakuRiver.Bench.Shared.BenchTools;
using System.Diagnostics;
using System.Globalization;
using KohakuRiver.Core.Client;
using KohakuRiver.Core.Models;
using KohakuRiver.Core.Wire;
using KohakuRiver.Daemon.Engine.Docker;
using RawDockerClient = Docker.DotNet.DockerClient;

// Cluster core benchmark (issue 2). Starts `kohakuriver-daemon standalone` as its own process over temporary
// directories and measures, in one run:
//   (a) submit→completed latency of a `true` task vs raw Engine API create+start+wait+remove of the same image;
//   (b) time to accept one 1,000-task submission, and the daemon's RSS afterwards;
//   (c) wall time of 200 trivial tasks through the cluster vs the same 200 containers run directly with the
//       same concurrency (the runner's core count).
// Usage: dotnet run -c Release --project bench/KohakuRiver.Bench [-- --samples 20 --daemon PATH]
var samples = IntArg("--samples", 20);
var throughputCount = IntArg("--tasks", 200);
var daemonDll = StringArg("--daemon") ?? Path.Combine(RepoRoot(), "KohakuRiver.Daemon", "bin", "Release", "net10.0", "kohakuriver-daemon.dll");
const string image = "kohakuriver/busybox:base";
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;

using var docker = new DockerEngine();
if (!await docker.PingAsync() || await docker.InspectImageAsync(image) is null)
{
    Console.Error.WriteLine($"needs a running Docker engine and {image}: run .ci/setup");
    return 1;
}
if (!File.Exists(daemonDll))
{
    Console.Error.WriteLine($"daemon not built at {daemonDll}: dotnet build KohakuRiver.Daemon -c Release");
    return 1;
}

var sshOnly = args.Contains("--ssh-only");
if (args.Contains("--sync-only"))
{
    await SyncCheckAsync(docker, image);
    return 0;
}
if (!sshOnly) await SyncCheckAsync(docker, image);

var root = Directory.CreateTempSubdirectory("kohakuriver-bench-").FullName;
var hostPort = FreePort();
var runnerPort = FreePort();
var sshProxyPort = FreePort();
var token = "bench-api-" + Guid.NewGuid().ToString("N");
var psi = new ProcessStartInfo("dotnet")
{
    ArgumentList =
    {
        daemonDll, "standalone", "--host-port", hostPort.ToString(), "--runner-port", runnerPort.ToString(), "--ssh-proxy-port", sshProxyPort.ToString(),
        "--host-bind-address", "127.0.0.1", "--data-dir", Path.Combine(root, "data"), "--shared-dir", Path.Combine(root, "shared"),
        "--local-temp-dir", Path.Combine(root, "local"), "--runner-hostname", "bench", "--api-token", token,
        "--cluster-token", "bench-cluster", "--log-level", "Warning",
    },
    RedirectStandardOutput = true,
    RedirectStandardError = true,
};
using var daemon = Process.Start(psi)!;
daemon.OutputDataReceived += (_, _) => { };
daemon.ErrorDataReceived += (_, e) => { if (e.Data is not null) Console.Error.WriteLine("daemon: " + e.Data); };
daemon.BeginOutputReadLine();
daemon.BeginErrorReadLine();
using var client = new RiverClient(new Uri($"http://127.0.0.1:{hostPort}"), token);
try
{
    var node = await WaitForNodeAsync(client);
    if (sshOnly || args.Contains("--with-ssh"))
    {
        await SshThroughputAsync(client, hostPort, sshProxyPort, token, root);
        if (sshOnly) return 0;
    }
    var concurrency = node.TotalCores;
    Console.WriteLine($"machine: {Environment.ProcessorCount} cores, runner offers {node.TotalCores} cores; image {image}; network bridge (the daemon's default)");
    Console.WriteLine();

    // Warm both paths (JIT, engine caches) before measuring.
    for (var i = 0; i < 3; i++)
    {
        await ClusterOnceAsync(client);
        await RawOnceAsync(docker.Client, image);
    }

    // (a) latency
    var cluster = new List<double>();
    var raw = new List<double>();
    for (var i = 0; i < samples; i++)
    {
        // Interleaved so that drift in the engine's speed affects both equally.
        cluster.Add(await ClusterOnceAsync(client));
        raw.Add(await RawOnceAsync(docker.Client, image));
    }
    var ratioA = Median(cluster) / Median(raw);
    Console.WriteLine($"(a) submit->completed latency, {samples} sequential `true` tasks");
    Console.WriteLine($"    cluster : median {Median(cluster),7:0.0} ms   p90 {P90(cluster),7:0.0} ms");
    Console.WriteLine($"    raw API : median {Median(raw),7:0.0} ms   p90 {P90(raw),7:0.0} ms   (create+start+wait+remove)");
    Console.WriteLine($"    ratio   : {ratioA:0.000}  (target <= 1.15)  {(ratioA <= 1.15 ? "OK" : "MISSED")}");
    Console.WriteLine();

    // (b) accepting 1,000 tasks in one submission
    var specs = Enumerable.Range(0, 1000).Select(i => new SubmitRequest { Command = "true", Name = $"bulk-{i}" }).ToList();
    var sw = Stopwatch.StartNew();
    var accepted = await client.SubmitBatchAsync(new BatchSubmitRequest { Tasks = specs });
    var acceptMs = sw.Elapsed.TotalMilliseconds;
    var rssMb = RssMiB(daemon.Id);
    Console.WriteLine($"(b) one submission of 1,000 tasks accepted in {acceptMs:0.0} ms ({accepted.TaskIds.Count} ids)  (target < 1000 ms)  {(acceptMs < 1000 && accepted.TaskIds.Count == 1000 ? "OK" : "MISSED")}");
    Console.WriteLine($"    daemon RSS after it: {rssMb:0.0} MB (host and runner in one process)  (target < 150 MB)  {(rssMb < 150 ? "OK" : "MISSED")}");
    // Drain: kill what is still queued so that (c) starts on an idle cluster.
    var ids = accepted.TaskIds.Select(long.Parse).ToList();
    await Parallel.ForEachAsync(ids, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (id, ct) =>
    {
        try { await client.KillAsync(id, ct); } catch (RiverApiException e) when (e.Kind == RiverErrorKind.Conflict) { }
    });
    await client.WaitTasksAsync(ids, any: false, TimeSpan.FromSeconds(120));
    await WaitIdleAsync(client);
    Console.WriteLine();

    // (c) throughput
    sw.Restart();
    var batch = await client.SubmitBatchAsync(new BatchSubmitRequest
    {
        Tasks = Enumerable.Range(0, throughputCount).Select(_ => new SubmitRequest { Command = "true" }).ToList(),
    });
    var batchIds = batch.TaskIds.Select(long.Parse).ToList();
    List<KohakuRiver.Core.Tasks.RiverTask> finished;
    do finished = await client.WaitTasksAsync(batchIds, any: false, TimeSpan.FromSeconds(300));
    while (finished.Any(t => !t.IsFinished));
    var clusterWall = sw.Elapsed.TotalSeconds;
    var notCompleted = finished.Count(t => t.Status != RiverTaskStatus.Completed);

    sw.Restart();
    var next = 0;
    await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
    {
        while (Interlocked.Increment(ref next) <= throughputCount) await RawOnceAsync(docker.Client, image);
    }));
    var rawWall = sw.Elapsed.TotalSeconds;
    var ratioC = clusterWall / rawWall;
    Console.WriteLine($"(c) {throughputCount} trivial tasks, concurrency {concurrency}");
    Console.WriteLine($"    cluster : {clusterWall,6:0.00} s  ({throughputCount / clusterWall:0.0} tasks/s, {notCompleted} not completed)");
    Console.WriteLine($"    raw API : {rawWall,6:0.00} s  ({throughputCount / rawWall:0.0} containers/s)");
    Console.WriteLine($"    ratio   : {ratioC:0.000}  (target <= 1.2)  {(ratioC <= 1.2 && notCompleted == 0 ? "OK" : "MISSED")}");
    Console.WriteLine($"    daemon RSS at the end: {RssMiB(daemon.Id):0.0} MB");
    return 0;
}
finally
{
    daemon.Kill(entireProcessTree: true);
    await daemon.WaitForExitAsync();
    foreach (var c in await docker.ListContainersAsync(new Dictionary<string, string?> { ["kohakuriver.node"] = "bench" }, all: true))
        await docker.RemoveContainerAsync(c.Id);
    try { Directory.Delete(root, true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
}

// (e) SSH relay throughput: one scp of 200 MB into a VPS through the host's proxy (ssh_config ProxyCommand, and the
// in-process loopback forwarder Connect-RiverVps uses) against scp straight to the port Docker published.
static async Task SshThroughputAsync(RiverClient client, int hostPort, int proxyPort, string token, string root)
{
    var vps = await client.NewVpsAsync(new VpsCreateRequest { ContainerName = "sshd", SshKeyMode = "generate", RequiredCores = 1 });
    if (vps.Status != RiverTaskStatus.Running || vps.SshPort is not { } published)
        throw new InvalidOperationException($"VPS did not start: {vps.Message}");
    var dir = Directory.CreateDirectory(Path.Combine(root, "ssh")).FullName;
    File.SetUnixFileMode(dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    var identity = Path.Combine(dir, "id");
    File.WriteAllText(identity, vps.SshPrivateKey);
    File.SetUnixFileMode(identity, UnixFileMode.UserRead | UnixFileMode.UserWrite);
    var tokenFile = Path.Combine(dir, "token");
    File.WriteAllText(tokenFile, token);
    File.SetUnixFileMode(tokenFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
    var knownHosts = Path.Combine(dir, "known_hosts");
    var config = Path.Combine(dir, "config");
    File.WriteAllText(config, KohakuRiver.Core.Ssh.SshConfigEntry.Render("vps", "127.0.0.1", proxyPort, vps.TaskId, tokenFile, "root", identity, knownHosts)
        + KohakuRiver.Core.Ssh.SshConfigEntry.Render("vpsfd", "127.0.0.1", proxyPort, vps.TaskId, tokenFile, "root", identity, knownHosts, fdPassing: true));
    var payload = Path.Combine(dir, "payload.bin");
    await using (var f = File.Create(payload))
    {
        var block = new byte[1 << 20];
        Random.Shared.NextBytes(block);
        for (var i = 0; i < 200; i++) await f.WriteAsync(block);
    }
    string[] common = ["-o", "BatchMode=yes", "-o", $"UserKnownHostsFile={knownHosts}", "-o", "StrictHostKeyChecking=accept-new",
        "-o", $"HostKeyAlias={KohakuRiver.Core.Ssh.SshConfigEntry.HostKeyAlias(vps.TaskId)}", "-i", identity, "-o", "IdentitiesOnly=yes"];
    async Task<double> Scp(params string[] a)
    {
        var psi = new ProcessStartInfo("scp") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var x in a) psi.ArgumentList.Add(x);
        var sw = Stopwatch.StartNew();
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        if (p.ExitCode != 0) throw new InvalidOperationException("scp failed: " + await err);
        return 200.0 / sw.Elapsed.TotalSeconds;
    }
    // Warm: host key recorded, page cache filled.
    await Scp([.. common, "-P", published.ToString(), payload, "root@127.0.0.1:/tmp/warm"]);
    var direct = new List<double>();
    var proxied = new List<double>();
    var forwarded = new List<double>();
    var fdPassed = new List<double>();
    await using var forwarder = new KohakuRiver.Core.Ssh.SshLoopbackForwarder("127.0.0.1", proxyPort, vps.TaskId, token);
    for (var i = 0; i < 3; i++)
    {
        direct.Add(await Scp([.. common, "-P", published.ToString(), payload, "root@127.0.0.1:/tmp/direct"]));
        proxied.Add(await Scp(["-F", config, "-o", "BatchMode=yes", payload, "vps:/tmp/proxied"]));
        forwarded.Add(await Scp([.. common, "-P", forwarder.Port.ToString(), payload, "root@127.0.0.1:/tmp/forwarded"]));
        fdPassed.Add(await Scp(["-F", config, "-o", "BatchMode=yes", payload, "vpsfd:/tmp/fdpassed"]));
    }
    await client.StopVpsAsync(vps.TaskId);
    var ratioProxy = Median(proxied) / Median(direct);
    var ratioForward = Median(forwarded) / Median(direct);
    var ratioFd = Median(fdPassed) / Median(direct);
    Console.WriteLine("(e) one scp of 200 MB into a VPS, median of 3");
    Console.WriteLine($"    direct to the published port               : {Median(direct),6:0.0} MB/s");
    Console.WriteLine($"    via the proxy (bash ProxyCommand)          : {Median(proxied),6:0.0} MB/s   ratio {ratioProxy:0.00}  (target >= 0.8)  {(ratioProxy >= 0.8 ? "OK" : "MISSED")}");
    Console.WriteLine($"    via the proxy (python3 ProxyUseFdpass)     : {Median(fdPassed),6:0.0} MB/s   ratio {ratioFd:0.00}  (target >= 0.8)  {(ratioFd >= 0.8 ? "OK" : "MISSED")}");
    Console.WriteLine($"    via the proxy (loopback forwarder)         : {Median(forwarded),6:0.0} MB/s   ratio {ratioForward:0.00}  (target >= 0.8)  {(ratioForward >= 0.8 ? "OK" : "MISSED")}");
    Console.WriteLine();
}

// (d) The runner's per-task environment check when nothing changed: one directory listing and one image inspect.
static async Task SyncCheckAsync(DockerEngine docker, string baseImage)
{
    var env = "benchsync" + Guid.NewGuid().ToString("N")[..8];
    var shared = Directory.CreateTempSubdirectory("kohakuriver-bench-sync-").FullName;
    var settings = new KohakuRiver.Daemon.Configuration.DaemonSettings { SharedDir = shared, RunnerHostname = "bench" };
    var store = new KohakuRiver.Daemon.Environments.TarballStore(shared);
    var sync = new KohakuRiver.Daemon.Runner.Environments.ImageSync(docker, settings, store,
        Microsoft.Extensions.Logging.Abstractions.NullLogger<KohakuRiver.Daemon.Runner.Environments.ImageSync>.Instance);
    var container = await docker.CreateContainerAsync("kohakuriver-bench-" + env, new KohakuRiver.Daemon.Engine.ContainerSpec { Image = baseImage, Cmd = ["true"] });
    try
    {
        const long ts = 1_700_000_000;
        await docker.CommitContainerAsync(container, KohakuRiver.Core.Environments.EnvironmentNames.ImageRepository(env), "base",
            new Dictionary<string, string> { [KohakuRiver.Core.Environments.EnvironmentNames.PublishedAtLabel] = ts.ToString() }, ct: default);
        // A few older versions beside the current one, as a real folder has between prunes.
        await store.WriteAsync(env, ts, s => s.WriteAsync(new byte[] { 0 }).AsTask());
        for (var i = 0; i < 20; i++) await store.WriteAsync("other" + i, ts, s => s.WriteAsync(new byte[] { 0 }).AsTask());
        for (var i = 0; i < 50; i++) await sync.EnsureAsync(env, default);
        var times = new List<double>();
        for (var i = 0; i < 1000; i++)
        {
            var sw = Stopwatch.StartNew();
            await sync.EnsureAsync(env, default);
            times.Add(sw.Elapsed.TotalMilliseconds);
        }
        Console.WriteLine($"(d) environment up-to-date check (nothing changed), 1000 calls: median {Median(times):0.000} ms  p99 {Percentile(times, 0.99):0.000} ms  loads {sync.LoadCount}  (target < 5 ms)  {(Percentile(times, 0.99) < 5 && sync.LoadCount == 0 ? "OK" : "MISSED")}");
        Console.WriteLine();
    }
    finally
    {
        await docker.RemoveContainerAsync(container);
        await docker.RemoveImageAsync(KohakuRiver.Core.Environments.EnvironmentNames.ImageName(env), force: true);
        Directory.Delete(shared, true);
    }
}

static async Task<double> ClusterOnceAsync(RiverClient client)
{
    var sw = Stopwatch.StartNew();
    var r = await client.SubmitAsync(new SubmitRequest { Command = "true" });
    var t = await client.WaitTaskAsync(long.Parse(r.TaskIds[0]), TimeSpan.FromSeconds(60));
    var ms = sw.Elapsed.TotalMilliseconds;
    if (t.Status != RiverTaskStatus.Completed) throw new InvalidOperationException($"task {t.TaskId} ended {t.Status}: {t.ErrorMessage}");
    return ms;
}

// The baseline: the same container life through Docker.DotNet alone, with none of our adapter in between.
static async Task<double> RawOnceAsync(RawDockerClient docker, string image)
{
    var sw = Stopwatch.StartNew();
    var created = await docker.Containers.CreateContainerAsync(new Docker.DotNet.Models.CreateContainerParameters
    {
        Name = "kohakuriver-bench-" + Guid.NewGuid().ToString("N"),
        Image = image,
        Cmd = ["true"],
        HostConfig = new Docker.DotNet.Models.HostConfig { NetworkMode = "bridge" },
    });
    await docker.Containers.StartContainerAsync(created.ID);
    await docker.Containers.WaitContainerAsync(created.ID);
    await docker.Containers.RemoveContainerAsync(created.ID, new Docker.DotNet.Models.ContainerRemoveParameters { Force = true, RemoveVolumes = true });
    return sw.Elapsed.TotalMilliseconds;
}

static async Task<RiverNode> WaitForNodeAsync(RiverClient client)
{
    var deadline = DateTime.UtcNow.AddSeconds(60);
    while (true)
    {
        try
        {
            var nodes = await client.GetNodesAsync();
            if (nodes.FirstOrDefault(n => n.Status == NodeStatus.Online) is { } n) return n;
        }
        catch (RiverApiException) when (DateTime.UtcNow < deadline)
        {
        }
        if (DateTime.UtcNow > deadline) throw new TimeoutException("the daemon did not come up within 60 s");
        await Task.Delay(100);
    }
}

static async Task WaitIdleAsync(RiverClient client)
{
    var deadline = DateTime.UtcNow.AddSeconds(60);
    while (DateTime.UtcNow < deadline)
    {
        var h = await client.GetHealthAsync();
        if (h.PendingTasks == 0 && h.RunningTasks == 0) return;
        await Task.Delay(100);
    }
}

static double Median(List<double> xs) => Percentile(xs, 0.5);
static double P90(List<double> xs) => Percentile(xs, 0.9);
int IntArg(string name, int fallback) =>
    StringArg(name) is { } v ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;

string? StringArg(string name)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
}
