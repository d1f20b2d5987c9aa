using KohakuRiver.Daemon.Host.Records;
using KohakuRiver.Daemon.Host.Scheduling;
using Xunit;

namespace KohakuRiver.Tests.Host;

/// <summary>Tasks that ask for a number of GPUs: where they fit, which GPUs they get, and how GPUs rank nodes.</summary>
public sealed class BinPackingSchedulerGpuTests
{
    private const long G = 1L << 30;

    /// <summary>A node whose GPUs are given as id → NUMA node (-1: the runner did not say).</summary>
    private static NodeCapacity Node(string name, Dictionary<int, int>? gpus = null, int[]? reservedGpus = null, int cores = 8,
        long mem = 16 * G, bool online = true) =>
        new(name, online, cores, mem, 0, 0, new Dictionary<int, int>(), new Dictionary<int, int>(),
            (gpus ?? []).Keys.ToHashSet(), (reservedGpus ?? []).ToHashSet())
        {
            GpuNumaNodes = (gpus ?? []).Where(kv => kv.Value >= 0).ToDictionary(kv => kv.Key, kv => kv.Value),
        };

    private static ResourceRequest Count(int gpus, string? target = null, int? numa = null, int cores = 1) =>
        new(cores, 0, target, numa, null, gpus);

    private static Dictionary<int, int> Gpus(params (int Id, int Numa)[] gpus) => gpus.ToDictionary(g => g.Id, g => g.Numa);

    // ---- feasibility and fit ----

    [Fact]
    public void A_count_above_the_nodes_GPUs_names_both_numbers()
    {
        Assert.Equal("a has 2 GPU(s), 3 requested", BinPackingScheduler.WhyNodeInfeasible(Count(3), Node("a", Gpus((0, 0), (1, 0)))));
        Assert.Equal("b has 0 GPU(s), 1 requested", BinPackingScheduler.WhyNodeInfeasible(Count(1), Node("b")));
        Assert.Null(BinPackingScheduler.WhyNodeInfeasible(Count(2), Node("a", Gpus((0, 0), (1, 0)))));
        Assert.Equal("no registered node can ever satisfy it: a has 2 GPU(s), 4 requested; b has 0 GPU(s), 4 requested",
            BinPackingScheduler.WhyInfeasible(Count(4), [Node("a", Gpus((0, 0), (1, 0))), Node("b")]));
    }

    [Fact]
    public void A_count_fits_only_where_that_many_GPUs_are_free()
    {
        var n = Node("a", Gpus((0, 0), (1, 0), (2, 1)), reservedGpus: [1]);
        Assert.True(BinPackingScheduler.FitsNow(Count(2), n));
        Assert.False(BinPackingScheduler.FitsNow(Count(3), n));
        Assert.Equal(2, n.FreeGpuCount);
    }

    [Fact]
    public void Fit_and_feasibility_agree_for_counts_on_an_idle_node()
    {
        var random = new Random(5);
        var node = Node("a", Gpus((0, 0), (1, 1), (2, -1)));
        for (var i = 0; i < 500; i++)
        {
            var request = Count(random.Next(0, 5), numa: random.Next(3) == 0 ? random.Next(2) : null);
            Assert.Equal(BinPackingScheduler.WhyNodeInfeasible(request, node) is null, BinPackingScheduler.FitsNow(request, node));
        }
    }

    [Fact]
    public void A_count_task_goes_to_a_node_with_enough_free_GPUs()
    {
        var nodes = new[] { Node("busy", Gpus((0, 0), (1, 0)), reservedGpus: [0]), Node("free", Gpus((0, 0), (1, 0))), Node("none") };
        Assert.Equal("free", BinPackingScheduler.Place(Count(2), nodes)!.Name);
        Assert.Equal("busy", BinPackingScheduler.Place(Count(1), nodes)!.Name); // best fit: fewest free GPUs
        Assert.Null(BinPackingScheduler.Place(Count(3), nodes));
    }

    [Fact]
    public void On_a_tie_in_cores_and_memory_a_task_without_GPUs_avoids_the_GPU_node()
    {
        var nodes = new[] { Node("a-gpus", Gpus((0, 0))), Node("b-plain") };
        Assert.Equal("b-plain", BinPackingScheduler.Place(Count(0), nodes)!.Name);
        Assert.Equal("b-plain", BinPackingScheduler.Place(Count(0), nodes.Reverse())!.Name);
        // Cores still come first: a tighter GPU node wins over a roomier plain one.
        Assert.Equal("a-gpus", BinPackingScheduler.Place(Count(0), [Node("a-gpus", Gpus((0, 0)), cores: 4), Node("b-plain")])!.Name);
    }

    [Fact]
    public void A_request_from_a_task_asks_for_the_count_until_ids_are_chosen()
    {
        Assert.Equal(2, ResourceRequest.Of(new TaskRecord { RequiredGpuCount = 2 }).GpuCount);
        var chosen = ResourceRequest.Of(new TaskRecord { RequiredGpuCount = 2, RequiredGpus = [3, 4] });
        Assert.Equal(0, chosen.GpuCount);
        Assert.Equal([3, 4], chosen.GpuIds!);
        Assert.Equal(0, ResourceRequest.Of(new TaskRecord()).GpuCount);
    }

    // ---- which GPUs ----

    [Fact]
    public void Without_a_NUMA_node_named_all_GPUs_come_from_the_tightest_NUMA_node_that_has_enough()
    {
        // NUMA 0 has three free GPUs, NUMA 1 two: two GPUs come from NUMA 1, leaving NUMA 0's three together.
        var n = Node("a", Gpus((0, 0), (1, 0), (2, 0), (3, 1), (4, 1)));
        Assert.Equal([3, 4], BinPackingScheduler.ChooseGpus(n, 2, null)!);
        Assert.Equal([0, 1, 2], BinPackingScheduler.ChooseGpus(n, 3, null)!);
        Assert.Equal([3], BinPackingScheduler.ChooseGpus(n, 1, null)!);
    }

    [Fact]
    public void Equal_NUMA_groups_go_to_the_lower_NUMA_id_and_lowest_ids_within()
    {
        var n = Node("a", Gpus((7, 1), (6, 1), (5, 0), (4, 0)));
        Assert.Equal([4, 5], BinPackingScheduler.ChooseGpus(n, 2, null)!);
        Assert.Equal([4], BinPackingScheduler.ChooseGpus(n, 1, null)!);
    }

    [Fact]
    public void Reserved_GPUs_are_never_chosen_and_change_which_group_is_tightest()
    {
        var n = Node("a", Gpus((0, 0), (1, 0), (2, 1), (3, 1), (4, 1)), reservedGpus: [2]);
        // Free: NUMA 0 {0,1}, NUMA 1 {3,4}: a tie, so the lower NUMA id.
        Assert.Equal([0, 1], BinPackingScheduler.ChooseGpus(n, 2, null)!);
        var full = Node("b", Gpus((0, 0), (1, 0)), reservedGpus: [0, 1]);
        Assert.Null(BinPackingScheduler.ChooseGpus(full, 1, null));
    }

    [Fact]
    public void When_no_NUMA_node_has_enough_the_lowest_free_ids_are_chosen()
    {
        var n = Node("a", Gpus((0, 0), (1, 1), (2, 0), (3, 1)), reservedGpus: [0]);
        Assert.Equal([1, 2, 3], BinPackingScheduler.ChooseGpus(n, 3, null)!);
    }

    [Fact]
    public void GPUs_on_no_known_NUMA_node_are_chosen_by_lowest_id()
    {
        var n = Node("a", Gpus((3, -1), (1, -1), (2, -1), (0, -1)));
        Assert.Equal([0, 1], BinPackingScheduler.ChooseGpus(n, 2, null)!);
        // A known group that has enough is still preferred over unknown ones with lower ids.
        var mixed = Node("b", Gpus((0, -1), (1, -1), (5, 1), (6, 1)));
        Assert.Equal([5, 6], BinPackingScheduler.ChooseGpus(mixed, 2, null)!);
    }

    [Fact]
    public void A_named_NUMA_node_has_its_GPUs_chosen_first_then_the_lowest_others()
    {
        var n = Node("a", Gpus((0, 0), (1, 0), (2, 1), (3, 1), (4, 1)));
        Assert.Equal([2, 3], BinPackingScheduler.ChooseGpus(n, 2, 1)!);
        Assert.Equal([0], BinPackingScheduler.ChooseGpus(n, 1, 0)!);
        // NUMA 0 has two: both, then the lowest id elsewhere.
        Assert.Equal([0, 1, 2], BinPackingScheduler.ChooseGpus(n, 3, 0)!);
        // A NUMA node without GPUs: the lowest ids.
        Assert.Equal([0, 1], BinPackingScheduler.ChooseGpus(n, 2, 5)!);
    }

    [Fact]
    public void The_choice_does_not_depend_on_the_order_GPUs_were_reported_in()
    {
        var forward = Node("a", Gpus((0, 1), (1, 1), (2, 0), (3, 0), (4, 0)));
        var backward = Node("a", Gpus((4, 0), (3, 0), (2, 0), (1, 1), (0, 1)));
        for (var count = 1; count <= 5; count++)
        for (var numa = -1; numa <= 1; numa++)
        {
            int? wanted = numa < 0 ? null : numa;
            Assert.Equal(BinPackingScheduler.ChooseGpus(forward, count, wanted), BinPackingScheduler.ChooseGpus(backward, count, wanted));
            Assert.Equal(count, BinPackingScheduler.ChooseGpus(forward, count, wanted)!.Distinct().Count());
        }
    }
}
