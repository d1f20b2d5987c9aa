using KohakuRiver.Daemon.Configuration;
using KohakuRiver.Daemon.Runner.Resources;
using Xunit;

namespace KohakuRiver.Tests.Runner;

public sealed class ResourceDetectorTests
{
    [Theory]
    [InlineData("0-3,8,10-11", new[] { 0, 1, 2, 3, 8, 10, 11 })]
    [InlineData("0", new[] { 0 })]
    [InlineData("0-0", new[] { 0 })]
    [InlineData("5-7\n", new[] { 5, 6, 7 })]
    [InlineData("  2,4 ", new[] { 2, 4 })]
    [InlineData("1,,3", new[] { 1, 3 })]
    public void Cpu_lists_expand_ranges_and_singles_in_order(string text, int[] expected) =>
        Assert.Equal(expected, ResourceDetector.ParseCpuList(text));

    [Theory]
    [InlineData("")]
    [InlineData("\n")]
    public void An_empty_cpu_list_has_no_cpus(string text) => Assert.Empty(ResourceDetector.ParseCpuList(text));

    [Fact]
    public void A_malformed_cpu_list_throws()
    {
        Assert.Throws<FormatException>(() => ResourceDetector.ParseCpuList("0-x"));
    }

    [Fact]
    public void Configured_cores_and_memory_override_detection()
    {
        var d = new ResourceDetector(new DaemonSettings { RunnerCores = 3, RunnerMemoryBytes = 5L << 30 });
        Assert.Equal(3, d.Cores);
        Assert.Equal(5L << 30, d.MemoryBytes);
    }

    [Fact]
    public void Zero_means_all_the_cores_the_machine_has()
    {
        Assert.Equal(Environment.ProcessorCount, new ResourceDetector(new DaemonSettings()).Cores);
    }

    [Fact]
    public void The_NUMA_topology_covers_every_core_of_the_machine()
    {
        if (!OperatingSystem.IsLinux()) Assert.Skip("reads /sys");
        var topology = new ResourceDetector(new DaemonSettings()).NumaTopology();
        Assert.NotEmpty(topology);
        Assert.All(topology.Keys, k => Assert.True(int.TryParse(k, out _), k));
        var cores = topology.Values.SelectMany(n => n.Cores).ToList();
        Assert.Equal(cores.Distinct().Count(), cores.Count);
        Assert.True(cores.Count >= 1);
    }
}
