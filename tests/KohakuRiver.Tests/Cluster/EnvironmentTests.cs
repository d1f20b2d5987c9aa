using KohakuRiver.Core.Client;
using KohakuRiver.Core.Environments;
using KohakuRiver.Core.Models;
using KohakuRiver.Core.Wire;
using KohakuRiver.Daemon.Runner.Environments;
using KohakuRiver.Tests.Docker;
using Xunit;

namespace KohakuRiver.Tests.Cluster;

/// <summary>Prepare an environment on the host, publish it as a tarball, and runners run tasks in the newest version.</summary>
public sealed class EnvironmentTests(DockerFixture docker) : IClassFixture<DockerFixture>
{
    private sealed class Env(TestCluster cluster, DockerFixture docker) : IAsyncDisposable
    {
        public string Name { get; } = "t" + Guid.NewGuid().ToString("N")[..10];

        public async Task CreateWithMarkerAsync(string marker)
        {
            await cluster.Client.NewEnvironmentAsync(Name, DockerFixture.BusyboxImage);
            await SetMarkerAsync(marker);
        }

        public async Task SetMarkerAsync(string marker)
        {
            var r = await cluster.Client.InvokeEnvironmentCommandAsync(Name, new EnvironmentExecRequest { Command = $"echo {marker} > /marker && cat /marker" });
            Assert.Equal(0, r.ExitCode);
            Assert.Equal(marker + "\n", r.Stdout);
        }

        public async ValueTask DisposeAsync()
        {
            await docker.Client.RemoveContainerAsync(EnvironmentNames.ContainerName(Name));
            foreach (var img in new[] { EnvironmentNames.ImageName(Name) })
                try { await docker.Client.RemoveImageAsync(img, force: true); } catch (KohakuRiver.Daemon.Engine.EngineException) { }
        }
    }

    private static SubmitRequest Cat(string env) => new() { Command = "cat /marker", ContainerName = env };

    [Fact]
    public async Task A_published_environment_is_loaded_from_its_tarball_and_republishing_replaces_it()
    {
        docker.RequireDocker();
        await using var cluster = await TestCluster.StartAsync();
        await using var env = new Env(cluster, docker);
        await env.CreateWithMarkerAsync("first");
        var v1 = await cluster.Client.PublishEnvironmentAsync(env.Name);
        Assert.True(File.Exists(v1.Tarball));
        Assert.StartsWith(Path.Combine(cluster.HostSettings.SharedDir, "kohakuriver-containers", env.Name + "-"), v1.Tarball);

        // Remove the local image: the task can only get it from the tarball.
        await docker.Client.RemoveImageAsync(EnvironmentNames.ImageName(env.Name), force: true);
        var t1 = await cluster.RunAsync(Cat(env.Name));
        AssertTask.Completed(t1);
        Assert.Equal("first\n", await cluster.Client.GetOutputAsync(t1.TaskId, TaskOutputStream.Stdout));
        var sync = cluster.RunnerService<ImageSync>(cluster.NodeNames[0]);
        Assert.Equal(1, sync.LoadCount);
        var firstImage = (await docker.Client.InspectImageAsync(EnvironmentNames.ImageName(env.Name)))!.Id;

        await env.SetMarkerAsync("second");
        var v2 = await cluster.Client.PublishEnvironmentAsync(env.Name);
        Assert.True(v2.Timestamp > v1.Timestamp);
        Assert.Contains(Path.GetFileName(v1.Tarball), v2.Pruned);
        var published = await cluster.Client.GetPublishedEnvironmentsAsync();
        var versions = published[env.Name].AllVersions;
        Assert.Equal([v2.Timestamp], versions.Select(v => v.Timestamp));
        Assert.Equal(Path.GetFileName(v2.Tarball), published[env.Name].LatestTarball);

        var t2 = await cluster.RunAsync(Cat(env.Name));
        AssertTask.Completed(t2);
        Assert.Equal("second\n", await cluster.Client.GetOutputAsync(t2.TaskId, TaskOutputStream.Stdout));
        // The image the first version ran from is gone once nothing uses it.
        await Eventually.TrueAsync(async () => await docker.Client.InspectImageAsync(firstImage) is null, TimeSpan.FromSeconds(10), "old image removed");
        // The up-to-date image is not loaded again for the next task.
        var before = sync.LoadCount;
        AssertTask.Completed(await cluster.RunAsync(Cat(env.Name)));
        Assert.Equal(before, sync.LoadCount);
    }

    [Fact]
    public async Task Five_tasks_started_together_on_a_stale_environment_cause_a_single_load()
    {
        docker.RequireDocker();
        await using var cluster = await TestCluster.StartAsync(runnerCores: 8);
        await using var env = new Env(cluster, docker);
        await env.CreateWithMarkerAsync("shared");
        await cluster.Client.PublishEnvironmentAsync(env.Name);
        await docker.Client.RemoveImageAsync(EnvironmentNames.ImageName(env.Name), force: true);

        var r = await cluster.Client.SubmitBatchAsync(new BatchSubmitRequest { Tasks = Enumerable.Range(0, 5).Select(_ => Cat(env.Name)).ToList() });
        var done = await cluster.Client.WaitTasksAsync(r.TaskIds.Select(long.Parse).ToList(), any: false, TimeSpan.FromSeconds(60));

        Assert.All(done, AssertTask.Completed);
        Assert.Equal(1, cluster.RunnerService<ImageSync>(cluster.NodeNames[0]).LoadCount);
    }

    [Fact]
    public async Task A_truncated_tarball_fails_the_task_naming_the_file_and_publishing_again_heals_it()
    {
        docker.RequireDocker();
        await using var cluster = await TestCluster.StartAsync();
        await using var env = new Env(cluster, docker);
        await env.CreateWithMarkerAsync("whole");
        var v1 = await cluster.Client.PublishEnvironmentAsync(env.Name);
        await docker.Client.RemoveImageAsync(EnvironmentNames.ImageName(env.Name), force: true);
        await using (var f = new FileStream(v1.Tarball, FileMode.Open)) f.SetLength(f.Length / 2);

        var broken = await cluster.RunAsync(Cat(env.Name));
        Assert.Equal(RiverTaskStatus.Failed, broken.Status);
        Assert.Contains(v1.Tarball, broken.ErrorMessage);

        await cluster.Client.PublishEnvironmentAsync(env.Name);
        var healed = await cluster.RunAsync(Cat(env.Name));
        AssertTask.Completed(healed);
        Assert.Equal("whole\n", await cluster.Client.GetOutputAsync(healed.TaskId, TaskOutputStream.Stdout));
    }

    [Fact]
    public async Task An_unknown_environment_is_refused_at_submit()
    {
        docker.RequireDocker();
        await using var cluster = await TestCluster.StartAsync();
        var e = await Assert.ThrowsAsync<RiverApiException>(() => cluster.Client.SubmitAsync(new SubmitRequest { Command = "true", ContainerName = "no-such-env" }));
        Assert.Equal(RiverErrorKind.InvalidArgument, e.Kind);
        Assert.Contains("no-such-env", e.Detail);
        Assert.Empty(await cluster.Client.ListTasksAsync());
    }

    [Fact]
    public async Task Environment_containers_can_be_listed_stopped_started_and_deleted()
    {
        docker.RequireDocker();
        await using var cluster = await TestCluster.StartAsync();
        await using var env = new Env(cluster, docker);
        await cluster.Client.NewEnvironmentAsync(env.Name, DockerFixture.BusyboxImage);
        var listed = (await cluster.Client.GetEnvironmentContainersAsync()).Single(c => c.Environment == env.Name);
        Assert.Equal("running", listed.Status);
        Assert.Equal(EnvironmentNames.ContainerName(env.Name), listed.ContainerName);

        var dup = await Assert.ThrowsAsync<RiverApiException>(() => cluster.Client.NewEnvironmentAsync(env.Name, DockerFixture.BusyboxImage));
        Assert.Equal(RiverErrorKind.Conflict, dup.Kind);
        var badImage = await Assert.ThrowsAsync<RiverApiException>(() => cluster.Client.NewEnvironmentAsync(env.Name + "x", "no/such:image"));
        Assert.Contains("no/such:image", badImage.Detail);

        await cluster.Client.StopEnvironmentAsync(env.Name);
        Assert.Equal("exited", (await cluster.Client.GetEnvironmentContainersAsync()).Single(c => c.Environment == env.Name).Status);
        var notRunning = await Assert.ThrowsAsync<RiverApiException>(() => cluster.Client.InvokeEnvironmentCommandAsync(env.Name, new EnvironmentExecRequest { Command = "true" }));
        Assert.Equal(RiverErrorKind.Conflict, notRunning.Kind);
        await cluster.Client.StartEnvironmentAsync(env.Name);
        var r = await cluster.Client.InvokeEnvironmentCommandAsync(env.Name, new EnvironmentExecRequest { Arguments = ["sh", "-c", "echo out; echo err >&2; exit 5"] });
        Assert.Equal((5, "out\n", "err\n"), (r.ExitCode, r.Stdout, r.Stderr));

        await cluster.Client.RemoveEnvironmentContainerAsync(env.Name);
        Assert.DoesNotContain(await cluster.Client.GetEnvironmentContainersAsync(), c => c.Environment == env.Name);
        var gone = await Assert.ThrowsAsync<RiverApiException>(() => cluster.Client.StartEnvironmentAsync(env.Name));
        Assert.Equal(RiverErrorKind.NotFound, gone.Kind);
    }

    [Fact]
    public async Task Task_mounts_are_validated_and_a_valid_read_only_mount_works()
    {
        docker.RequireDocker();
        await using var cluster = await TestCluster.StartAsync();
        var dataDir = cluster.HostSettings.DataDir;
        foreach (var bad in new[] { $"{dataDir}:/x", "/:/host", "relative:/x", "/tmp:/shared", "/var/run/docker.sock:/docker.sock" })
        {
            var e = await Assert.ThrowsAsync<RiverApiException>(() => cluster.Client.SubmitAsync(new SubmitRequest { Command = "true", AdditionalMounts = [bad] }));
            Assert.Equal(RiverErrorKind.InvalidArgument, e.Kind);
        }
        Assert.Empty(await cluster.Client.ListTasksAsync());

        // Inside the shared dir, one of the roots mounts may come from by default.
        var folder = Path.Combine(cluster.HostSettings.SharedDir, "datasets", "inputs");
        Directory.CreateDirectory(folder);
        await File.WriteAllTextAsync(Path.Combine(folder, "in.txt"), "input data");
        var t = await cluster.RunAsync(new SubmitRequest { Command = "cat /inputs/in.txt; touch /inputs/new 2>/dev/null || echo read-only", AdditionalMounts = [$"{folder}:/inputs:ro"] });
        AssertTask.Completed(t);
        Assert.Equal("input dataread-only\n", await cluster.Client.GetOutputAsync(t.TaskId, TaskOutputStream.Stdout));
    }
}
