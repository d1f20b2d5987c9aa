using KohakuRiver.Core.Listing;
using KohakuRiver.Core.Models;
using KohakuRiver.Core.Parsing;
using KohakuRiver.Core.Wire;
using Xunit;

namespace KohakuRiver.Tests.Core;

public sealed class ArgumentConversionTests
{
    [Theory]
    [InlineData(8589934592L, 8589934592L)] // 8GB as PowerShell writes it: a long
    [InlineData(536870912, 536870912L)] // 512MB: an int
    [InlineData(1.5 * (1L << 30), 1610612736L)] // 1.5GB: a double
    [InlineData("8G", 8589934592L)]
    [InlineData("8GB", 8589934592L)]
    [InlineData("512m", 536870912L)]
    [InlineData("1.5GiB", 1610612736L)]
    [InlineData("4096", 4096L)]
    public void Memory_sizes_come_as_numbers_of_bytes_or_as_text(object input, long expected) =>
        Assert.Equal(expected, ArgumentConversion.ToByteSize(input));

    [Theory]
    [InlineData("8Q")]
    [InlineData("lots")]
    [InlineData(0)]
    [InlineData(-5L)]
    [InlineData(double.NaN)]
    public void Bad_sizes_are_refused(object input) =>
        Assert.ThrowsAny<ArgumentException>(() => Wrap(() => ArgumentConversion.ToByteSize(input)));

    [Fact]
    public void A_wrapped_size_is_unwrapped() =>
        Assert.Equal(1L << 30, ArgumentConversion.ToByteSize(new SweepTemplateTests.Wrapper("1G"), SweepTemplateTests.Unwrap));

    [Fact]
    public void Statuses_come_by_wire_name_enum_name_or_list()
    {
        Assert.Equal([RiverTaskStatus.KilledOom], ArgumentConversion.ToTaskStatuses("killed_oom"));
        Assert.Equal([RiverTaskStatus.KilledOom], ArgumentConversion.ToTaskStatuses("KilledOom"));
        Assert.Equal([RiverTaskStatus.Running, RiverTaskStatus.Failed], ArgumentConversion.ToTaskStatuses(new object[] { "running", RiverTaskStatus.Failed }));
        Assert.Throws<FormatException>(() => ArgumentConversion.ToTaskStatuses("sleeping"));
    }

    [Fact]
    public void Nodes_are_picked_by_name_or_wildcard_and_a_plain_name_that_matches_nothing_is_missing()
    {
        var nodes = new[] { "gpu-b", "gpu-a", "cpu-1" }.Select(n => new RiverNode { NodeName = n }).ToList();
        var (all, none) = NodeSelector.Select(nodes, null);
        Assert.Equal(["cpu-1", "gpu-a", "gpu-b"], all.Select(n => n.NodeName));
        Assert.Empty(none);

        var (picked, missing) = NodeSelector.Select(nodes, ["GPU-*", "cpu-1", "gone", "x*"]);
        Assert.Equal(["gpu-a", "gpu-b", "cpu-1"], picked.Select(n => n.NodeName));
        Assert.Equal(["gone"], missing);
    }

    // FormatException is not an ArgumentException; the module turns both into the same error.
    private static void Wrap(Action a)
    {
        try
        {
            a();
        }
        catch (FormatException e)
        {
            throw new ArgumentException(e.Message, e);
        }
    }
}
