using System.Diagnostics;
using System.Management.Automation;
using KohakuRiver.Core.Client;
using KohakuRiver.Core.Models;
using KohakuRiver.Core.Tasks;
using Xunit;

namespace KohakuRiver.Tests.PowerShell.Runspaces;

/// <summary>Ctrl+C (PowerShell.Stop) ends the commands that wait on the host within a second.</summary>
[Collection(RunspaceCollection.Name)]
public sealed class StopTests(RunspaceHost cluster) : ConnectedRunspaceTest(cluster)
{
    [Fact]
    public async Task Stop_ends_Wait_RiverTask_within_a_second()
    {
        var task = await RunningTaskAsync();
        // Its progress bar appearing means the wait has begun (it is written before the first call to the host).
        var elapsed = await StopOnceStartedAsync($"Wait-RiverTask {task.TaskId}", p => p.Streams.Progress.Count > 0);
        Assert.True(elapsed < TimeSpan.FromSeconds(1), $"Wait-RiverTask took {elapsed.TotalMilliseconds:F0} ms to stop");
        await Host.ReportAsync(task.TaskId, RiverTaskStatus.Completed, 0);
    }

    [Fact]
    public async Task Stop_ends_Receive_RiverTaskOutput_Wait_within_a_second()
    {
        var task = await RunningTaskAsync();
        Host.Append(task.TaskId, TaskOutputStream.Stdout, "first line\n");
        // The first line arriving means it is following the task.
        var output = new PSDataCollection<PSObject>();
        var elapsed = await StopOnceStartedAsync($"Receive-RiverTaskOutput {task.TaskId} -Wait", _ => output.Count > 0, output);
        Assert.Equal("first line", output[0].BaseObject);
        Assert.True(elapsed < TimeSpan.FromSeconds(1), $"Receive-RiverTaskOutput -Wait took {elapsed.TotalMilliseconds:F0} ms to stop");
        await Host.ReportAsync(task.TaskId, RiverTaskStatus.Completed, 0);
    }

    private async Task<RiverTask> RunningTaskAsync()
    {
        var task = Ps.Run("Submit-RiverTask 'sleep 600'").ShouldSucceed().Of<RiverTask>().Single();
        await Host.Dispatched(task.TaskId);
        await Host.ReportAsync(task.TaskId, RiverTaskStatus.Running);
        return task;
    }

    /// <summary>Starts the script, waits (bounded) until <paramref name="started"/> holds, then stops it and
    /// returns how long Stop took to end the pipeline.</summary>
    private async Task<TimeSpan> StopOnceStartedAsync(string script, Func<System.Management.Automation.PowerShell, bool> started,
        PSDataCollection<PSObject>? output = null)
    {
        using var ps = Ps.Pipeline();
        ps.AddScript(script);
        output ??= new PSDataCollection<PSObject>();
        var changed = new SemaphoreSlim(0);
        output.DataAdded += (_, _) => changed.Release();
        ps.Streams.Progress.DataAdded += (_, _) => changed.Release();
        var running = ps.BeginInvoke<PSObject, PSObject>(null, output);

        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!started(ps))
        {
            Assert.False(running.IsCompleted, $"'{script}' ended before it was stopped");
            Assert.True(DateTime.UtcNow < deadline, $"'{script}' did not start within 30 s");
            await changed.WaitAsync(TimeSpan.FromMilliseconds(200));
        }

        var clock = Stopwatch.StartNew();
        await Task.Factory.FromAsync(ps.BeginStop(null, null), ps.EndStop).WaitAsync(TimeSpan.FromSeconds(30));
        var elapsed = clock.Elapsed;
        Assert.Equal(PSInvocationState.Stopped, ps.InvocationStateInfo.State);
        return elapsed;
    }
}
