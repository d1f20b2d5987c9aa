using KohakuRiver.Core.Client;
using KohakuRiver.Core.Models;
using KohakuRiver.Core.Wire;
using KohakuRiver.Core.Tasks;
using KohakuRiver.Daemon.Configuration;
using KohakuRiver.Daemon.Engine;
using KohakuRiver.Daemon.Engine.Docker;
using KohakuRiver.Daemon.Host;
using KohakuRiver.Daemon.Runner;
using KohakuRiver.Daemon.Runner.Execution;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace KohakuRiver.Tests.Cluster;

/// <summary>
/// A real cluster in the test process: the host and its runners are the product's own ASP.NET applications,
/// listening on 127.0.0.1 with ports the OS picks, over temporary directories, driving the real Docker engine.
/// Node names are unique per cluster so that clean-up removes this cluster's containers and nothing else.
/// </summary>
public sealed class TestCluster : IAsyncDisposable
{
    private readonly Dictionary<string, WebApplication?> _runners = [];
    private readonly Dictionary<string, DaemonSettings> _runnerSettings = [];
    private WebApplication? _host;
    private Action<WebApplication>? _runnerApp;
    private static int s_lastInstance;

    private TestCluster(string root, DaemonSettings hostSettings)
    {
        Root = root;
        HostSettings = hostSettings;
    }

    public string Root { get; }
    public DaemonSettings HostSettings { get; }
    public RiverClient Client { get; private set; } = null!;
    public IReadOnlyList<string> NodeNames => _runners.Keys.ToList();
    public Uri HostUri => new($"http://127.0.0.1:{HostSettings.HostPort}");

    /// <param name="runnerApp">Called with each runner's application after it is built and before it starts (a test's own
    /// middleware, to watch what reaches the runner).</param>
    public static async Task<TestCluster> StartAsync(int runners = 1, int runnerCores = 2, Action<DaemonSettings>? configure = null,
        Action<WebApplication>? runnerApp = null)
    {
        var id = Guid.NewGuid().ToString("N")[..8];
        var root = Path.Combine(Path.GetTempPath(), "kohakuriver-tests", id);
        var settings = new DaemonSettings
        {
            HostPort = 0,
            RunnerPort = 0,
            SshProxyPort = 0,
            HostBindAddress = "127.0.0.1",
            HostAddress = "127.0.0.1",
            RunnerAddress = "127.0.0.1",
            DataDir = Path.Combine(root, "data"),
            SharedDir = Path.Combine(root, "shared"),
            LocalTempDir = Path.Combine(root, "local"),
            ApiToken = "api-" + id,
            ClusterToken = "cluster-" + id,
            HeartbeatIntervalSeconds = 1,
            HeartbeatTimeoutFactor = 6,
            RunnerCores = runnerCores,
            TaskNetwork = "none",
            LogLevel = "Warning",
            // Clusters of parallel tests share one engine, and task ids name containers: ids from different
            // clusters must differ even when issued in the same millisecond.
            IdInstance = Interlocked.Increment(ref s_lastInstance) % 1024,
            // Host and runners share this machine, as in standalone mode.
            HostSharesRunnerFilesystem = true,
            // No GPUs unless a test brings the NVML stand-in: a machine's real ones would change what tests see.
            GpuLibraryPath = "",
        };
        configure?.Invoke(settings);
        var cluster = new TestCluster(root, settings) { _runnerApp = runnerApp };
        await cluster.StartHostAsync();
        for (var i = 1; i <= runners; i++)
        {
            var node = $"t{id}-{i}";
            var rs = settings.Clone();
            rs.RunnerHostname = node;
            cluster._runnerSettings[node] = rs;
            cluster._runners[node] = null;
            await cluster.StartRunnerAsync(node);
        }
        await cluster.WaitForNodesOnlineAsync(runners);
        return cluster;
    }

    public async Task StartHostAsync()
    {
        _host = HostServer.Build(HostSettings);
        await _host.StartAsync();
        // Keep the ports the OS chose, so that a restarted host is found where runners and ssh look for it.
        HostSettings.HostPort = BoundPort(_host);
        HostSettings.SshProxyPort = await _host.Services.GetRequiredService<KohakuRiver.Daemon.Host.SshProxy.SshProxyServer>().Started;
        foreach (var rs in _runnerSettings.Values) rs.HostPort = HostSettings.HostPort;
        Client?.Dispose();
        Client = new RiverClient(HostUri, HostSettings.ApiToken!);
    }

    public async Task StopHostAsync()
    {
        if (_host is null) return;
        await _host.StopAsync();
        await _host.DisposeAsync();
        _host = null;
    }

    public async Task RestartHostAsync()
    {
        await StopHostAsync();
        await StartHostAsync();
    }

    public async Task StartRunnerAsync(string node)
    {
        var rs = _runnerSettings[node];
        rs.HostPort = HostSettings.HostPort;
        var app = RunnerServer.Build(rs);
        _runnerApp?.Invoke(app);
        await app.StartAsync();
        _runners[node] = app;
    }

    /// <summary>Starts one more runner, under a node name of the caller's choosing (one a stand-in registered first,
    /// say).</summary>
    public async Task AddRunnerAsync(string node)
    {
        var rs = HostSettings.Clone();
        rs.RunnerHostname = node;
        _runnerSettings[node] = rs;
        _runners[node] = null;
        await StartRunnerAsync(node);
    }

    /// <summary>Stops a runner as a crash would look to the host: it simply stops talking. Its containers run on.</summary>
    public async Task StopRunnerAsync(string node)
    {
        if (_runners[node] is not { } app) return;
        await app.StopAsync();
        await app.DisposeAsync();
        _runners[node] = null;
    }

    /// <summary>A runner's own settings, which its executor reads as it goes (to change what one node allows).</summary>
    public DaemonSettings RunnerSettings(string node) => _runnerSettings[node];

    /// <summary>A service of a running runner, for assertions about its internals (load counts, say).</summary>
    public T RunnerService<T>(string node) where T : notnull =>
        (_runners[node] ?? throw new InvalidOperationException($"runner {node} is stopped")).Services.GetRequiredService<T>();

    public RiverClient ClusterTokenClient() => new(HostUri, HostSettings.ClusterToken!);

    /// <summary>The address a running runner listens on.</summary>
    public Uri RunnerUri(string node) =>
        new(((_runners[node] ?? throw new InvalidOperationException($"runner {node} is stopped")).Services.GetRequiredService<IServer>()
            .Features.Get<IServerAddressesFeature>()!.Addresses.First()));

    public async Task WaitForNodesOnlineAsync(int count, TimeSpan? timeout = null) =>
        await Eventually.TrueAsync(async () =>
            (await Client.GetNodesAsync()).Count(n => n.Status == NodeStatus.Online && _runners.ContainsKey(n.NodeName)) >= count,
            timeout ?? TimeSpan.FromSeconds(20), $"{count} node(s) online");

    /// <summary>Long-polls until the task is final; fails the test after <paramref name="timeout"/>.</summary>
    public async Task<RiverTask> WaitFinalAsync(long taskId, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(60));
        while (true)
        {
            var left = deadline - DateTime.UtcNow;
            var t = await Client.WaitTaskAsync(taskId, left > TimeSpan.FromSeconds(10) ? TimeSpan.FromSeconds(10) : left < TimeSpan.Zero ? TimeSpan.Zero : left);
            if (t.IsFinished) return t;
            if (DateTime.UtcNow >= deadline) throw new TimeoutException($"task {taskId} is still {t.Status} after the deadline");
        }
    }

    public async Task<RiverTask> SubmitOneAsync(SubmitRequest request)
    {
        var r = await Client.SubmitAsync(request);
        return await Client.GetTaskAsync(long.Parse(r.TaskIds.Single()));
    }

    public async Task<RiverTask> RunAsync(SubmitRequest request) =>
        await WaitFinalAsync((await SubmitOneAsync(request)).TaskId);

    /// <summary>The containers of this cluster's nodes that the engine still has.</summary>
    public async Task<IReadOnlyList<ContainerListing>> ContainersAsync(IContainerEngine docker)
    {
        var all = new List<ContainerListing>();
        foreach (var node in _runners.Keys)
            all.AddRange(await docker.ListContainersAsync(new Dictionary<string, string?> { [ContainerLabels.Node] = node }, all: true));
        return all;
    }

    private static int BoundPort(WebApplication app)
    {
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new Uri(address).Port;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var node in _runners.Keys.ToList()) await StopRunnerAsync(node);
        await StopHostAsync();
        Client?.Dispose();
        using (var docker = new DockerEngine())
        {
            if (await docker.PingAsync())
                foreach (var c in await ContainersAsync(docker))
                    await docker.RemoveContainerAsync(c.Id);
        }
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}

/// <summary>Polls a condition until it holds or a deadline passes: synchronisation without fixed sleeps.</summary>
public static class Eventually
{
    public static async Task TrueAsync(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        var delay = 20;
        while (true)
        {
            if (await condition()) return;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"timed out after {timeout.TotalSeconds:0.#} s waiting for: {what}");
            await Task.Delay(delay);
            delay = Math.Min(delay * 2, 250);
        }
    }

    public static Task TrueAsync(Func<bool> condition, TimeSpan timeout, string what) =>
        TrueAsync(() => Task.FromResult(condition()), timeout, what);
}

/// <summary>Status assertions that say why a task ended otherwise, so a CI failure names its cause.</summary>
public static class AssertTask
{
    public static void Completed(RiverTask t) =>
        Xunit.Assert.True(t.Status == RiverTaskStatus.Completed, $"task {t.TaskId} is {t.Status.ToWire()}: {t.ErrorMessage}");
}
