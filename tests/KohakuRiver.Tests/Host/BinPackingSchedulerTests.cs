using KohakuRiver.Daemon.Host.Records;
using KohakuRiver.Daemon.Host.Scheduling;
using Xunit;

namespace KohakuRiver.Tests.Host;

public sealed class BinPackingSchedulerTests
{
    private const long G = 1L << 30;

    private static NodeCapacity Node(string name, int cores = 8, long mem = 16 * G, int reservedCores = 0, long reservedMem = 0,
        bool online = true, Dictionary<int, int>? numa = null, Dictionary<int, int>? reservedNuma = null,
        int[]? gpus = null, int[]? reservedGpus = null) =>
        new(name, online, cores, mem, reservedCores, reservedMem,
            numa ?? new Dictionary<int, int>(), reservedNuma ?? new Dictionary<int, int>(),
            (gpus ?? []).ToHashSet(), (reservedGpus ?? []).ToHashSet());

    private static ResourceRequest Req(int cores = 1, long mem = 0, string? target = null, int? numa = null, int[]? gpus = null) =>
        new(cores, mem, target, numa, gpus);

    // ---- feasibility ----

    [Fact]
    public void An_empty_node_fits_exactly_what_it_could_ever_run()
    {
        // Placement checks feasibility without writing reasons; it must agree with the reasons everywhere.
        var random = new Random(11);
        var node = Node("a", cores: 8, mem: 16 * G, numa: new() { [0] = 4, [1] = 4 }, gpus: [0, 1]);
        for (var i = 0; i < 2000; i++)
        {
            var request = Req(cores: random.Next(1, 11), mem: random.Next(0, 20) * G, numa: random.Next(4) switch { 0 => 0, 1 => 2, _ => null },
                gpus: random.Next(3) switch { 0 => [random.Next(3)], _ => null });
            Assert.Equal(BinPackingScheduler.WhyNodeInfeasible(request, node) is null, BinPackingScheduler.FitsNow(request, node));
        }
    }

    [Fact]
    public void No_registered_node_is_a_reason()
    {
        Assert.Equal("no node is registered", BinPackingScheduler.WhyInfeasible(Req(), []));
    }

    [Fact]
    public void An_unregistered_target_is_a_reason()
    {
        Assert.Equal("node 'ghost' is not registered", BinPackingScheduler.WhyInfeasible(Req(target: "ghost"), [Node("a")]));
    }

    [Fact]
    public void Too_many_cores_and_too_much_memory_name_the_node_and_the_numbers()
    {
        Assert.Equal("a has 8 cores, 9 requested", BinPackingScheduler.WhyNodeInfeasible(Req(cores: 9), Node("a")));
        Assert.Equal($"a has {16 * G} bytes of memory, {17 * G} requested", BinPackingScheduler.WhyNodeInfeasible(Req(mem: 17 * G), Node("a")));
    }

    [Fact]
    public void NUMA_rules_missing_node_and_too_few_cores_on_it()
    {
        var n = Node("a", numa: new() { [0] = 4, [1] = 4 });
        Assert.Equal("a has no NUMA node 2", BinPackingScheduler.WhyNodeInfeasible(Req(numa: 2), n));
        Assert.Equal("a NUMA node 1 has 4 cores, 5 requested", BinPackingScheduler.WhyNodeInfeasible(Req(cores: 5, numa: 1), n));
        Assert.Null(BinPackingScheduler.WhyNodeInfeasible(Req(cores: 4, numa: 1), n));
    }

    [Fact]
    public void GPU_rule_lists_the_missing_ids()
    {
        var n = Node("a", gpus: [0, 1]);
        Assert.Equal("a has no GPU 2,3", BinPackingScheduler.WhyNodeInfeasible(Req(gpus: [1, 2, 3]), n));
        Assert.Null(BinPackingScheduler.WhyNodeInfeasible(Req(gpus: [0, 1]), n));
        Assert.Null(BinPackingScheduler.WhyNodeInfeasible(Req(gpus: []), Node("b")));
    }

    [Fact]
    public void Feasible_when_any_node_could_ever_run_it_even_if_busy_or_offline()
    {
        var nodes = new[] { Node("small", cores: 2), Node("big", cores: 16, reservedCores: 16, online: false) };
        Assert.Null(BinPackingScheduler.WhyInfeasible(Req(cores: 8), nodes));
    }

    [Fact]
    public void Infeasible_everywhere_lists_every_nodes_reason()
    {
        var nodes = new[] { Node("a", cores: 2), Node("b", cores: 4) };
        Assert.Equal("no registered node can ever satisfy it: a has 2 cores, 8 requested; b has 4 cores, 8 requested",
            BinPackingScheduler.WhyInfeasible(Req(cores: 8), nodes));
    }

    [Fact]
    public void A_target_is_judged_on_that_node_only()
    {
        var nodes = new[] { Node("a", cores: 2), Node("b", cores: 16) };
        Assert.Equal("a has 2 cores, 8 requested", BinPackingScheduler.WhyInfeasible(Req(cores: 8, target: "a"), nodes));
        Assert.Null(BinPackingScheduler.WhyInfeasible(Req(cores: 8, target: "b"), nodes));
    }

    // ---- fit now ----

    [Fact]
    public void FitsNow_needs_free_cores_and_free_memory()
    {
        var n = Node("a", cores: 4, mem: 8 * G, reservedCores: 3, reservedMem: 6 * G);
        Assert.True(BinPackingScheduler.FitsNow(Req(cores: 1, mem: 2 * G), n));
        Assert.False(BinPackingScheduler.FitsNow(Req(cores: 2), n));
        Assert.False(BinPackingScheduler.FitsNow(Req(cores: 1, mem: 2 * G + 1), n));
    }

    [Fact]
    public void FitsNow_is_false_for_an_offline_node_with_room()
    {
        Assert.False(BinPackingScheduler.FitsNow(Req(), Node("a", online: false)));
    }

    [Fact]
    public void FitsNow_is_false_for_an_infeasible_request_on_an_idle_node()
    {
        Assert.False(BinPackingScheduler.FitsNow(Req(cores: 9), Node("a")));
        Assert.False(BinPackingScheduler.FitsNow(Req(numa: 3), Node("a", numa: new() { [0] = 8 })));
    }

    [Fact]
    public void FitsNow_counts_cores_reserved_on_the_NUMA_node()
    {
        var n = Node("a", cores: 8, reservedCores: 3, numa: new() { [0] = 4, [1] = 4 }, reservedNuma: new() { [0] = 3 });
        Assert.True(BinPackingScheduler.FitsNow(Req(cores: 1, numa: 0), n));
        Assert.False(BinPackingScheduler.FitsNow(Req(cores: 2, numa: 0), n));
        Assert.True(BinPackingScheduler.FitsNow(Req(cores: 4, numa: 1), n));
    }

    [Fact]
    public void FitsNow_refuses_a_GPU_already_reserved()
    {
        var n = Node("a", gpus: [0, 1, 2], reservedGpus: [1]);
        Assert.False(BinPackingScheduler.FitsNow(Req(gpus: [0, 1]), n));
        Assert.True(BinPackingScheduler.FitsNow(Req(gpus: [0, 2]), n));
    }

    [Fact]
    public void A_zero_core_task_fits_on_a_full_node()
    {
        Assert.True(BinPackingScheduler.FitsNow(Req(cores: 0), Node("a", cores: 4, reservedCores: 4)));
    }

    // ---- ranking ----

    [Fact]
    public void Best_fit_picks_the_node_left_with_the_fewest_free_cores()
    {
        var nodes = new[] { Node("roomy", cores: 16), Node("tight", cores: 8, reservedCores: 6), Node("mid", cores: 8, reservedCores: 2) };
        Assert.Equal("tight", BinPackingScheduler.Place(Req(cores: 2), nodes)!.Name);
    }

    [Fact]
    public void Equal_free_cores_then_the_least_free_memory_wins()
    {
        var nodes = new[] { Node("a", mem: 32 * G), Node("b", mem: 8 * G), Node("c", mem: 16 * G) };
        Assert.Equal("b", BinPackingScheduler.Place(Req(mem: G), nodes)!.Name);
    }

    [Fact]
    public void Full_ties_are_broken_by_node_name_whatever_the_order_given()
    {
        var nodes = new[] { Node("n2"), Node("n10"), Node("N3"), Node("n1") };
        Assert.Equal("N3", BinPackingScheduler.Place(Req(), nodes)!.Name); // ordinal: 'N' < 'n'
        Assert.Equal("N3", BinPackingScheduler.Place(Req(), nodes.Reverse())!.Name);
        var lower = new[] { Node("n2"), Node("n10"), Node("n1") };
        Assert.Equal("n1", BinPackingScheduler.Place(Req(), lower)!.Name);
        Assert.Equal("n1", BinPackingScheduler.Place(Req(), lower.Reverse())!.Name);
    }

    [Fact]
    public void Offline_nodes_are_never_chosen_even_when_they_fit_best()
    {
        var nodes = new[] { Node("best", cores: 2, online: false), Node("other", cores: 64) };
        Assert.Equal("other", BinPackingScheduler.Place(Req(cores: 2), nodes)!.Name);
        Assert.Null(BinPackingScheduler.Place(Req(cores: 2), [Node("best", cores: 2, online: false)]));
    }

    [Fact]
    public void A_target_places_only_on_that_node_or_waits()
    {
        var nodes = new[] { Node("a", cores: 4, reservedCores: 4), Node("b", cores: 4) };
        Assert.Null(BinPackingScheduler.Place(Req(target: "a"), nodes));
        Assert.Equal("b", BinPackingScheduler.Place(Req(target: "b"), nodes)!.Name);
    }

    [Fact]
    public void Nothing_fits_returns_null()
    {
        Assert.Null(BinPackingScheduler.Place(Req(cores: 3), [Node("a", cores: 4, reservedCores: 2), Node("b", cores: 2)]));
        Assert.Null(BinPackingScheduler.Place(Req(), []));
    }

    [Fact]
    public void NUMA_and_GPU_requests_go_only_where_they_fit()
    {
        var nodes = new[]
        {
            Node("a", numa: new() { [0] = 4 }, reservedNuma: new() { [0] = 4 }, reservedCores: 4),
            Node("b", numa: new() { [0] = 4 }),
            Node("c", gpus: [0]),
        };
        Assert.Equal("b", BinPackingScheduler.Place(Req(cores: 2, numa: 0), nodes)!.Name);
        Assert.Equal("c", BinPackingScheduler.Place(Req(gpus: [0]), nodes)!.Name);
    }

    [Fact]
    public void A_request_is_made_from_a_task()
    {
        var r = ResourceRequest.Of(new TaskRecord { RequiredCores = 3, RequiredMemoryBytes = 5, TargetHostname = "n", TargetNumaNodeId = 1, RequiredGpus = [2] });
        Assert.Equal(3, r.Cores);
        Assert.Equal(5L, r.MemoryBytes);
        Assert.Equal("n", r.TargetNode);
        Assert.Equal(1, r.NumaNode);
        Assert.Equal([2], r.GpuIds!);
        Assert.Equal(0L, ResourceRequest.Of(new TaskRecord()).MemoryBytes);
    }

    [Fact]
    public void Free_capacity_is_total_minus_reserved()
    {
        var n = Node("a", cores: 8, mem: 10, reservedCores: 3, reservedMem: 4);
        Assert.Equal(5, n.FreeCores);
        Assert.Equal(6L, n.FreeMemoryBytes);
    }
}
