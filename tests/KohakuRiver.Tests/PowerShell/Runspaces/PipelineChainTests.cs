using KohakuRiver.Core.Client;
using KohakuRiver.Core.Models;
using KohakuRiver.Core.Wire;
using KohakuRiver.Core.Tasks;
using Xunit;

namespace KohakuRiver.Tests.PowerShell.Runspaces;

/// <summary>
/// The pipelines the README shows, run by PowerShell's own binder against the real host: each object must reach the
/// next cmdlet through the parameter it is meant for, and the result must be the one the chain promises.
/// </summary>
[Collection(RunspaceCollection.Name)]
public sealed class PipelineChainTests(RunspaceHost cluster) : ConnectedRunspaceTest(cluster)
{
    [Fact]
    public async Task Csv_rows_sweep_into_one_batch_then_wait_filter_and_read_the_failures()
    {
        var tasks = Ps.Run("""
            $rows = 'model,lr', 'tiny,0.1', 'base,0.01' | ConvertFrom-Csv
            $rows | Submit-RiverTask 'python train.py --model {model} --lr {lr} --seed {seed}' -Sweep @{ seed = 1..2 } -Name '{model}-{lr}-{seed}'
            """).ShouldSucceed().Of<RiverTask>();

        Assert.Equal(4, tasks.Count);
        Assert.Single(tasks.Select(t => t.BatchId).Distinct());
        Assert.Equal(["tiny-0.1-1", "tiny-0.1-2", "base-0.01-1", "base-0.01-2"], tasks.Select(t => t.Name));
        Assert.Equal("python train.py --model base --lr 0.01 --seed 2", tasks[3].Command);
        Assert.Equal("0.01", tasks[3].Parameters["lr"]);

        var failing = tasks[1];
        Host.Append(failing.TaskId, TaskOutputStream.Stdout, "epoch 1\nloss=nan\n");
        foreach (var t in tasks) await Host.RunToEndAsync(t.TaskId, t == failing ? 3 : 0);

        var run = Ps.Run("$tasks | Wait-RiverTask | Where-Object ExitCode -ne 0 | Receive-RiverTaskOutput -Tail 1",
            Vars(("tasks", tasks))).ShouldSucceed();
        Assert.Equal(["loss=nan"], run.Objects);

        var groups = Ps.Run("Get-RiverTask -BatchId $tasks[0].BatchId | Group-Object Status | Sort-Object Name | ForEach-Object { \"$($_.Name)=$($_.Count)\" }",
            Vars(("tasks", tasks))).ShouldSucceed();
        Assert.Equal(["Completed=3", "Failed=1"], groups.Objects);
    }

    [Fact]
    public async Task A_node_lists_its_tasks_and_a_task_names_its_node()
    {
        var running = Ps.Run("Submit-RiverTask 'sleep 600'").ShouldSucceed().Of<RiverTask>().Single();
        await Host.Dispatched(running.TaskId);
        await Host.ReportAsync(running.TaskId, RiverTaskStatus.Running);

        var onNode = Ps.Run("Get-RiverNode $node | Get-RiverTask -Status Running", Vars(("node", Host.NodeName))).ShouldSucceed().Of<RiverTask>();
        Assert.Contains(onNode, t => t.TaskId == running.TaskId);
        Assert.All(onNode, t => Assert.Equal(Host.NodeName, t.NodeName));

        var node = Ps.Run("Get-RiverTask $id | Get-RiverNode", Vars(("id", running.TaskId))).ShouldSucceed().Of<RiverNode>().Single();
        Assert.Equal(Host.NodeName, node.NodeName);

        await Host.ReportAsync(running.TaskId, RiverTaskStatus.Completed, 0);
    }

    [Fact]
    public async Task Suspend_and_resume_take_tasks_from_the_pipeline_and_PassThru_writes_them_as_they_are_after()
    {
        var task = Ps.Run("Submit-RiverTask 'sleep 600'").ShouldSucceed().Of<RiverTask>().Single();
        await Host.Dispatched(task.TaskId);
        await Host.ReportAsync(task.TaskId, RiverTaskStatus.Running);

        var paused = Ps.Run("Get-RiverTask $id | Suspend-RiverTask -PassThru", Vars(("id", task.TaskId))).ShouldSucceed().Of<RiverTask>().Single();
        Assert.Equal(task.TaskId, paused.TaskId);
        Assert.Equal(RiverTaskStatus.Paused, paused.Status);

        var quiet = Ps.Run("Get-RiverTask $id | Resume-RiverTask", Vars(("id", task.TaskId))).ShouldSucceed();
        Assert.Empty(quiet.Output);
        Assert.Equal(RiverTaskStatus.Running, (await Host.Client.GetTaskAsync(task.TaskId)).Status);

        await Host.ReportAsync(task.TaskId, RiverTaskStatus.Completed, 0);
    }

    [Fact]
    public async Task WhatIf_says_what_would_be_stopped_and_stops_nothing()
    {
        var tasks = await RunningAsync(2);
        Ps.Host.Clear();

        var run = Ps.Run("$tasks | Stop-RiverTask -WhatIf", Vars(("tasks", tasks))).ShouldSucceed();

        Assert.Empty(run.Output);
        foreach (var t in tasks)
        {
            Assert.Contains(Ps.Host.Lines, l => l.StartsWith("What if:", StringComparison.Ordinal) && l.Contains($"task {t.TaskId}"));
            Assert.Equal(RiverTaskStatus.Running, (await Host.Client.GetTaskAsync(t.TaskId)).Status);
        }
        await FinishAsync(tasks);
    }

    [Fact]
    public async Task Confirm_asks_for_each_task_and_a_No_leaves_it_alone()
    {
        var tasks = await RunningAsync(2);
        Ps.Host.Clear();
        Ps.Host.Answer = "No";

        Ps.Run("$tasks | Stop-RiverTask -Confirm", Vars(("tasks", tasks))).ShouldSucceed();

        Assert.Equal(2, Ps.Host.Prompts.Count);
        foreach (var t in tasks) Assert.Equal(RiverTaskStatus.Running, (await Host.Client.GetTaskAsync(t.TaskId)).Status);
        await FinishAsync(tasks);
    }

    [Fact]
    public async Task Confirm_false_acts_without_asking_and_PassThru_writes_each_task()
    {
        var tasks = await RunningAsync(2);
        Ps.Host.Clear();

        var stopped = Ps.Run("Get-RiverTask -BatchId $batch -Status Pending, Running | Stop-RiverTask -Confirm:$false -PassThru",
            Vars(("batch", tasks[0].BatchId))).ShouldSucceed().Of<RiverTask>();

        Assert.Empty(Ps.Host.Prompts);
        Assert.Equal(tasks.Select(t => t.TaskId).Order(), stopped.Select(t => t.TaskId).Order());
        Assert.All(stopped, t => Assert.Equal(RiverTaskStatus.Killed, t.Status));
    }

    [Fact]
    public void A_published_environment_pipes_into_Submit_as_its_environment()
    {
        PublishFakeEnvironment("pipedenv");
        var task = Ps.Run("Get-RiverEnvironment pipedenv | Submit-RiverTask 'python -V'").ShouldSucceed().Of<RiverTask>().Single();
        Assert.Equal("pipedenv", task.Environment);
    }

    [Fact]
    public void A_task_pipes_into_the_environment_cmdlets_by_its_Environment_not_its_Name()
    {
        PublishFakeEnvironment("taskenv");
        var task = Ps.Run("Submit-RiverTask 'true' -Environment taskenv -Name 'Not A Valid Environment Name'").ShouldSucceed().Of<RiverTask>().Single();
        Ps.Host.Clear();

        Ps.Run("$task | Remove-RiverEnvironment -WhatIf; $task | Publish-RiverEnvironment -WhatIf", Vars(("task", task))).ShouldSucceed();

        var whatIf = Ps.Host.Lines.Where(l => l.StartsWith("What if:", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, whatIf.Count);
        Assert.All(whatIf, l => Assert.Contains("taskenv", l));
    }

    /// <summary>A published version as the host lists them: a tarball in the shared folder (no Docker needed).</summary>
    private void PublishFakeEnvironment(string name)
    {
        var folder = Path.Combine(Host.Settings.SharedDir, "kohakuriver-containers");
        Directory.CreateDirectory(folder);
        File.WriteAllBytes(Path.Combine(folder, $"{name}-1718000000.tar"), new byte[1024]);
    }

    private async Task<List<RiverTask>> RunningAsync(int count)
    {
        var tasks = Ps.Run("Submit-RiverTask 'sleep 600' -Target (@($node) * $count)", Vars(("node", Host.NodeName), ("count", count)))
            .ShouldSucceed().Of<RiverTask>().ToList();
        Assert.Equal(count, tasks.Count);
        foreach (var t in tasks)
        {
            await Host.Dispatched(t.TaskId);
            await Host.ReportAsync(t.TaskId, RiverTaskStatus.Running);
        }
        return tasks;
    }

    private async Task FinishAsync(IEnumerable<RiverTask> tasks)
    {
        foreach (var t in tasks) await Host.ReportAsync(t.TaskId, RiverTaskStatus.Completed, 0);
    }
}
