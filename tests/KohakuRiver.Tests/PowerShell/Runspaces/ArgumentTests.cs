using KohakuRiver.Core.Models;
using KohakuRiver.Core.Tasks;
using Xunit;

namespace KohakuRiver.Tests.PowerShell.Runspaces;

/// <summary>Arguments as a person types them, through PowerShell's binder and the module's transformations.</summary>
[Collection(RunspaceCollection.Name)]
public sealed class ArgumentTests(RunspaceHost cluster) : ConnectedRunspaceTest(cluster)
{
    [Theory]
    [InlineData("8GB", 8L << 30)]
    [InlineData("'8G'", 8L << 30)]
    [InlineData("'512m'", 512L << 20)]
    [InlineData("1.5GB", 3L << 29)]
    public void Memory_takes_PowerShell_sizes_and_size_strings(string argument, long bytes)
    {
        var task = Ps.Run($"Submit-RiverTask 'true' -Memory {argument}").ShouldSucceed().Of<RiverTask>().Single();
        Assert.Equal(bytes, task.RequiredMemoryBytes);
    }

    [Fact]
    public void A_size_that_is_not_one_is_refused_by_the_binder_naming_the_parameter()
    {
        var run = Ps.Run("Submit-RiverTask 'true' -Memory lots");
        var error = Assert.Single(run.Errors);
        Assert.StartsWith("ParameterArgumentTransformationError,", error.FullyQualifiedErrorId);
        Assert.Contains("Memory", error.ToString());
        Assert.Empty(run.Output);
    }

    [Fact]
    public async Task Status_takes_wire_names_and_enum_names()
    {
        var task = Ps.Run("Submit-RiverTask 'sleep 1'").ShouldSucceed().Of<RiverTask>().Single();
        await Host.RunToEndAsync(task.TaskId, exitCode: 2);

        foreach (var status in new[] { "failed", "Failed", "'failed', 'killed_oom'" })
        {
            var found = Ps.Run($"Get-RiverTask -Status {status} -Newest 50").ShouldSucceed().Of<RiverTask>();
            Assert.Contains(found, t => t.TaskId == task.TaskId);
            Assert.All(found, t => Assert.Contains(t.Status, new[] { RiverTaskStatus.Failed, RiverTaskStatus.KilledOom }));
        }
        Assert.StartsWith("ParameterArgumentTransformationError,", Assert.Single(Ps.Run("Get-RiverTask -Status sleepy").Errors).FullyQualifiedErrorId);
    }

    [Fact]
    public void Task_ids_bind_from_strings_as_CSV_columns_carry_them()
    {
        var task = Ps.Run("Submit-RiverTask 'true'").ShouldSucceed().Of<RiverTask>().Single();
        var csv = $"TaskId,Note\n{task.TaskId},from a file\n";
        var found = Ps.Run("$csv | ConvertFrom-Csv | Get-RiverTask", Vars(("csv", csv))).ShouldSucceed().Of<RiverTask>();
        Assert.Equal(task.TaskId, Assert.Single(found).TaskId);
    }
}
