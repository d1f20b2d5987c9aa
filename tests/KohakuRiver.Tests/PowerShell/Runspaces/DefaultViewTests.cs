using KohakuRiver.Core.Environments;
using KohakuRiver.Core.Tasks;
using Xunit;

namespace KohakuRiver.Tests.PowerShell.Runspaces;

/// <summary>What a person sees at the prompt: the module's default views, rendered by PowerShell's formatter.</summary>
[Collection(RunspaceCollection.Name)]
public sealed class DefaultViewTests(RunspaceHost cluster) : ConnectedRunspaceTest(cluster)
{
    [Fact]
    public void Tasks_show_as_a_table_of_id_status_node_exit_code_name_parameters_and_command()
    {
        Ps.Run("Submit-RiverTask 'echo {x}' -Sweep @{ x = 1, 2 }").ShouldSucceed();
        Assert.Equal(["TaskId", "Status", "NodeName", "ExitCode", "Name", "Parameters", "Command"], Ps.TableHeader("Get-RiverTask -Newest 2"));
        var text = (string)Ps.Run("Get-RiverTask -Newest 2 | Out-String -Width 250").Objects.Single();
        Assert.Contains("echo 2", text);
        Assert.Contains("x=2", text.Replace(" ", ""));
    }

    [Fact]
    public void Host_paths_stay_out_of_every_listing_and_are_there_when_asked_for_by_name()
    {
        var task = Ps.Run("Submit-RiverTask 'echo hi'").ShouldSucceed().Of<RiverTask>().Single();
        var everything = (string)Ps.Run("Get-RiverTask $id | Format-List * | Out-String -Width 250", Vars(("id", task.TaskId))).ShouldSucceed().Objects.Single();
        Assert.Contains("Kind", everything);
        Assert.Contains("Command", everything);
        foreach (var inner in new[] { "StdoutPath", "StderrPath", "DockerImageName", "SshPublicKey", $"{task.TaskId}.out" })
            Assert.DoesNotContain(inner, everything.Replace("StdoutPath, StderrPath, EngineImageName, SshPublicKey: ask by name", ""));
        var csv = string.Join("\n", Ps.Run("Get-RiverTask $id | ConvertTo-Csv", Vars(("id", task.TaskId))).ShouldSucceed().Objects);
        Assert.DoesNotContain($"{task.TaskId}.out", csv);

        var path = (string)Ps.Run("(Get-RiverTask $id).Internals.StdoutPath", Vars(("id", task.TaskId))).ShouldSucceed().Objects.Single();
        Assert.EndsWith($"{task.TaskId}.out", path);
    }

    [Fact]
    public void Nodes_health_and_the_connection_have_their_own_columns()
    {
        Assert.Equal(["NodeName", "Status", "TotalCores", "AvailableCores", "TotalMemoryBytes", "AvailableMemoryBytes", "GpuUsage", "CurrentMaxTemp", "RunningTaskCount", "LastHeartbeat"],
            Ps.TableHeader("Get-RiverNode"));
        Assert.Equal(["OnlineNodes", "TotalNodes", "CoresInUse", "TotalCores", "GpuUsage", "AvgGpuUtilization", "MaxCpuTemp", "MaxGpuTemp", "PendingTasks", "RunningTasks", "LastUpdated"],
            Ps.TableHeader("Get-RiverHealth"));
        Assert.Equal(["Uri", "Source", "TokenHint", "ConfigPath"], Ps.TableHeader("Get-RiverCluster"));
        var connection = (string)Ps.Run("Get-RiverCluster | Out-String").Objects.Single();
        Assert.DoesNotContain(Host.Token, connection);
    }

    [Fact]
    public void Environments_show_their_name_status_and_versions()
    {
        var environment = new RiverEnvironment { Environment = "py312", Versions = 2, LatestTimestamp = DateTimeOffset.FromUnixTimeSeconds(1718000000) };
        var header = Ps.TableHeader("$e", Vars(("e", environment)));
        Assert.Equal("Environment", header[0]);
        Assert.Contains("Versions", header);
        Assert.Contains("LatestTimestamp", header);
    }
}
