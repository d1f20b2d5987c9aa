using KohakuRiver.Core.Models;
using KohakuRiver.Core.Wire;
using KohakuRiver.Core.Tasks;
using KohakuRiver.Tests.Docker;
using Xunit;

namespace KohakuRiver.Tests.Cluster;

/// <summary>Batches, targets and the queue, against real runners.</summary>
public sealed class SchedulingTests(DockerFixture docker) : IClassFixture<DockerFixture>
{
    [Fact]
    public async Task Two_targets_make_one_batch_of_two_tasks_one_on_each_node()
    {
        docker.RequireDocker();
        await using var cluster = await TestCluster.StartAsync(runners: 2);
        var nodes = cluster.NodeNames;
        var r = await cluster.Client.SubmitAsync(new SubmitRequest { Command = "echo $KOHAKURIVER_NODE", Targets = [nodes[0], nodes[1]] });

        Assert.Equal(2, r.TaskIds.Count);
        Assert.Equal(r.TaskIds[0], r.BatchId.ToString());
        var tasks = new List<RiverTask>();
        foreach (var id in r.TaskIds) tasks.Add(await cluster.WaitFinalAsync(long.Parse(id)));
        Assert.All(tasks, t => Assert.Equal(r.BatchId, t.BatchId));
        Assert.All(tasks, AssertTask.Completed);
        Assert.Equal(nodes, tasks.Select(t => t.NodeName!));
        Assert.Equal(nodes[1] + "\n", await cluster.Client.GetOutputAsync(tasks[1].TaskId, KohakuRiver.Core.Client.TaskOutputStream.Stdout));

        var listed = await cluster.Client.ListTasksAsync(new TaskQuery { BatchId = r.BatchId });
        Assert.Equal(r.TaskIds.OrderBy(x => x), listed.Select(t => t.TaskId.ToString()).OrderBy(x => x));
    }

    [Fact]
    public async Task More_tasks_than_cores_wait_in_pending_and_all_complete_never_more_than_the_cores_at_once()
    {
        docker.RequireDocker();
        await using var cluster = await TestCluster.StartAsync(runnerCores: 2);
        var specs = Enumerable.Range(0, 6).Select(i => new SubmitRequest { Command = "sleep 0.4", RequiredCores = 1, Name = $"t{i}" }).ToList();
        var r = await cluster.Client.SubmitBatchAsync(new BatchSubmitRequest { Tasks = specs });
        var ids = r.TaskIds.Select(long.Parse).ToList();

        var early = await cluster.Client.ListTasksAsync(new TaskQuery { BatchId = r.BatchId });
        Assert.True(early.Count(t => t.Status == RiverTaskStatus.Pending) >= 4,
            $"expected at least 4 of 6 pending right after submit; statuses: {string.Join(",", early.Select(t => t.Status))}");

        var done = await cluster.Client.WaitTasksAsync(ids, any: false, TimeSpan.FromSeconds(60));
        Assert.All(done, AssertTask.Completed);

        // At no instant did more than two run: count overlaps of the recorded run intervals.
        var events = done.SelectMany(t => new[] { (At: t.StartedAt!.Value, Delta: 1), (At: t.CompletedAt!.Value, Delta: -1) })
            .OrderBy(e => e.At).ThenBy(e => e.Delta);
        int running = 0, max = 0;
        foreach (var e in events) max = Math.Max(max, running += e.Delta);
        Assert.InRange(max, 1, 2);
        // Submission order is kept: the first two submitted start first.
        var firstTwo = done.OrderBy(t => t.StartedAt).Take(2).Select(t => t.TaskId).ToHashSet();
        Assert.Equal(ids.Take(2).ToHashSet(), firstTwo);
    }

    [Fact]
    public async Task Memory_is_reserved_so_a_task_waits_until_memory_frees()
    {
        docker.RequireDocker();
        await using var cluster = await TestCluster.StartAsync(runnerCores: 4, configure: s => s.RunnerMemoryBytes = 512L << 20);
        var big = await cluster.SubmitOneAsync(new SubmitRequest { Command = "sleep 0.5", RequiredMemoryBytes = 400L << 20 });
        var second = await cluster.SubmitOneAsync(new SubmitRequest { Command = "true", RequiredMemoryBytes = 200L << 20 });
        var bigDone = await cluster.WaitFinalAsync(big.TaskId);
        var secondDone = await cluster.WaitFinalAsync(second.TaskId);
        AssertTask.Completed(secondDone);
        Assert.True(secondDone.StartedAt >= bigDone.CompletedAt!.Value.AddMilliseconds(-50),
            $"second started {secondDone.StartedAt:O} before the first finished {bigDone.CompletedAt:O}");
    }
}
