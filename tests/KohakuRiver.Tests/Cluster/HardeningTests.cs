using System.Net;
using KohakuRiver.Core.Client;
using KohakuRiver.Core.Models;
using KohakuRiver.Core.Wire;
using KohakuRiver.Daemon.Runner.Execution;
using KohakuRiver.Tests.Docker;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace KohakuRiver.Tests.Cluster;

/// <summary>What an API token holder cannot do to a node, against the real engine: mounts judged by real paths where
/// the container is made, no privilege unless allowed, default limits that hold inside the container, and tasks
/// ended from outside reported as such.</summary>
public sealed class HardeningTests(DockerFixture docker) : IClassFixture<DockerFixture>
{
    private static async Task<RiverApiException> RefusedAsync(TestCluster cluster, SubmitRequest request)
    {
        var e = await Assert.ThrowsAsync<RiverApiException>(() => cluster.Client.SubmitAsync(request));
        Assert.Equal(HttpStatusCode.BadRequest, e.StatusCode);
        return e;
    }

    private static Task WaitRunningAsync(TestCluster cluster, long id) =>
        Eventually.TrueAsync(async () =>
        {
            var t = await cluster.Client.GetTaskAsync(id);
            Assert.False(t.IsFinished, $"task {id} ended as {t.Status.ToWire()}: {t.ErrorMessage}");
            return t.Status == RiverTaskStatus.Running;
        }, TimeSpan.FromSeconds(30), $"task {id} running");

    [Fact]
    public async Task Mounts_that_reach_the_engine_the_host_root_or_the_daemons_state_are_refused_at_submit()
    {
        docker.RequireDocker();
        await using var cluster = await TestCluster.StartAsync();
        var shared = cluster.HostSettings.SharedDir;
        var toData = Path.Combine(shared, "innocent");
        File.CreateSymbolicLink(toData, cluster.HostSettings.DataDir);
        var outside = Directory.CreateTempSubdirectory("kohakuriver-outside-").FullName;
        var toRoot = Path.Combine(outside, "root");
        File.CreateSymbolicLink(toRoot, "/");
        var missing = Path.Combine(shared, "not-there");
        try
        {
            Assert.Contains("runtime state in /run", (await RefusedAsync(cluster, new SubmitRequest { Command = "true", AdditionalMounts = ["/run/docker.sock:/s"] })).Detail);
            Assert.Contains("(really /run/docker.sock)", (await RefusedAsync(cluster, new SubmitRequest { Command = "true", AdditionalMounts = ["/var/run/docker.sock:/s"] })).Detail);
            Assert.Contains("contains the kernel interface /proc", (await RefusedAsync(cluster, new SubmitRequest { Command = "true", AdditionalMounts = ["/proc/self/root:/x"] })).Detail);
            Assert.Contains($"(really {cluster.HostSettings.DataDir}) lies in the data dir", (await RefusedAsync(cluster, new SubmitRequest { Command = "cat /x/api-token", AdditionalMounts = [$"{toData}:/x"] })).Detail);
            Assert.Contains("contains the kernel interface /proc", (await RefusedAsync(cluster, new SubmitRequest { Command = "true", AdditionalMounts = [$"{toRoot}:/x"] })).Detail);
            Assert.Contains("is outside the folders mounts may come from", (await RefusedAsync(cluster, new SubmitRequest { Command = "true", AdditionalMounts = ["/etc:/hostetc"] })).Detail);
            Assert.Contains("never created", (await RefusedAsync(cluster, new SubmitRequest { Command = "true", AdditionalMounts = [$"{missing}:/m"] })).Detail);
            Assert.False(Directory.Exists(missing));
            var vps = await Assert.ThrowsAsync<RiverApiException>(() => cluster.Client.NewVpsAsync(new VpsCreateRequest { SshKeyMode = "disabled", AdditionalMounts = ["/var/run/docker.sock:/s"] }));
            Assert.Equal(HttpStatusCode.BadRequest, vps.StatusCode);
            Assert.Empty(await cluster.Client.ListTasksAsync());
        }
        finally
        {
            Directory.Delete(outside, recursive: true);
        }
    }

    [Fact]
    public async Task The_runner_judges_a_mount_as_it_is_when_the_container_is_made_not_as_it_was_at_submit()
    {
        docker.RequireDocker();
        await using var cluster = await TestCluster.StartAsync();
        var node = cluster.NodeNames[0];
        var folder = Path.Combine(cluster.HostSettings.SharedDir, "datasets");
        Directory.CreateDirectory(folder);
        await cluster.StopRunnerAsync(node);

        // A real folder at submit passes the host's check; the task waits for its runner.
        var t = await cluster.SubmitOneAsync(new SubmitRequest { Command = "ls /data", AdditionalMounts = [$"{folder}:/data:ro"] });
        // Meanwhile someone with write access to the shared dir swaps the folder for a link to the daemon's data.
        Directory.Delete(folder);
        File.CreateSymbolicLink(folder, cluster.HostSettings.DataDir);
        await cluster.StartRunnerAsync(node);

        var done = await cluster.WaitFinalAsync(t.TaskId);
        Assert.Equal(RiverTaskStatus.Failed, done.Status);
        Assert.Contains($"{folder} (really {cluster.HostSettings.DataDir}) lies in the data dir", done.ErrorMessage);
        Assert.Empty(await cluster.ContainersAsync(docker.Client));
    }

    [Fact]
    public async Task A_mount_from_an_allowed_root_is_made_from_its_resolved_path()
    {
        docker.RequireDocker();
        var extra = Directory.CreateTempSubdirectory("kohakuriver-root-").FullName;
        try
        {
            await using var cluster = await TestCluster.StartAsync(configure: s => s.MountAllowedRoots = [extra]);
            Directory.CreateDirectory(Path.Combine(extra, "v1"));
            await File.WriteAllTextAsync(Path.Combine(extra, "v1", "marker"), "from v1");
            File.CreateSymbolicLink(Path.Combine(extra, "current"), Path.Combine(extra, "v1"));

            var t = await cluster.RunAsync(new SubmitRequest { Command = "cat /d/marker", AdditionalMounts = [$"{Path.Combine(extra, "current")}:/d:ro"] });
            AssertTask.Completed(t);
            Assert.Equal("from v1", await cluster.Client.GetOutputAsync(t.TaskId, TaskOutputStream.Stdout));
        }
        finally
        {
            Directory.Delete(extra, recursive: true);
        }
    }

    [Fact]
    public async Task Privileged_is_refused_unless_the_operator_allows_it_on_the_host_and_on_the_runner()
    {
        docker.RequireDocker();
        await using var cluster = await TestCluster.StartAsync();
        var e = await RefusedAsync(cluster, new SubmitRequest { Command = "true", Privileged = true });
        Assert.Contains("allow_privileged", e.Detail);

        // A host that allows it still meets a runner that does not: the runner refuses before the engine is asked.
        cluster.HostSettings.AllowPrivileged = true;
        await cluster.RestartHostAsync();
        var refused = await cluster.RunAsync(new SubmitRequest { Command = "true", Privileged = true });
        Assert.Equal(RiverTaskStatus.Failed, refused.Status);
        Assert.Equal($"privileged containers are not allowed on node {cluster.NodeNames[0]} (setting allow_privileged)", refused.ErrorMessage);

        // Allowed on both, the container is made privileged: it gets every capability, where the engine itself may
        // grant them (an engine that runs inside an unprivileged container cannot, and says so).
        cluster.RunnerSettings(cluster.NodeNames[0]).AllowPrivileged = true;
        const string caps = "grep CapEff /proc/self/status";
        var plain = await cluster.RunAsync(new SubmitRequest { Command = caps });
        var privileged = await cluster.RunAsync(new SubmitRequest { Command = caps, Privileged = true });
        AssertTask.Completed(plain);
        if (privileged.Status == RiverTaskStatus.Failed)
        {
            Assert.StartsWith("Docker engine:", privileged.ErrorMessage);
            Assert.Contains("caps", privileged.ErrorMessage);
            return;
        }
        AssertTask.Completed(privileged);
        ulong Mask(string line) => Convert.ToUInt64(line.Split(':')[1].Trim(), 16);
        var plainCaps = Mask(await cluster.Client.GetOutputAsync(plain.TaskId, TaskOutputStream.Stdout));
        var allCaps = Mask(await cluster.Client.GetOutputAsync(privileged.TaskId, TaskOutputStream.Stdout));
        Assert.True(allCaps > plainCaps && (allCaps & plainCaps) == plainCaps, $"privileged {allCaps:x} vs plain {plainCaps:x}");
    }

    [Fact]
    public async Task Every_task_gets_a_pids_limit_and_a_memory_limit_that_hold_inside_its_container()
    {
        docker.RequireDocker();
        await using var cluster = await TestCluster.StartAsync();
        // Builtins only after the spawning: once the limit is reached nothing can fork, not even cat.
        const string readLimits = "read pids < /sys/fs/cgroup/pids/pids.max; read mem < /sys/fs/cgroup/memory/memory.limit_in_bytes; echo $pids $mem";
        var defaults = await cluster.RunAsync(new SubmitRequest { Command = readLimits });
        AssertTask.Completed(defaults);
        Assert.Equal($"4096 {2L << 30}\n", await cluster.Client.GetOutputAsync(defaults.TaskId, TaskOutputStream.Stdout));

        // A bounded fork bomb: 80 sleepers against a limit of 32.
        var bomb = await cluster.RunAsync(new SubmitRequest
        {
            // The spawning shell gives up at its first failed fork; its sleepers stay, and the outer shell reads the
            // counts with builtins.
            Command = "sh -c 'for i in $(seq 1 80); do sleep 30 & done' 2>/tmp/bomb; read n < /sys/fs/cgroup/pids/pids.current; read m < /sys/fs/cgroup/pids/pids.max; read e < /tmp/bomb; echo $n $m; echo $e",
            PidsLimit = 32,
        });
        AssertTask.Completed(bomb);
        var lines = (await cluster.Client.GetOutputAsync(bomb.TaskId, TaskOutputStream.Stdout)).Split('\n');
        var counts = lines[0].Split(' ').Select(int.Parse).ToArray();
        Assert.Equal(32, counts[1]);
        Assert.InRange(counts[0], 20, 32);
        Assert.Contains("can't fork", lines[1]);
    }

    [Fact]
    public async Task A_task_killed_or_removed_outside_KohakuRiver_ends_killed_saying_so()
    {
        docker.RequireDocker();
        await using var cluster = await TestCluster.StartAsync();
        var killed = await cluster.SubmitOneAsync(new SubmitRequest { Command = "sleep 60" });
        var removed = await cluster.SubmitOneAsync(new SubmitRequest { Command = "sleep 60" });
        await WaitRunningAsync(cluster, killed.TaskId);
        await WaitRunningAsync(cluster, removed.TaskId);

        await docker.Client.KillContainerAsync(ContainerLabels.TaskContainerName(killed.TaskId), "KILL");
        await docker.Client.RemoveContainerAsync(ContainerLabels.TaskContainerName(removed.TaskId));

        var k = await cluster.WaitFinalAsync(killed.TaskId);
        Assert.True(k.Status == RiverTaskStatus.Killed, $"{k.Status.ToWire()}: {k.ErrorMessage}");
        Assert.Equal(137, k.ExitCode);
        Assert.Equal("killed outside KohakuRiver: the Docker engine was asked to send it signal 9 (docker kill or docker stop)", k.ErrorMessage);
        var r = await cluster.WaitFinalAsync(removed.TaskId);
        Assert.True(r.Status == RiverTaskStatus.Killed, $"{r.Status.ToWire()}: {r.ErrorMessage}");
        Assert.Equal("its container was removed outside KohakuRiver (docker rm -f, say) while it ran", r.ErrorMessage);

        // A process that dies of its own SIGKILL was not killed from outside: it stays failed.
        // (A child shell: PID 1 of a container ignores signals it has no handler for.)
        var selfKilled = await cluster.RunAsync(new SubmitRequest { Command = "sh -c 'kill -9 $$'; exit $?" });
        Assert.Equal((RiverTaskStatus.Failed, "exited with code 137"), (selfKilled.Status, selfKilled.ErrorMessage));
    }

    [Fact]
    public async Task A_vps_killed_outside_KohakuRiver_ends_killed_saying_so()
    {
        docker.RequireDocker();
        await using var cluster = await TestCluster.StartAsync();
        var vps = await cluster.Client.NewVpsAsync(new VpsCreateRequest { SshKeyMode = "disabled" });
        Assert.Equal(RiverTaskStatus.Running, vps.Status);
        await docker.Client.KillContainerAsync($"kohakuriver-vps-{vps.TaskId}", "KILL");
        var done = await cluster.WaitFinalAsync(vps.TaskId);
        Assert.Equal(RiverTaskStatus.Killed, done.Status);
        Assert.StartsWith("VPS ended: killed outside KohakuRiver", done.ErrorMessage);
    }

    [Fact]
    public async Task A_task_whose_container_was_created_but_never_started_is_queued_again_after_a_runner_restart()
    {
        docker.RequireDocker();
        await using var cluster = await TestCluster.StartAsync(runners: 0);
        var node = $"t{Guid.NewGuid():N}"[..10];
        var executed = new TaskCompletionSource<TaskDto>(TaskCreationOptions.RunContinuationsAsynchronously);

        // A stand-in runner takes the dispatch and, like a runner killed between create and start, never starts it.
        await using var standIn = await StandInRunnerAsync(cluster.HostSettings.ClusterToken!, executed);
        using (var runnerSide = cluster.ClusterTokenClient())
            await runnerSide.RegisterAsync(new RegisterRequest { Hostname = node, Url = standIn.Url, TotalCores = 2, TotalRamBytes = 8L << 30 });
        var submitted = await cluster.SubmitOneAsync(new SubmitRequest { Command = "echo ran once", Targets = [node] });
        var task = await executed.Task.WaitAsync(TimeSpan.FromSeconds(20));
        var spec = ContainerSpecBuilder.Build(task, cluster.HostSettings, node, null, []);
        var created = await docker.Client.CreateContainerAsync(ContainerLabels.TaskContainerName(task.TaskId), spec);
        Assert.Equal(RiverTaskStatus.Assigning, (await cluster.Client.GetTaskAsync(submitted.TaskId)).Status);

        // The real runner comes up under that name and finds the never-started container.
        await cluster.AddRunnerAsync(node);
        var done = await cluster.WaitFinalAsync(submitted.TaskId);

        AssertTask.Completed(done);
        Assert.Equal("ran once\n", await cluster.Client.GetOutputAsync(done.TaskId, TaskOutputStream.Stdout));
        Assert.Null(await docker.Client.InspectContainerAsync(created));
    }

    private sealed class StandIn(WebApplication app, string url) : IAsyncDisposable
    {
        public string Url { get; } = url;
        public async ValueTask DisposeAsync() => await app.DisposeAsync();
    }

    private static async Task<StandIn> StandInRunnerAsync(string clusterToken, TaskCompletionSource<TaskDto> executed)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        app.MapPost("/api/execute", async (HttpRequest req) =>
        {
            if (req.Headers.Authorization != $"Bearer {clusterToken}") return Results.StatusCode(401);
            var task = await req.ReadFromJsonAsync(RiverJsonContext.Default.TaskDto);
            executed.TrySetResult(task!);
            return Results.Json(new MessageResponse { Message = "accepted" }, RiverJsonContext.Default.MessageResponse, statusCode: 202);
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new StandIn(app, address);
    }
}
