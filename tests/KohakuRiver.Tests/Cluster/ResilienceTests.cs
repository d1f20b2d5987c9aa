using KohakuRiver.Core.Client;
using KohakuRiver.Core.Models;
using KohakuRiver.Core.Wire;
using KohakuRiver.Tests.Docker;
using Xunit;

namespace KohakuRiver.Tests.Cluster;

/// <summary>Runners that vanish, and restarts of the host and of runners.</summary>
public sealed class ResilienceTests(DockerFixture docker) : IClassFixture<DockerFixture>
{
    [Fact]
    public async Task A_runner_that_stops_heartbeating_goes_offline_and_its_tasks_are_lost()
    {
        docker.RequireDocker();
        await using var cluster = await TestCluster.StartAsync(configure: s =>
        {
            s.HeartbeatIntervalSeconds = 0.25;
            s.HeartbeatTimeoutFactor = 8;
        });
        var node = cluster.NodeNames[0];
        var t = await cluster.SubmitOneAsync(new SubmitRequest { Command = "sleep 60" });
        await Eventually.TrueAsync(async () => (await cluster.Client.GetTaskAsync(t.TaskId)).Status == RiverTaskStatus.Running, TimeSpan.FromSeconds(20), "running");

        await cluster.StopRunnerAsync(node);

        var lost = await cluster.WaitFinalAsync(t.TaskId, TimeSpan.FromSeconds(20));
        Assert.Equal(RiverTaskStatus.Lost, lost.Status);
        Assert.Contains(node, lost.ErrorMessage);
        var n = (await cluster.Client.GetNodesAsync()).Single();
        Assert.Equal(NodeStatus.Offline, n.Status);
        Assert.Equal(0, n.CoresInUse);

        // When the runner comes back, the host tells it to stop the container of the task it declared lost.
        await cluster.StartRunnerAsync(node);
        await cluster.WaitForNodesOnlineAsync(1);
        await Eventually.TrueAsync(async () => (await cluster.ContainersAsync(docker.Client)).Count == 0, TimeSpan.FromSeconds(20), "lost task's container stopped and removed");
    }

    [Fact]
    public async Task A_task_sent_to_a_runner_that_is_down_waits_for_it_instead_of_failing()
    {
        docker.RequireDocker();
        await using var cluster = await TestCluster.StartAsync();
        var node = cluster.NodeNames[0];
        await cluster.StopRunnerAsync(node);

        // The host still counts the node online (its heartbeat timeout has not passed), so it tries to dispatch,
        // and the connection is refused.
        var t = await cluster.SubmitOneAsync(new SubmitRequest { Command = "echo waited" });
        await Eventually.TrueAsync(async () =>
        {
            var now = await cluster.Client.GetTaskAsync(t.TaskId);
            Assert.False(now.Status.IsFinal(), $"the task ended as {now.Status}: {now.ErrorMessage}");
            return now.Status == RiverTaskStatus.Pending && now.NodeName is null;
        }, TimeSpan.FromSeconds(10), "queued again after the refused dispatch");

        await cluster.StartRunnerAsync(node);
        var done = await cluster.WaitFinalAsync(t.TaskId);
        Assert.True(done.Status == RiverTaskStatus.Completed, $"{done.Status}: {done.ErrorMessage}");
        Assert.Equal("waited\n", await cluster.Client.GetOutputAsync(t.TaskId, TaskOutputStream.Stdout));
    }

    [Fact]
    public async Task A_host_restart_keeps_tasks_nodes_and_the_queue()
    {
        docker.RequireDocker();
        await using var cluster = await TestCluster.StartAsync(runnerCores: 1);
        var finished = await cluster.RunAsync(new SubmitRequest { Command = "echo before" });
        var running = await cluster.SubmitOneAsync(new SubmitRequest { Command = "sleep 1.5; echo survived" });
        var queued = await cluster.SubmitOneAsync(new SubmitRequest { Command = "echo queued" });
        await Eventually.TrueAsync(async () => (await cluster.Client.GetTaskAsync(running.TaskId)).Status == RiverTaskStatus.Running, TimeSpan.FromSeconds(20), "running");

        await cluster.RestartHostAsync();

        var again = await cluster.Client.GetTaskAsync(finished.TaskId);
        Assert.Equal(RiverTaskStatus.Completed, again.Status);
        Assert.Equal("echo before", again.Command);
        Assert.Equal(cluster.NodeNames, (await cluster.Client.GetNodesAsync()).Select(n => n.NodeName));
        Assert.Equal(RiverTaskStatus.Completed, (await cluster.WaitFinalAsync(running.TaskId)).Status);
        Assert.Equal("survived\n", await cluster.Client.GetOutputAsync(running.TaskId, TaskOutputStream.Stdout));
        Assert.Equal(RiverTaskStatus.Completed, (await cluster.WaitFinalAsync(queued.TaskId)).Status);
    }

    [Fact]
    public async Task A_runner_restart_while_a_task_runs_still_delivers_its_real_outcome()
    {
        docker.RequireDocker();
        await using var cluster = await TestCluster.StartAsync();
        var node = cluster.NodeNames[0];
        var t = await cluster.SubmitOneAsync(new SubmitRequest { Command = "echo start; sleep 1.5; echo end; exit 7" });
        await Eventually.TrueAsync(async () => (await cluster.Client.GetTaskAsync(t.TaskId)).Status == RiverTaskStatus.Running, TimeSpan.FromSeconds(20), "running");

        await cluster.StopRunnerAsync(node);
        await cluster.StartRunnerAsync(node);

        var done = await cluster.WaitFinalAsync(t.TaskId);
        Assert.Equal(RiverTaskStatus.Failed, done.Status);
        Assert.Equal(7, done.ExitCode);
        Assert.Equal("start\nend\n", await cluster.Client.GetOutputAsync(t.TaskId, TaskOutputStream.Stdout));
    }

    [Fact]
    public async Task A_restarted_runner_leaves_containers_it_does_not_own_alone()
    {
        docker.RequireDocker();
        var foreign = DockerFixture.UniqueName();
        using var cts = DockerFixture.Timeout();
        var id = await docker.RunBusyboxAsync(foreign, ["sleep", "30"], cts.Token);
        try
        {
            await using var cluster = await TestCluster.StartAsync();
            var node = cluster.NodeNames[0];
            await cluster.StopRunnerAsync(node);
            await cluster.StartRunnerAsync(node);
            await cluster.WaitForNodesOnlineAsync(1);
            // Submitted before the restarted runner has registered its new address: the failed dispatch to the old
            // one must leave the task queued for the runner's return, not fail it.
            var t = await cluster.RunAsync(new SubmitRequest { Command = "true" });
            Assert.True(t.Status == RiverTaskStatus.Completed, $"{t.Status}: {t.ErrorMessage}");
            Assert.True((await docker.Client.InspectContainerAsync(id))!.State!.Running);
        }
        finally
        {
            await docker.Client.RemoveContainerAsync(id, force: true);
        }
    }
}
