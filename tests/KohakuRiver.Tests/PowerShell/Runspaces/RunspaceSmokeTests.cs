using KohakuRiver.Core.Client;
using KohakuRiver.Core.Tasks;
using Xunit;

namespace KohakuRiver.Tests.PowerShell.Runspaces;

/// <summary>The module imports into a real runspace and its cmdlets run against the real host.</summary>
[Collection(RunspaceCollection.Name)]
public sealed class RunspaceSmokeTests(RunspaceHost cluster)
{
    [Fact]
    public void The_module_exports_its_cmdlets_and_they_reach_the_host()
    {
        using var ps = cluster.Connected();
        var run = ps.Run("(Get-Command -Module KohakuRiver).Count; Get-RiverHealth").ShouldSucceed();
        Assert.Equal(CmdletSurfaceTests.Expected.Length, Convert.ToInt32(run.Objects[0]));
        Assert.Equal(1, Convert.ToInt32(run.Output[1].Properties["OnlineNodes"].Value));
    }

    [Fact]
    public async Task A_submitted_task_flows_through_wait_and_receive()
    {
        using var ps = cluster.Connected();
        var submitted = ps.Run("Submit-RiverTask 'echo hi'").ShouldSucceed().Of<RiverTask>().Single();
        cluster.Host.Append(submitted.TaskId, TaskOutputStream.Stdout, "hi\n");
        await cluster.Host.RunToEndAsync(submitted.TaskId);
        var run = ps.Run("$t | Wait-RiverTask | Receive-RiverTaskOutput", new Dictionary<string, object?> { ["t"] = submitted }).ShouldSucceed();
        Assert.Equal(["hi"], run.Objects);
    }
}
