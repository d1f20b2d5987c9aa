using KohakuRiver.Core.Client;
using KohakuRiver.Core.Models;
using KohakuRiver.Core.Wire;
using KohakuRiver.Daemon.Runner.Execution;
using KohakuRiver.Tests.Docker;
using Xunit;

namespace KohakuRiver.Tests.Cluster;

/// <summary>Kill, pause and resume reach the real container.</summary>
public sealed class TaskControlTests(DockerFixture docker) : IClassFixture<DockerFixture>
{
    private static async Task WaitForStatusAsync(TestCluster c, long id, RiverTaskStatus status) =>
        await Eventually.TrueAsync(async () => (await c.Client.GetTaskAsync(id)).Status == status, TimeSpan.FromSeconds(20), $"task {id} {status}");

    [Fact]
    public async Task Killing_a_running_sleep_marks_it_killed_and_removes_its_container()
    {
        docker.RequireDocker();
        await using var cluster = await TestCluster.StartAsync();
        var t = await cluster.SubmitOneAsync(new SubmitRequest { Command = "sleep 60" });
        await WaitForStatusAsync(cluster, t.TaskId, RiverTaskStatus.Running);
        Assert.NotNull(await docker.Client.InspectContainerAsync(ContainerLabels.TaskContainerName(t.TaskId)));

        await cluster.Client.KillAsync(t.TaskId);

        var done = await cluster.WaitFinalAsync(t.TaskId, TimeSpan.FromSeconds(20));
        Assert.Equal(RiverTaskStatus.Killed, done.Status);
        await Eventually.TrueAsync(async () => await docker.Client.InspectContainerAsync(ContainerLabels.TaskContainerName(t.TaskId)) is null,
            TimeSpan.FromSeconds(15), "container gone");
        // Killing it again is a conflict, not a silent success.
        var e = await Assert.ThrowsAsync<RiverApiException>(() => cluster.Client.KillAsync(t.TaskId));
        Assert.Equal(RiverErrorKind.Conflict, e.Kind);
    }

    [Fact]
    public async Task Pause_freezes_the_container_and_resume_thaws_it()
    {
        docker.RequireDocker();
        await using var cluster = await TestCluster.StartAsync();
        var t = await cluster.SubmitOneAsync(new SubmitRequest { Command = "sleep 60" });
        await WaitForStatusAsync(cluster, t.TaskId, RiverTaskStatus.Running);
        var name = ContainerLabels.TaskContainerName(t.TaskId);

        await cluster.Client.PauseAsync(t.TaskId);
        Assert.Equal(RiverTaskStatus.Paused, (await cluster.Client.GetTaskAsync(t.TaskId)).Status);
        Assert.True((await docker.Client.InspectContainerAsync(name))!.State!.Paused);
        // A paused task still holds its core.
        Assert.Equal(1, (await cluster.Client.GetNodesAsync()).Single().CoresInUse);

        await cluster.Client.ResumeAsync(t.TaskId);
        Assert.Equal(RiverTaskStatus.Running, (await cluster.Client.GetTaskAsync(t.TaskId)).Status);
        Assert.False((await docker.Client.InspectContainerAsync(name))!.State!.Paused);

        var e = await Assert.ThrowsAsync<RiverApiException>(() => cluster.Client.ResumeAsync(t.TaskId));
        Assert.Equal(RiverErrorKind.Conflict, e.Kind);

        // A paused task can be killed too.
        await cluster.Client.PauseAsync(t.TaskId);
        await cluster.Client.KillAsync(t.TaskId);
        Assert.Equal(RiverTaskStatus.Killed, (await cluster.WaitFinalAsync(t.TaskId)).Status);
        await Eventually.TrueAsync(async () => await docker.Client.InspectContainerAsync(name) is null, TimeSpan.FromSeconds(15), "container gone");
    }

    [Fact]
    public async Task Killing_a_queued_task_removes_it_from_the_queue_and_it_never_runs()
    {
        docker.RequireDocker();
        await using var cluster = await TestCluster.StartAsync(runnerCores: 1);
        var blocker = await cluster.SubmitOneAsync(new SubmitRequest { Command = "sleep 60" });
        var queued = await cluster.SubmitOneAsync(new SubmitRequest { Command = "touch /shared/ran" });
        await WaitForStatusAsync(cluster, blocker.TaskId, RiverTaskStatus.Running);
        Assert.Equal(RiverTaskStatus.Pending, (await cluster.Client.GetTaskAsync(queued.TaskId)).Status);

        await cluster.Client.KillAsync(queued.TaskId);
        await cluster.Client.KillAsync(blocker.TaskId);
        Assert.Equal(RiverTaskStatus.Killed, (await cluster.WaitFinalAsync(queued.TaskId)).Status);
        Assert.Equal(RiverTaskStatus.Killed, (await cluster.WaitFinalAsync(blocker.TaskId)).Status);

        // With the core free again, a later task runs, and the killed one still has not.
        var after = await cluster.RunAsync(new SubmitRequest { Command = "true" });
        AssertTask.Completed(after);
        Assert.False(File.Exists(Path.Combine(cluster.HostSettings.SharedDir, "shared_data", "ran")));
        Assert.Null(await docker.Client.InspectContainerAsync(ContainerLabels.TaskContainerName(queued.TaskId)));
    }
}
