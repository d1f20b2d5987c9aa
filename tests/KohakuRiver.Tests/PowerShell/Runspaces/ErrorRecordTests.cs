using System.Management.Automation;
using System.Net;
using System.Net.Sockets;
using KohakuRiver.Core.Connection;
using KohakuRiver.Core.Models;
using KohakuRiver.Core.Wire;
using KohakuRiver.Core.Tasks;
using Xunit;

namespace KohakuRiver.Tests.PowerShell.Runspaces;

/// <summary>
/// Each failure reaches the user as an ErrorRecord with a specific ErrorId and ErrorCategory, aimed at the item that
/// failed; an item that fails does not stop the rest of the pipeline, and -ErrorAction Stop ends the script with it.
/// </summary>
[Collection(RunspaceCollection.Name)]
public sealed class ErrorRecordTests(RunspaceHost cluster) : ConnectedRunspaceTest(cluster)
{
    private const long NoSuchTask = 7205759403792793601;

    private static ErrorRecord Single(PsRun run, string errorId, ErrorCategory category)
    {
        var error = Assert.Single(run.Errors);
        Assert.Equal(errorId, error.FullyQualifiedErrorId.Split(',')[0]);
        Assert.StartsWith(errorId + ",KohakuRiver.PowerShell.Commands.", error.FullyQualifiedErrorId);
        Assert.Equal(category, error.CategoryInfo.Category);
        Assert.False(string.IsNullOrWhiteSpace(error.ErrorDetails?.Message ?? error.Exception.Message));
        return error;
    }

    /// <summary>The error a script run got: a command's terminating error ends only that statement in a script, so
    /// it is in the error stream unless the script itself was stopped.</summary>
    private static ErrorRecord Only(PsRun run) => run.Terminated?.ErrorRecord ?? Assert.Single(run.Errors);

    [Fact]
    public void An_unknown_task_is_ObjectNotFound_aimed_at_its_id()
    {
        var run = Ps.Run("Get-RiverTask $id", Vars(("id", NoSuchTask)));
        var error = Single(run, "RiverTaskNotFound", ErrorCategory.ObjectNotFound);
        Assert.Equal(NoSuchTask, error.TargetObject);
        Assert.Null(run.Terminated);
    }

    [Fact]
    public async Task One_bad_task_in_a_pipeline_is_reported_and_the_others_are_still_stopped()
    {
        var tasks = Ps.Run("Submit-RiverTask 'sleep 600' -Target $node, $node", Vars(("node", Host.NodeName))).ShouldSucceed().Of<RiverTask>();
        foreach (var t in tasks) await Host.Dispatched(t.TaskId);

        var run = Ps.Run("$first, $missing, $second | Stop-RiverTask -Confirm:$false -PassThru",
            Vars(("first", tasks[0]), ("missing", NoSuchTask), ("second", tasks[1])));

        Single(run, "RiverTaskNotFound", ErrorCategory.ObjectNotFound);
        Assert.Equal([tasks[0].TaskId, tasks[1].TaskId], run.Of<RiverTask>().Select(t => t.TaskId));
        foreach (var t in tasks) Assert.Equal(RiverTaskStatus.Killed, (await Host.Client.GetTaskAsync(t.TaskId)).Status);
    }

    [Fact]
    public void One_bad_sweep_point_is_reported_and_the_good_points_are_submitted()
    {
        var run = Ps.Run("@{ lr = 0.1 }, @{ seed = 2 }, @{ lr = 0.3 } | Submit-RiverTask 'train --lr {lr}'");

        var error = Single(run, "RiverSweepInvalid", ErrorCategory.InvalidData);
        Assert.Contains("lr", error.ToString());
        Assert.Equal(["train --lr 0.1", "train --lr 0.3"], run.Of<RiverTask>().Select(t => t.Command));
    }

    [Fact]
    public void Under_ErrorAction_Stop_the_first_failure_ends_the_script_with_its_ErrorId()
    {
        var run = Ps.Run("Get-RiverTask $id -ErrorAction Stop; 'not reached'", Vars(("id", NoSuchTask)));
        Assert.NotNull(run.Terminated);
        Assert.StartsWith("RiverTaskNotFound,", run.Terminated!.ErrorRecord.FullyQualifiedErrorId);
        Assert.DoesNotContain("not reached", run.Objects);
    }

    [Fact]
    public void A_bad_target_is_InvalidArgument_and_nothing_is_submitted()
    {
        var before = Newest();
        var run = Ps.Run("Submit-RiverTask 'true' -Target 'node:x:'");
        var record = Only(run);
        Assert.StartsWith("RiverInvalidArgument,", record.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.InvalidArgument, record.CategoryInfo.Category);
        Assert.Empty(run.Output);
        Assert.Equal(before, Newest());
    }

    [Theory]
    [InlineData("Submit-RiverTask 'true' -Gpus 2 -Target 'gpu-a:0::1,2'", "-Gpus 2 and -Target 'gpu-a:0::1,2'")]
    [InlineData("New-RiverVps -NoSsh -Gpus 1 -Target 'gpu-a::0'", "-Gpus 1 and -Target 'gpu-a::0'")]
    public void A_GPU_count_with_GPU_ids_in_the_target_stops_the_command_before_anything_is_sent(string script, string named)
    {
        var before = Newest();
        var run = Ps.Run(script);
        var record = Only(run);
        Assert.StartsWith("RiverInvalidArgument,", record.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.InvalidArgument, record.CategoryInfo.Category);
        Assert.Contains(named, record.ErrorDetails?.Message ?? record.Exception.Message);
        Assert.Contains("which names GPU ids, cannot be given together", record.ErrorDetails?.Message ?? record.Exception.Message);
        Assert.Empty(run.Output);
        Assert.Equal(before, Newest());
    }

    [Fact]
    public void A_GPU_count_reaches_the_host_which_refuses_more_than_its_nodes_have()
    {
        // The test cluster's node reports no GPUs: the host's refusal names the count, so -Gpus was sent as it.
        var before = Newest();
        var run = Ps.Run("Submit-RiverTask 'true' -Gpus 2");
        var record = Only(run);
        Assert.StartsWith("RiverInvalidArgument,", record.FullyQualifiedErrorId);
        Assert.Contains($"{Host.NodeName} has 0 GPU(s), 2 requested", record.ErrorDetails?.Message ?? record.Exception.Message);
        Assert.Equal(before, Newest());
        Assert.StartsWith("ParameterArgumentValidationError,", Only(Ps.Run("Submit-RiverTask 'true' -Gpus 0")).FullyQualifiedErrorId);
    }

    private long? Newest() =>
        Host.Client.ListTasksAsync(new TaskQuery { Limit = 1 }).GetAwaiter().GetResult().FirstOrDefault()?.TaskId;

    [Fact]
    public void A_wrong_token_is_an_AuthenticationError_that_ends_the_command()
    {
        var wrong = new RiverClusterConnection(Host.Uri, "not-the-token", RiverConnectionSource.Session);
        // Three ids, one error: nothing after a refused token could succeed, so the command ends at the first.
        var run = Ps.Run("1, 2, 3 | Get-RiverTask -Cluster $wrong", Vars(("wrong", wrong)));
        var error = Only(run);
        Assert.StartsWith("RiverUnauthorized,", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.AuthenticationError, error.CategoryInfo.Category);
        Assert.DoesNotContain("not-the-token", error.ToString());
    }

    [Fact]
    public void A_host_that_does_not_answer_is_a_ConnectionError()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        var gone = new RiverClusterConnection(new Uri($"http://127.0.0.1:{port}/"), "t", RiverConnectionSource.Session);

        var run = Ps.Run("Get-RiverHealth -Cluster $gone", Vars(("gone", gone)));

        var error = Only(run);
        Assert.StartsWith("RiverConnectionFailed,", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.ConnectionError, error.CategoryInfo.Category);
    }

    [Fact]
    public void With_no_cluster_anywhere_every_cmdlet_says_RiverNotConnected()
    {
        try
        {
            Ps.Run("Disconnect-RiverCluster -Confirm:$false").ShouldSucceed();
            foreach (var command in new[] { "Get-RiverHealth", "Get-RiverTask", "Get-RiverNode", "Submit-RiverTask 'true'", "Get-RiverCluster" })
            {
                var error = Only(Ps.Run(command));
                Assert.StartsWith("RiverNotConnected,", error.FullyQualifiedErrorId);
                Assert.Equal(ErrorCategory.ConnectionError, error.CategoryInfo.Category);
                Assert.Contains("Connect-RiverCluster", error.ErrorDetails.RecommendedAction);
            }
        }
        finally
        {
            Cluster.Connected().Dispose();
        }
    }
}
