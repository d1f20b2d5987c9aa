using KohakuRiver.Core.Environments;
using KohakuRiver.Core.Models;
using KohakuRiver.Core.Wire;
using KohakuRiver.Tests.Cluster;
using KohakuRiver.Tests.Docker;

namespace KohakuRiver.Tests.Adversarial;

/// <summary>
/// A real cluster seeded for fuzzing: one finished task (so that ids of a real finished task are fuzzed too), one
/// task holding every core of the only node (so that anything wrongly accepted stays queued instead of starting
/// containers), and one running environment container. Removes what it made (environment containers are not the
/// cluster's, so <see cref="TestCluster"/> does not).
/// </summary>
public sealed class FuzzCluster : IAsyncDisposable
{
    private readonly DockerFixture _docker;
    private readonly DirectoryInfo _mountRoot;

    private FuzzCluster(TestCluster cluster, DockerFixture docker, DirectoryInfo mountRoot, string prefix)
    {
        Cluster = cluster;
        _docker = docker;
        _mountRoot = mountRoot;
        EnvironmentPrefix = prefix;
    }

    public TestCluster Cluster { get; }
    public string EnvironmentPrefix { get; }
    public Uri RunnerUri { get; private set; } = null!;
    public FuzzTargets Targets { get; private set; } = null!;

    private string LinkToRoot => Path.Combine(_mountRoot.FullName, "root");

    public static async Task<FuzzCluster> StartAsync(DockerFixture docker)
    {
        // Heartbeats may lag on a loaded machine; the node must not go offline (and lose the running task) mid-run.
        var cluster = await TestCluster.StartAsync(configure: s => s.HeartbeatTimeoutFactor = 300);
        var fuzz = new FuzzCluster(cluster, docker, Directory.CreateTempSubdirectory("kohakuriver-fuzz-"), "fz" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            await fuzz.SeedAsync();
            return fuzz;
        }
        catch
        {
            await fuzz.DisposeAsync();
            throw;
        }
    }

    private async Task SeedAsync()
    {
        var mountable = Directory.CreateDirectory(Path.Combine(_mountRoot.FullName, "data")).FullName;
        File.CreateSymbolicLink(LinkToRoot, "/");

        var node = (await Cluster.Client.GetNodesAsync()).Single();
        RunnerUri = new Uri(node.Url);

        var finished = await Cluster.RunAsync(new SubmitRequest { Command = "true" });
        AssertTask.Completed(finished);
        var running = await Cluster.SubmitOneAsync(new SubmitRequest { Command = "sleep 3600", RequiredCores = node.TotalCores });
        await Eventually.TrueAsync(async () => (await Cluster.Client.GetTaskAsync(running.TaskId)).Status == RiverTaskStatus.Running,
            TimeSpan.FromSeconds(30), "the core-holding task runs");
        await Cluster.Client.NewEnvironmentAsync(EnvironmentPrefix + "seed", DockerFixture.BusyboxImage);
        // The finished task's container goes once its report is acknowledged; wait, so the baseline is settled.
        await Eventually.TrueAsync(async () => (await Cluster.ContainersAsync(_docker.Client)).Count == 1,
            TimeSpan.FromSeconds(30), "only the running task's container is left");

        Targets = new FuzzTargets
        {
            NodeName = node.NodeName,
            NodeCores = node.TotalCores,
            NodeMemoryBytes = node.TotalMemoryBytes,
            FinishedTaskId = finished.TaskId,
            RunningTaskId = running.TaskId,
            UnknownTaskId = 7_777_777_777_777_777_777,
            EnvironmentPrefix = EnvironmentPrefix,
            MountableDir = mountable,
            LinkToRoot = LinkToRoot,
            HostDataDir = Cluster.HostSettings.DataDir,
            Image = DockerFixture.BusyboxImage,
        };
    }

    public IEnumerable<EndpointSpec> Endpoints() =>
    [
        .. TaskEndpointCatalogue.Build(Targets),
        .. NodeEndpointCatalogue.Build(Targets),
        .. VpsEnvironmentCatalogue.Build(Targets),
        .. RunnerEndpointCatalogue.Build(Targets),
    ];

    public async ValueTask DisposeAsync()
    {
        // Only the names this run could have given environments; other tests' environments share the engine.
        foreach (var env in new[] { "seed", "new" })
            await _docker.RemoveQuietlyAsync(EnvironmentNames.ContainerName(EnvironmentPrefix + env));
        // The link first and on its own, so that nothing recursive ever walks into /.
        if (new FileInfo(LinkToRoot).LinkTarget is not null) File.Delete(LinkToRoot);
        try
        {
            _mountRoot.Delete(recursive: true);
        }
        catch (IOException)
        {
        }
        await Cluster.DisposeAsync();
    }
}
