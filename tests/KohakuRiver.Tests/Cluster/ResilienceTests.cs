using KohakuRiver.Core.Client;
using KohakuRiver.Core.Models;
using KohakuRiver.Core.Wire;
using KohakuRiver.Daemon.Runner.Execution;
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
        AssertTask.Completed(done);
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
        AssertTask.Completed(again);
        Assert.Equal("echo before", again.Command);
        Assert.Equal(cluster.NodeNames, (await cluster.Client.GetNodesAsync()).Select(n => n.NodeName));
        AssertTask.Completed(await cluster.WaitFinalAsync(running.TaskId));
        Assert.Equal("survived\n", await cluster.Client.GetOutputAsync(running.TaskId, TaskOutputStream.Stdout));
        AssertTask.Completed(await cluster.WaitFinalAsync(queued.TaskId));
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
            AssertTask.Completed(t);
            Assert.True((await docker.Client.InspectContainerAsync(id))!.State!.Running);
        }
        finally
        {
            await docker.Client.RemoveContainerAsync(id);
        }
    }

    [Fact]
    public async Task A_container_of_another_cluster_holding_the_task_name_is_left_alone_and_the_task_fails_naming_it()
    {
        docker.RequireDocker();
        await using var cluster = await TestCluster.StartAsync();
        var node = cluster.NodeNames[0];
        await cluster.StopRunnerAsync(node);
        // Queued while the runner is away, so the name can be taken before the runner creates the container: what
        // happens when two hosts whose runners share an engine issue the same id.
        var t = await cluster.SubmitOneAsync(new SubmitRequest { Command = "echo mine" });
        var name = ContainerLabels.TaskContainerName(t.TaskId);
        using var cts = DockerFixture.Timeout();
        var foreign = await docker.RunBusyboxAsync(name, ["sleep", "60"], cts.Token, spec => spec.Labels = new()
        {
            [ContainerLabels.Managed] = "true",
            [ContainerLabels.Kind] = "task",
            [ContainerLabels.TaskId] = t.TaskId.ToString(System.Globalization.CultureInfo.InvariantCulture),
            [ContainerLabels.Node] = "some-other-cluster-node",
        });
        try
        {
            await cluster.StartRunnerAsync(node);
            var done = await cluster.WaitFinalAsync(t.TaskId);
            Assert.True(done.Status == RiverTaskStatus.Failed, $"{done.Status}: {done.ErrorMessage}");
            Assert.Contains(name, done.ErrorMessage);
            Assert.Contains("some-other-cluster-node", done.ErrorMessage);
            var still = await docker.Client.InspectContainerAsync(foreign);
            Assert.True(still?.State.Running == true, "the other cluster's container was removed or stopped");
            Assert.Equal(foreign, still!.Id);
        }
        finally
        {
            await docker.RemoveQuietlyAsync(foreign);
        }
    }
}
