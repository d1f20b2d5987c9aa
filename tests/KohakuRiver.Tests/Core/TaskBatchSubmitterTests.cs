using System.Collections;
using System.Net;
using KohakuRiver.Core.Client;
using KohakuRiver.Core.Models;
using KohakuRiver.Core.Sweeps;
using KohakuRiver.Core.Wire;
using Xunit;

namespace KohakuRiver.Tests.Core;

public sealed class TaskBatchSubmitterTests
{
    private static FakeHost AcceptingHost(long batchId = 1000)
    {
        var host = new FakeHost();
        host.On("POST /api/batches", r =>
        {
            var batch = FakeHost.Read(r, RiverJsonContext.Default.BatchSubmitRequest);
            var n = batch.Tasks.Sum(t => Math.Max(1, t.Targets?.Count ?? 0));
            return FakeHost.Json(new SubmitResponse
            {
                Message = $"{n} task(s) accepted",
                BatchId = batchId,
                TaskIds = Enumerable.Range(0, n).Select(i => (batchId + i).ToString()).ToList(),
            }, RiverJsonContext.Default.SubmitResponse, HttpStatusCode.Accepted);
        });
        return host;
    }

    [Fact]
    public async Task A_sweep_of_2500_points_is_one_call_and_comes_back_as_tasks_with_their_parameters()
    {
        var host = AcceptingHost();
        using var client = host.Client();
        var b = new TaskBatchBuilder(new TaskTemplate { Command = "train --lr {lr} --seed {seed}", MemoryBytes = Memory() });
        for (var i = 0; i < 2500; i++) b.AddPoint(SweepPoint.FromDictionary(new Hashtable { ["lr"] = i / 1000.0, ["seed"] = i }));

        var submitted = await TaskBatchSubmitter.SubmitAsync(client, b.Build(), null, TestContext.Current.CancellationToken);

        var call = Assert.Single(host.Requests);
        Assert.Equal("/api/batches", call.Path);
        Assert.Equal(2500, FakeHost.Read(call, RiverJsonContext.Default.BatchSubmitRequest).Tasks.Count);
        Assert.Equal(1000, submitted.BatchId);
        Assert.Equal(2500, submitted.Tasks.Count);
        var last = submitted.Tasks[^1];
        Assert.Equal(3499, last.TaskId);
        Assert.Equal(1000, last.BatchId);
        Assert.Equal("train --lr 2.499 --seed 2499", last.Command);
        Assert.Equal("2499", last.Parameters["seed"]);
        Assert.Equal(RiverTaskStatus.Pending, last.Status);
        Assert.Equal(4L << 30, last.RequiredMemoryBytes);
    }

    private static long? Memory() => 4L << 30;

    [Fact]
    public async Task Several_targets_give_one_task_each_in_the_same_batch()
    {
        var host = AcceptingHost(50);
        using var client = host.Client();
        var b = new TaskBatchBuilder(new TaskTemplate { Command = "nvidia-smi", Targets = ["a", "b:1", "c::0,1"] });
        b.AddWithoutInput();

        var submitted = await TaskBatchSubmitter.SubmitAsync(client, b.Build(), null, TestContext.Current.CancellationToken);

        Assert.Single(host.Requests);
        Assert.Equal([50L, 51L, 52L], submitted.Tasks.Select(t => t.TaskId));
        Assert.All(submitted.Tasks, t => Assert.Equal(50, t.BatchId));
        Assert.Equal(["a", "b", "c"], submitted.Tasks.Select(t => t.TargetHostname));
        Assert.Equal(1, submitted.Tasks[1].TargetNumaNodeId);
        Assert.Equal([0, 1], submitted.Tasks[2].RequiredGpus);
    }

    [Fact]
    public async Task When_the_answer_does_not_line_up_the_tasks_are_read_back_by_batch()
    {
        var host = new FakeHost()
            .On("POST /api/batches", _ => FakeHost.Json(new SubmitResponse { BatchId = 7, TaskIds = ["7"] }, RiverJsonContext.Default.SubmitResponse))
            .On("GET /api/tasks", r => FakeHost.Json(
                r.Query("batch_id") == "7" ? [new TaskDto { TaskId = 8, BatchId = 7 }, new TaskDto { TaskId = 7, BatchId = 7 }] : new List<TaskDto>(),
                RiverJsonContext.Default.ListTaskDto));
        using var client = host.Client();
        var b = new TaskBatchBuilder(new TaskTemplate { Command = "x {_}" });
        b.AddPoint(SweepPoint.FromScalar(1));
        b.AddPoint(SweepPoint.FromScalar(2));

        var submitted = await TaskBatchSubmitter.SubmitAsync(client, b.Build(), null, TestContext.Current.CancellationToken);

        Assert.Equal([7L, 8L], submitted.Tasks.Select(t => t.TaskId));
        Assert.Contains(host.Requests, r => r.Path == "/api/tasks");
    }

    [Fact]
    public async Task An_empty_batch_calls_nothing_and_a_refusal_comes_back_as_the_hosts_error()
    {
        var host = new FakeHost().On("POST /api/batches", _ => FakeHost.Error(HttpStatusCode.BadRequest, "tasks[1]: a task needing 64 core(s) can never run"));
        using var client = host.Client();
        var empty = await TaskBatchSubmitter.SubmitAsync(client, new BatchSubmitRequest(), null, TestContext.Current.CancellationToken);
        Assert.Empty(empty.Tasks);
        Assert.Empty(host.Requests);

        var b = new TaskBatchBuilder(new TaskTemplate { Command = "x" });
        b.AddWithoutInput();
        var e = await Assert.ThrowsAsync<RiverApiException>(() => TaskBatchSubmitter.SubmitAsync(client, b.Build(), null, TestContext.Current.CancellationToken));
        Assert.Equal(RiverErrorKind.InvalidArgument, e.Kind);
        Assert.Contains("can never run", e.Detail);
    }

    [Fact]
    public async Task A_GPU_count_reaches_the_host_on_every_task_and_the_tasks_show_it_without_ids()
    {
        var host = AcceptingHost(60);
        using var client = host.Client();
        var b = new TaskBatchBuilder(new TaskTemplate { Command = "train {seed}", Gpus = 2, Targets = ["gpu-a:1", "gpu-b"] });
        b.AddPoint(SweepPoint.FromDictionary(new Hashtable { ["seed"] = 1 }));
        b.AddWithoutInput();

        var submitted = await TaskBatchSubmitter.SubmitAsync(client, b.Build(), null, TestContext.Current.CancellationToken);

        var sent = FakeHost.Read(Assert.Single(host.Requests), RiverJsonContext.Default.BatchSubmitRequest);
        Assert.Equal([2, 2], sent.Tasks.Select(t => t.RequiredGpuCount));
        Assert.All(sent.Tasks, t => Assert.Null(t.RequiredGpus));
        Assert.Equal(4, submitted.Tasks.Count);
        Assert.All(submitted.Tasks, t => Assert.Equal((2, (IReadOnlyList<int>?)null), (t.RequiredGpuCount!.Value, t.RequiredGpus)));

        var none = new TaskBatchBuilder(new TaskTemplate { Command = "x" });
        none.AddWithoutInput();
        Assert.Null(Assert.Single(none.Build().Tasks).RequiredGpuCount);
    }

    [Theory]
    [InlineData(0, null, "-Gpus must be from 1 to 64, got 0")]
    [InlineData(65, null, "-Gpus must be from 1 to 64, got 65")]
    [InlineData(2, "gpu-a::0,1", "-Gpus 2 and -Target 'gpu-a::0,1', which names GPU ids, cannot be given together")]
    [InlineData(1, "gpu-a:1::3", "-Gpus 1 and -Target 'gpu-a:1::3', which names GPU ids, cannot be given together")]
    public void A_bad_GPU_count_is_refused_before_any_point_is_built(int gpus, string? target, string message)
    {
        var e = Assert.Throws<ArgumentException>(() =>
            new TaskBatchBuilder(new TaskTemplate { Command = "x", Gpus = gpus, Targets = target is null ? [] : ["gpu-b", target] }));
        Assert.StartsWith(message, e.Message);
        Assert.Equal("Gpus", e.ParamName);
    }

    [Fact]
    public void A_GPU_count_with_a_target_placeholder_that_names_GPU_ids_refuses_that_point_only()
    {
        var b = new TaskBatchBuilder(new TaskTemplate { Command = "x", Gpus = 1, Targets = ["{node}"] });
        var e = Assert.Throws<SweepException>(() => b.AddPoint(SweepPoint.FromDictionary(new Hashtable { ["node"] = "gpu-a::0" })));
        Assert.Contains("-Gpus 1 and -Target 'gpu-a::0', which names GPU ids, cannot be given together", e.Message);
        Assert.Equal(1, b.AddPoint(SweepPoint.FromDictionary(new Hashtable { ["node"] = "gpu-a:0" })));
        Assert.Equal(1, Assert.Single(b.Build().Tasks).RequiredGpuCount);
    }
}
