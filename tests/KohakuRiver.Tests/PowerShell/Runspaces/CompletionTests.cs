using System.Management.Automation;
using KohakuRiver.Core.Tasks;
using Xunit;

namespace KohakuRiver.Tests.PowerShell.Runspaces;

/// <summary>Tab completion as PowerShell runs it (CommandCompletion.CompleteInput): task ids, node names and
/// environments come from the connected host.</summary>
[Collection(RunspaceCollection.Name)]
public sealed class CompletionTests(RunspaceHost cluster) : ConnectedRunspaceTest(cluster)
{
    private IReadOnlyList<string> Complete(string input)
    {
        using var ps = Ps.Pipeline();
        var result = CommandCompletion.CompleteInput(input, input.Length, null, ps);
        return result.CompletionMatches.Select(m => m.CompletionText).ToList();
    }

    [Fact]
    public void Task_ids_complete_from_the_hosts_newest_tasks()
    {
        var task = Ps.Run("Submit-RiverTask 'echo completion'").ShouldSucceed().Of<RiverTask>().Single();
        var id = task.TaskId.ToString();
        Assert.Contains(id, Complete("Stop-RiverTask -TaskId "));
        Assert.Contains(id, Complete($"Receive-RiverTaskOutput {id[..^3]}"));
        Assert.All(Complete($"Wait-RiverTask {id[..^3]}"), c => Assert.StartsWith(id[..^3], c));
    }

    [Fact]
    public void Node_names_complete_for_NodeName_and_Target()
    {
        var node = Host.NodeName;
        Assert.Contains(node, Complete("Get-RiverNode -NodeName "));
        Assert.Contains(node, Complete($"Submit-RiverTask 'true' -Target {node[..4]}"));
        Assert.Empty(Complete("Get-RiverNode -NodeName zzz-no-such-node"));
    }

    [Fact]
    public void Environments_complete_from_what_the_host_has_published()
    {
        var folder = Path.Combine(Host.Settings.SharedDir, "kohakuriver-containers");
        Directory.CreateDirectory(folder);
        File.WriteAllBytes(Path.Combine(folder, "completeme-1718000000.tar"), new byte[16]);

        Assert.Contains("completeme", Complete("Submit-RiverTask 'true' -Environment comp"));
        Assert.Contains("completeme", Complete("Get-RiverEnvironment comp"));
    }
}
