using System.Collections;
using System.Collections.Specialized;
using System.Net;
using KohakuRiver.Core.Client;
using KohakuRiver.Core.Errors;
using KohakuRiver.Core.Listing;
using KohakuRiver.Core.Models;
using KohakuRiver.Core.Output;
using KohakuRiver.Core.Sweeps;
using KohakuRiver.Core.Waiting;
using KohakuRiver.Core.Tasks;
using Xunit;

namespace KohakuRiver.Tests.Core;

/// <summary>The paths the cmdlets take, end to end against the product's real host (see <see cref="RealHost"/>).</summary>
public sealed class AgainstRealHostTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_sweep_is_accepted_as_one_batch_and_each_task_comes_back_with_its_parameters()
    {
        await using var host = await RealHost.StartAsync();
        var grid = SweepGrid.FromDictionary(new OrderedDictionary { ["seed"] = new object[] { 1, 2, 3 } });
        var b = new TaskBatchBuilder(new TaskTemplate { Command = "train --model {model} --lr {lr} --seed {seed}", Name = "{model}-{seed}" }, grid);
        b.AddPoint(SweepPoint.FromDictionary(new Hashtable { ["model"] = "small", ["lr"] = 0.1 }));
        b.AddPoint(SweepPoint.FromDictionary(new Hashtable { ["model"] = "large", ["lr"] = 0.01 }));

        var submitted = await TaskBatchSubmitter.SubmitAsync(host.Client, b.Build(), null, Ct);

        Assert.Equal(6, submitted.Tasks.Count);
        var listed = new List<RiverTask>();
        await foreach (var found in TaskListing.QueryAsync(host.Client, new TaskFilter { BatchId = submitted.BatchId }, Ct)) listed.Add(found.Task!);
        Assert.Equal(submitted.Tasks.Select(t => t.TaskId).Order(), listed.Select(t => t.TaskId).Order());
        foreach (var local in submitted.Tasks)
        {
            var remote = await host.Client.GetTaskAsync(local.TaskId, Ct);
            Assert.Equal(local.Command, remote.Command);
            Assert.Equal(local.Name, remote.Name);
            Assert.Equal(submitted.BatchId, remote.BatchId);
            Assert.Equal(local.Parameters.OrderBy(kv => kv.Key), remote.Parameters.OrderBy(kv => kv.Key));
        }
        Assert.Equal("train --model large --lr 0.01 --seed 3", submitted.Tasks[5].Command);
        Assert.Equal("large-3", submitted.Tasks[5].Name);
    }

    [Fact]
    public async Task Waiting_is_silent_on_timeout_reports_unknown_ids_and_returns_all_once_they_end()
    {
        await using var host = await RealHost.StartAsync();
        var b = new TaskBatchBuilder(new TaskTemplate { Command = "run {_}" });
        foreach (var i in new[] { 1, 2, 3 }) b.AddPoint(SweepPoint.FromScalar(i));
        var tasks = (await TaskBatchSubmitter.SubmitAsync(host.Client, b.Build(), null, Ct)).Tasks;
        await host.RunToEndAsync(tasks[0].TaskId);
        await host.RunToEndAsync(tasks[1].TaskId, exitCode: 4);
        const long unknown = 4242;
        var missing = new List<(long, string)>();
        var progress = new List<string>();
        var options = new TaskWaitOptions { Timeout = TimeSpan.FromSeconds(1), MinPollInterval = TimeSpan.FromMilliseconds(50) };

        var timedOut = await new TaskWaiter(host.Client, options).WaitAsync([unknown, .. tasks.Select(t => t.TaskId)],
            p => { progress.Add(p.ToString()); return ValueTask.CompletedTask; },
            (id, e) => { missing.Add((id, RiverErrorMapper.Describe(e).ErrorId)); return ValueTask.CompletedTask; }, Ct);

        Assert.False(timedOut.Satisfied);
        Assert.Empty(timedOut.Output);
        Assert.Equal([(unknown, "RiverTaskNotFound")], missing);
        Assert.Equal([tasks[2].TaskId], timedOut.Unfinished);
        Assert.Equal(["2 of 3 finished"], progress);

        var all = new TaskWaiter(host.Client, new TaskWaitOptions { Timeout = TimeSpan.FromSeconds(30) })
            .WaitAsync(tasks.Select(t => t.TaskId), ct: Ct);
        await host.RunToEndAsync(tasks[2].TaskId);
        var done = await all;
        Assert.True(done.Satisfied);
        Assert.Equal(tasks.Select(t => t.TaskId), done.Output.Select(t => t.TaskId));
        Assert.Equal([0, 4, 0], done.Output.Select(t => t.ExitCode));
        Assert.Equal(RiverTaskStatus.Failed, done.Output[1].Status);
    }

    [Fact]
    public async Task Following_output_delivers_each_line_once_and_ends_when_the_task_does()
    {
        await using var host = await RealHost.StartAsync();
        var b = new TaskBatchBuilder(new TaskTemplate { Command = "long job" });
        b.AddWithoutInput();
        var id = (await TaskBatchSubmitter.SubmitAsync(host.Client, b.Build(), null, Ct)).Tasks.Single().TaskId;
        await host.Dispatched(id);
        await host.ReportAsync(id, RiverTaskStatus.Running);
        host.Append(id, TaskOutputStream.Stdout, "epoch 1\nepoch 2\n");
        host.Append(id, TaskOutputStream.Stderr, "warming up\n");

        var options = new OutputFollowOptions { Tail = 1, Follow = true, PollInterval = TimeSpan.FromMilliseconds(100) };
        await using var lines = OutputFollower.ReadAsync(host.Client, id, options, Ct).GetAsyncEnumerator(Ct);
        Assert.True(await lines.MoveNextAsync());
        Assert.Equal(("epoch 2", TaskOutputStream.Stdout), (lines.Current.Text, lines.Current.Stream));
        Assert.True(await lines.MoveNextAsync());
        Assert.Equal(("warming up", TaskOutputStream.Stderr), (lines.Current.Text, lines.Current.Stream));

        host.Append(id, TaskOutputStream.Stdout, "epoch 3\ndone, no newline");
        await host.ReportAsync(id, RiverTaskStatus.Completed, 0);
        var rest = new List<string>();
        while (await lines.MoveNextAsync()) rest.Add(lines.Current.Text);
        Assert.Equal(["epoch 3", "done, no newline"], rest);
    }

    [Fact]
    public async Task Control_and_lookup_failures_map_to_the_errors_the_cmdlets_write()
    {
        await using var host = await RealHost.StartAsync();
        var b = new TaskBatchBuilder(new TaskTemplate { Command = "sleep 1000" });
        b.AddWithoutInput();
        var id = (await TaskBatchSubmitter.SubmitAsync(host.Client, b.Build(), null, Ct)).Tasks.Single().TaskId;
        await host.Dispatched(id);

        var pausePending = await Assert.ThrowsAsync<RiverApiException>(() => host.Client.PauseAsync(id, Ct));
        Assert.Equal(("RiverTaskStateConflict", RiverErrorCategory.InvalidOperation), Describe(pausePending));

        await host.ReportAsync(id, RiverTaskStatus.Running);
        await host.Client.PauseAsync(id, Ct);
        Assert.Equal(RiverTaskStatus.Paused, (await host.Client.GetTaskAsync(id, Ct)).Status);
        await host.Client.ResumeAsync(id, Ct);
        await host.Client.KillAsync(id, Ct);
        Assert.Equal(RiverTaskStatus.Killed, (await host.Client.GetTaskAsync(id, Ct)).Status);

        var killAgain = await Assert.ThrowsAsync<RiverApiException>(() => host.Client.KillAsync(id, Ct));
        Assert.Equal(("RiverTaskStateConflict", RiverErrorCategory.InvalidOperation), Describe(killAgain));
        var unknown = await Assert.ThrowsAsync<RiverApiException>(() => host.Client.GetTaskAsync(77, Ct));
        Assert.Equal(("RiverTaskNotFound", RiverErrorCategory.ObjectNotFound), Describe(unknown));
        using var wrongToken = new RiverClient(host.Uri, "not-the-token");
        var denied = await Assert.ThrowsAsync<RiverApiException>(() => wrongToken.GetHealthAsync(Ct));
        Assert.Equal(("RiverUnauthorized", RiverErrorCategory.AuthenticationError), Describe(denied));
        var impossible = new TaskBatchBuilder(new TaskTemplate { Command = "x", Cores = 1000 });
        impossible.AddWithoutInput();
        var refused = await Assert.ThrowsAsync<RiverApiException>(() => TaskBatchSubmitter.SubmitAsync(host.Client, impossible.Build(), null, Ct));
        Assert.Equal(("RiverInvalidArgument", RiverErrorCategory.InvalidArgument), Describe(refused));
        using var nobody = new RiverClient(new Uri("http://127.0.0.1:1/"), "t");
        var unreachable = await Assert.ThrowsAsync<RiverApiException>(() => nobody.GetHealthAsync(Ct));
        Assert.Equal(("RiverConnectionFailed", RiverErrorCategory.ConnectionError), Describe(unreachable));
        Assert.Equal(HttpStatusCode.Conflict, killAgain.StatusCode);
    }

    private static (string, RiverErrorCategory) Describe(Exception e)
    {
        var info = RiverErrorMapper.Describe(e);
        return (info.ErrorId, info.Category);
    }
}
