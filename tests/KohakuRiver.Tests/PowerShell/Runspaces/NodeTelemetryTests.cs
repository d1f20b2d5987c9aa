using System.Management.Automation;
using KohakuRiver.Core.Nodes;
using KohakuRiver.Core.Tasks;
using KohakuRiver.Core.Wire;
using KohakuRiver.Tests.Core;
using Xunit;

namespace KohakuRiver.Tests.PowerShell.Runspaces;

/// <summary>
/// A node's GPUs as typed objects, its heartbeat history, GPU ids in -Target's completion and the views of both,
/// through the cmdlets in a real runspace. Each test has a host of its own, whose extra node registered (fake) GPUs
/// as a runner with NVML would, so the collection's shared host keeps its one node; the runspace connects to it,
/// and the collection's host is the session default again afterwards.
/// </summary>
[Collection(RunspaceCollection.Name)]
public sealed class NodeTelemetryTests(RunspaceHost cluster) : IAsyncLifetime
{
    private RealHost Host { get; set; } = null!;

    private ModuleRunspace Ps { get; set; } = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        Host = await RealHost.StartAsync();
        Ps = new ModuleRunspace();
        Ps.Run("Connect-RiverCluster -Uri $uri -Token (ConvertTo-SecureString $token -AsPlainText -Force) | Out-Null",
            Vars(("uri", Host.Uri.ToString()), ("token", Host.Token))).ShouldSucceed();
    }

    public async ValueTask DisposeAsync()
    {
        Ps.Dispose();
        cluster.Connected().Dispose();
        await Host.DisposeAsync();
    }

    private static Dictionary<string, object?> Vars(params (string Name, object? Value)[] values) => values.ToDictionary(v => v.Name, v => v.Value);

    private IReadOnlyList<string> Complete(string input) => Matches(input).Select(m => m.CompletionText).ToList();

    private IReadOnlyList<CompletionResult> Matches(string input)
    {
        using var ps = Ps.Pipeline();
        return CommandCompletion.CompleteInput(input, input.Length, null, ps).CompletionMatches;
    }

    [Fact]
    public async Task A_nodes_gpus_expand_into_objects_that_Where_Object_filters_by_free_memory()
    {
        var node = await GpuNode.RegisterAsync(Host, GpuNode.Gpu(0, freeMib: 24000), GpuNode.Gpu(1, freeMib: 1000), GpuNode.Gpu(2, freeMib: 22000));

        var roomy = Ps.Run("Get-RiverNode $node | Select-Object -ExpandProperty Gpus | Where-Object MemoryFreeMiB -gt 20000", Vars(("node", node)))
            .ShouldSucceed().Of<RiverGpu>();

        Assert.Equal([0, 2], roomy.Select(g => g.GpuId));
        var gpu = roomy[0];
        Assert.Equal(node, gpu.NodeName);
        Assert.Equal("Fake GPU 24GB", gpu.Name);
        Assert.Equal(125.5, gpu.PowerUsageWatts);
        Assert.Equal(300, gpu.PowerLimitWatts);
        Assert.Null(gpu.FanSpeedPercent);
        Assert.False(gpu.InUse);
        Assert.Equal($"{node}::0", gpu.ToString());
    }

    [Fact]
    public async Task A_gpu_a_task_holds_shows_as_in_use_on_the_node_and_in_its_table()
    {
        var node = await GpuNode.RegisterAsync(Host, GpuNode.Gpu(0, freeMib: 20000), GpuNode.Gpu(1, freeMib: 20000));
        var task = Ps.Run("Submit-RiverTask 'sleep 600' -Target \"$node::1\"", Vars(("node", node))).ShouldSucceed().Of<RiverTask>().Single();
        try
        {
            await Host.Dispatched(task.TaskId);

            var inUse = Ps.Run("(Get-RiverNode $node).Gpus | Where-Object InUse | ForEach-Object GpuId", Vars(("node", node))).ShouldSucceed().Objects;
            Assert.Equal([1], inUse.Cast<int>());
            var table = (string)Ps.Run("Get-RiverNode $node | Out-String -Width 250", Vars(("node", node))).ShouldSucceed().Objects.Single();
            Assert.Contains("1/2", table);
            var health = (string)Ps.Run("Get-RiverHealth | Format-List GpuUsage, TotalGpus, GpusInUse | Out-String").ShouldSucceed().Objects.Single();
            Assert.Matches(@"GpusInUse\s*:\s*[1-9]", health);
        }
        finally
        {
            Ps.Run("Stop-RiverTask $id -Confirm:$false", Vars(("id", task.TaskId)));
        }
    }

    [Fact]
    public async Task Get_RiverNodeHistory_writes_one_typed_sample_per_heartbeat_and_filters_by_Last_and_Since()
    {
        var node = await GpuNode.RegisterAsync(Host, GpuNode.Gpu(0, freeMib: 20000));
        for (var i = 1; i <= 4; i++)
            await Host.RunnerSide.HeartbeatAsync(node, new HeartbeatRequest
            {
                CpuPercent = 10 * i, MemoryPercent = 20, CurrentAvgTemp = 40, CurrentMaxTemp = 50 + i,
                GpuInfo = [GpuNode.Gpu(0, freeMib: 20000, utilization: 25 * i, temperature: 60 + i)],
            }, Ct);

        var all = Ps.Run("Get-RiverNodeHistory $node", Vars(("node", node))).ShouldSucceed().Of<RiverNodeSample>();
        Assert.Equal([10.0, 20, 30, 40], all.Select(s => s.CpuPercent!.Value));
        Assert.All(all, s => Assert.Equal(node, s.NodeName));
        Assert.Equal(54, all[^1].MaxTempC);
        var gpu = Assert.Single(all[^1].Gpus);
        Assert.Equal((0, 100, 64), (gpu.GpuId, gpu.UtilizationPercent!.Value, gpu.TemperatureC!.Value));
        Assert.Equal(100, all[^1].AvgGpuUtilizationPercent);

        // Piped from Get-RiverNode by property name, newest two.
        var last = Ps.Run("Get-RiverNode $node | Get-RiverNodeHistory -Last 2", Vars(("node", node))).ShouldSucceed().Of<RiverNodeSample>();
        Assert.Equal([30.0, 40], last.Select(s => s.CpuPercent!.Value));

        // -Since as a local DateTime, as Get-Date writes it.
        var since = Ps.Run("Get-RiverNodeHistory $node -Since $at", Vars(("node", node), ("at", all[2].Timestamp.LocalDateTime))).ShouldSucceed().Of<RiverNodeSample>();
        Assert.Equal([30.0, 40], since.Select(s => s.CpuPercent!.Value));
        Assert.Empty(Ps.Run("Get-RiverNodeHistory $node -Since (Get-Date).AddHours(1)", Vars(("node", node))).ShouldSucceed().Output);

        var gpuSeries = Ps.Run("Get-RiverNodeHistory $node | Select-Object -ExpandProperty Gpus | Where-Object GpuId -eq 0 | ForEach-Object UtilizationPercent",
            Vars(("node", node))).ShouldSucceed().Objects;
        Assert.Equal([25, 50, 75, 100], gpuSeries.Cast<int>());
    }

    [Fact]
    public async Task Get_RiverNodeHistory_reports_an_unknown_node_and_still_reads_the_others()
    {
        var node = await GpuNode.RegisterAsync(Host, GpuNode.Gpu(0, freeMib: 20000));
        await Host.RunnerSide.HeartbeatAsync(node, new HeartbeatRequest { CpuPercent = 12.5 }, Ct);

        var run = Ps.Run("Get-RiverNodeHistory no-such-node, $node", Vars(("node", node)));

        Assert.Equal(12.5, Assert.Single(run.Of<RiverNodeSample>()).CpuPercent);
        var error = Assert.Single(run.Errors);
        Assert.StartsWith("RiverNodeNotFound", error.FullyQualifiedErrorId);
        Assert.Equal("no-such-node", error.TargetObject);
        Assert.Null(run.Terminated);
        // A task that was never placed has no node: piped in, it shows nothing and is no error.
        var unplaced = Ps.Run("[pscustomobject]@{ NodeName = $null }, [pscustomobject]@{ NodeName = '' } | Get-RiverNodeHistory");
        Assert.Empty(unplaced.Errors);
        Assert.Empty(unplaced.Output);

        var refused = Ps.Run("Get-RiverNodeHistory $node -Last 0", Vars(("node", node)));
        Assert.StartsWith("ParameterArgumentValidationError", Assert.Single(refused.Errors).FullyQualifiedErrorId);
        Assert.Empty(refused.Output);
    }

    [Fact]
    public async Task Gpu_ids_complete_after_node_colons_in_Target_free_ones_first_with_a_tip_saying_which_are_in_use()
    {
        var node = await GpuNode.RegisterAsync(Host, GpuNode.Gpu(0, freeMib: 20000), GpuNode.Gpu(1, freeMib: 20000), GpuNode.Gpu(2, freeMib: 20000));
        var task = Ps.Run("Submit-RiverTask 'sleep 600' -Target \"$node::0\"", Vars(("node", node))).ShouldSucceed().Of<RiverTask>().Single();
        try
        {
            await Host.Dispatched(task.TaskId);

            var offered = Matches($"Submit-RiverTask 'true' -Target {node}::");
            Assert.Equal([$"{node}::1", $"{node}::2", $"{node}::0"], offered.Select(m => m.CompletionText));
            Assert.Contains("in use", offered[2].ToolTip);
            Assert.DoesNotContain("in use", offered[0].ToolTip);
            Assert.Contains("free", offered[0].ListItemText);

            // After a comma: the ids not yet listed, quoted, as a bare comma would make an array.
            Assert.Equal([$"'{node}::2,1'", $"'{node}::2,0'"], Complete($"Submit-RiverTask 'true' -Target '{node}::2,"));
            Assert.Equal([$"'{node}::2,1'"], Complete($"New-RiverVps -Target '{node}::2,1"));
            Assert.Equal([$"{node}::1", $"{node}::2", $"{node}::0"], Complete($"New-RiverVps -Target {node}::"));
            Assert.Empty(Complete($"Submit-RiverTask 'true' -Target no-such-node::"));
            // Node names still complete for -Target.
            Assert.Contains(Host.NodeName, Complete($"Submit-RiverTask 'true' -Target {Host.NodeName[..6]}"));
        }
        finally
        {
            Ps.Run("Stop-RiverTask $id -Confirm:$false", Vars(("id", task.TaskId)));
        }
    }

    [Fact]
    public async Task Gpus_and_history_samples_have_their_own_columns_and_a_node_shows_gpus_in_use_over_total()
    {
        var node = await GpuNode.RegisterAsync(Host, GpuNode.Gpu(0, freeMib: 20000), GpuNode.Gpu(1, freeMib: 20000));
        await Host.RunnerSide.HeartbeatAsync(node, new HeartbeatRequest
        {
            CpuPercent = 12, CurrentMaxTemp = 61, GpuInfo = [GpuNode.Gpu(0, freeMib: 20000), GpuNode.Gpu(1, freeMib: 20000)],
        }, Ct);

        Assert.Equal(["NodeName", "GpuId", "Name", "UtilizationPercent", "MemoryUsedMiB", "MemoryTotalMiB", "TemperatureC", "PowerUsageWatts", "InUse"],
            Ps.TableHeader("(Get-RiverNode $node).Gpus", Vars(("node", node))));
        Assert.Equal(["NodeName", "Timestamp", "CpuPercent", "MemoryPercent", "MaxTempC", "AvgGpuUtilizationPercent"],
            Ps.TableHeader("Get-RiverNodeHistory $node", Vars(("node", node))));
        Assert.Equal(["NodeName", "Timestamp", "GpuId", "UtilizationPercent", "MemoryUsedMiB", "MemoryTotalMiB", "TemperatureC"],
            Ps.TableHeader("Get-RiverNodeHistory $node | Select-Object -ExpandProperty Gpus", Vars(("node", node))));

        var row = ((string)Ps.Run("Get-RiverNode $node | Out-String -Width 250", Vars(("node", node))).ShouldSucceed().Objects.Single())
            .Split('\n').Single(l => l.StartsWith(node, StringComparison.Ordinal));
        Assert.Matches(@"\s0/2\s+61\s", row);
        var stub = ((string)Ps.Run("Get-RiverNode $node | Out-String -Width 250", Vars(("node", Host.NodeName))).ShouldSucceed().Objects.Single())
            .Split('\n').Single(l => l.StartsWith(Host.NodeName, StringComparison.Ordinal));
        // No GPUs: the column is blank (the date's slashes are not between blanks).
        Assert.DoesNotMatch(@"\s\d+/\d+\s", stub);
    }
}
