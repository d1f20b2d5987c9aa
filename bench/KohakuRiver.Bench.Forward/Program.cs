using static KohakuRiver.Bench.Shared.BenchTools;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using KohakuRiver.Core.Client;
using KohakuRiver.Core.Forwarding;
using KohakuRiver.Core.Models;
using KohakuRiver.Core.Wire;
using KohakuRiver.Daemon.Configuration;
using KohakuRiver.Daemon.Engine.Docker;
using KohakuRiver.Daemon.Host;
using KohakuRiver.Daemon.Runner;
using KohakuRiver.Daemon.Runner.Execution;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

// Port-forward benchmark: a task (busybox httpd in kohakuriver/busybox:base, on the bridge network) serves a file of
// --size MB from its own file system; the file is fetched with a plain HTTP/1.0 GET over a raw socket, (a) directly
// from the container's address, and (b) through a PortForward on loopback (client WebSocket -> host relay -> runner ->
// container). Host and runner are the product's applications, in this process. Each way runs --runs times after a
// warm-up; the best and the median MB/s are reported, and the ratio forward/direct of the medians (target >= 0.8).
// Usage: dotnet run -c Release --project bench/KohakuRiver.Bench.Forward [-- --size 200 --runs 3]
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;

var sizeMb = IntArg("--size", 200);
var runs = IntArg("--runs", 3);
Console.WriteLine("KohakuRiver port-forward benchmark");
Console.WriteLine($"machine: {Environment.ProcessorCount} cores, .NET {Environment.Version}; {sizeMb} MB per transfer, {runs} run(s) each way");
if (File.Exists("/proc/loadavg")) Console.WriteLine($"load   : {string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3))} (1, 5, 15 min averages)");

var id = Guid.NewGuid().ToString("N")[..8];
var root = Directory.CreateTempSubdirectory("kohakuriver-bench-forward-").FullName;
var settings = new DaemonSettings
{
    HostPort = FreePort(),
    RunnerPort = FreePort(),
    SshProxyPort = FreePort(),
    HostBindAddress = "127.0.0.1",
    HostAddress = "127.0.0.1",
    RunnerAddress = "127.0.0.1",
    DataDir = Path.Combine(root, "data"),
    SharedDir = Path.Combine(root, "shared"),
    LocalTempDir = Path.Combine(root, "local"),
    ApiToken = "bench-api-" + id,
    ClusterToken = "bench-cluster-" + id,
    HeartbeatIntervalSeconds = 1,
    TaskNetwork = "bridge",
    LogLevel = "Warning",
    HostSharesRunnerFilesystem = true,
    GpuLibraryPath = "",
    RunnerHostname = "bench-forward-" + id,
};
var host = HostServer.Build(settings);
await host.StartAsync();
var runnerSettings = settings.Clone();
var runner = RunnerServer.Build(runnerSettings);
await runner.StartAsync();
using var client = new RiverClient(new Uri($"http://127.0.0.1:{settings.HostPort}"), settings.ApiToken);
using var docker = new DockerEngine();
long taskId = 0;
try
{
    var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
    while ((await client.GetNodesAsync()).All(n => n.Status != NodeStatus.Online))
    {
        if (DateTime.UtcNow > deadline) throw new TimeoutException("the runner did not come online");
        await Task.Delay(100);
    }
    var submitted = await client.SubmitAsync(new SubmitRequest
    {
        Command = $"mkdir -p /tmp/www && dd if=/dev/zero of=/tmp/www/big bs=1048576 count={sizeMb} 2>/dev/null && echo ready > /tmp/www/ready && exec httpd -f -p 8080 -h /tmp/www",
    });
    taskId = long.Parse(submitted.TaskIds.Single(), CultureInfo.InvariantCulture);
    while ((await client.GetTaskAsync(taskId)).Status != RiverTaskStatus.Running)
    {
        if (DateTime.UtcNow > deadline) throw new TimeoutException("the task did not start");
        await Task.Delay(100);
    }
    var container = runner.Services.GetRequiredService<TaskExecutor>().ContainerFor(taskId)!;
    var info = await docker.InspectContainerAsync(container);
    var address = IPAddress.Parse(info!.NetworkAddresses.Values.First());
    await using var forward = await PortForward.StartAsync(client, taskId, 8080);
    // The same forward without the host's hop (the runner serves the same path with the cluster token): where the
    // time goes.
    var runnerAddress = runner.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
    using var runnerClient = new RiverClient(new Uri(runnerAddress), settings.ClusterToken);
    await using var shortForward = await PortForward.StartAsync(runnerClient, taskId, 8080);
    var direct = new IPEndPoint(address, 8080);
    var local = new IPEndPoint(IPAddress.Loopback, forward.LocalPort);
    var shortLocal = new IPEndPoint(IPAddress.Loopback, shortForward.LocalPort);
    // The ceiling of the forward's shape on this machine: three plain socket-to-socket copies (as client, host and
    // runner each make one), no WebSocket, no framing, no authentication.
    using var relays = new CancellationTokenSource();
    var bare = direct;
    for (var hop = 0; hop < 3; hop++) bare = PlainRelay(bare, relays.Token);
    // httpd starts once the file is written: wait for it through the direct path.
    while (true)
    {
        try
        {
            await FetchAsync(direct, "/ready");
            break;
        }
        catch (SocketException) when (DateTime.UtcNow < deadline + TimeSpan.FromSeconds(60))
        {
            await Task.Delay(200);
        }
    }
    Console.WriteLine($"task   : {taskId}, container address {address}, forward {forward}");
    Console.WriteLine();

    // Warm-up: JIT, connection set-up paths, page cache of the file in the container.
    await FetchAsync(direct, "/big");
    await FetchAsync(local, "/big");
    await FetchAsync(shortLocal, "/big");
    await FetchAsync(bare, "/big");

    var expected = (long)sizeMb << 20;
    var directRates = new List<double>();
    var forwardRates = new List<double>();
    var shortRates = new List<double>();
    var bareRates = new List<double>();
    List<double> directCpu = [], forwardCpu = [], shortCpu = [], bareCpu = [];
    for (var i = 0; i < runs; i++)
    {
        directRates.Add(await RateAsync(direct, directCpu));
        forwardRates.Add(await RateAsync(local, forwardCpu));
        shortRates.Add(await RateAsync(shortLocal, shortCpu));
        bareRates.Add(await RateAsync(bare, bareCpu));
    }
    Console.WriteLine($"direct : median {Percentile(directRates, 0.5),8:0.0} MB/s, best {directRates.Max(),8:0.0} MB/s  ({string.Join(", ", directRates.Select(r => r.ToString("0")))})");
    Console.WriteLine($"forward: median {Percentile(forwardRates, 0.5),8:0.0} MB/s, best {forwardRates.Max(),8:0.0} MB/s  ({string.Join(", ", forwardRates.Select(r => r.ToString("0")))})");
    Console.WriteLine($"runner : median {Percentile(shortRates, 0.5),8:0.0} MB/s, best {shortRates.Max(),8:0.0} MB/s  ({string.Join(", ", shortRates.Select(r => r.ToString("0")))}) forward to the runner itself, no host hop");
    Console.WriteLine($"3 bare : median {Percentile(bareRates, 0.5),8:0.0} MB/s, best {bareRates.Max(),8:0.0} MB/s  ({string.Join(", ", bareRates.Select(r => r.ToString("0")))}) three plain 64 KiB socket relays in a row: the ceiling of the forward's shape here");
    Console.WriteLine($"ratio  : {Percentile(forwardRates, 0.5) / Percentile(directRates, 0.5):0.00}x of direct (median), {forwardRates.Max() / directRates.Max():0.00}x (best); target >= 0.8x");
    Console.WriteLine($"carried: {forward.BytesReceived / 1048576.0:0} MiB received over {forward.TotalConnections} connections through the forward");

    Console.WriteLine($"         forward / 3 bare relays: {Percentile(forwardRates, 0.5) / Percentile(bareRates, 0.5):0.00}x (median)");
    Console.WriteLine($"cpu    : this process (client, host and runner) spent {CpuPerGb(directCpu):0.00} s per GB direct, {CpuPerGb(forwardCpu):0.00} s per GB through the forward, {CpuPerGb(shortCpu):0.00} s per GB through the runner alone, {CpuPerGb(bareCpu):0.00} s per GB through 3 bare relays");

    double CpuPerGb(List<double> seconds) => seconds.Sum() / (runs * (double)expected / 1e9);

    async Task<double> RateAsync(IPEndPoint endpoint, List<double> cpu)
    {
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        var bytes = await FetchAsync(endpoint, "/big");
        var seconds = clock.Elapsed.TotalSeconds;
        cpu.Add((Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalSeconds);
        if (bytes < expected) throw new InvalidOperationException($"got {bytes} bytes from {endpoint}, expected {expected}");
        return bytes / 1e6 / seconds;
    }
}
finally
{
    if (taskId != 0)
    {
        try
        {
            await client.KillAsync(taskId);
        }
        catch (RiverApiException)
        {
        }
    }
    await runner.StopAsync();
    await host.StopAsync();
    foreach (var c in await docker.ListContainersAsync(new Dictionary<string, string?> { [ContainerLabels.Node] = settings.RunnerHostname }, all: true))
        await docker.RemoveContainerAsync(c.Id);
    try
    {
        Directory.Delete(root, recursive: true);
    }
    catch (IOException)
    {
    }
}

// A loopback listener that copies each connection to and from upstream with 64 KiB buffers: one plain relay hop.
static IPEndPoint PlainRelay(IPEndPoint upstream, CancellationToken ct)
{
    var listener = new TcpListener(IPAddress.Loopback, 0);
    listener.Start();
    _ = Task.Run(async () =>
    {
        while (!ct.IsCancellationRequested)
        {
            var accepted = await listener.AcceptSocketAsync(ct);
            _ = Task.Run(async () =>
            {
                using var a = accepted;
                using var u = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                await u.ConnectAsync(upstream, ct);
                await Task.WhenAll(Copy(a, u), Copy(u, a));
            }, ct);
        }
    }, ct);
    return (IPEndPoint)listener.LocalEndpoint;

    static async Task Copy(Socket from, Socket to)
    {
        var buffer = new byte[64 * 1024];
        int n;
        while ((n = await from.ReceiveAsync(buffer)) > 0)
        {
            var m = buffer.AsMemory(0, n);
            while (!m.IsEmpty) m = m[await to.SendAsync(m)..];
        }
        to.Shutdown(SocketShutdown.Send);
    }
}

// The body's length in bytes (headers excluded) of an HTTP/1.0 GET read to the end with 256 KiB reads.
static async Task<long> FetchAsync(IPEndPoint endpoint, string path)
{
    using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
    await socket.ConnectAsync(endpoint);
    await socket.SendAsync(Encoding.ASCII.GetBytes($"GET {path} HTTP/1.0\r\n\r\n"));
    var buffer = new byte[256 * 1024];
    long total = 0;
    long headerEnd = -1;
    var head = new List<byte>();
    int n;
    while ((n = await socket.ReceiveAsync(buffer)) > 0)
    {
        if (headerEnd < 0)
        {
            head.AddRange(buffer.AsSpan(0, n).ToArray());
            var at = head.ToArray().AsSpan().IndexOf("\r\n\r\n"u8);
            if (at >= 0)
            {
                headerEnd = at + 4;
                total = head.Count - headerEnd;
            }
            continue;
        }
        total += n;
    }
    return total;
}

static int IntArg(string name, int fallback)
{
    var args = Environment.GetCommandLineArgs();
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
}
