using KohakuRiver.Core.Parsing;
using Xunit;

namespace KohakuRiver.Tests.Core;

public sealed class TargetSpecTests
{
    [Fact]
    public void A_bare_node_name_targets_the_whole_node()
    {
        var t = TargetSpec.Parse("node-1.lab");
        Assert.Equal("node-1.lab", t.NodeName);
        Assert.Null(t.NumaNodeId);
        Assert.Null(t.GpuIds);
        Assert.Equal("node-1.lab", t.ToString());
    }

    [Fact]
    public void Node_colon_numa_targets_one_NUMA_node()
    {
        var t = TargetSpec.Parse("gpu_box:1");
        Assert.Equal("gpu_box", t.NodeName);
        Assert.Equal(1, t.NumaNodeId);
        Assert.Null(t.GpuIds);
        Assert.Equal("gpu_box:1", t.ToString());
    }

    [Fact]
    public void Node_double_colon_gpus_targets_GPUs_without_a_NUMA_node()
    {
        var t = TargetSpec.Parse("n1::0,2");
        Assert.Equal("n1", t.NodeName);
        Assert.Null(t.NumaNodeId);
        Assert.Equal([0, 2], t.GpuIds!);
        Assert.Equal("n1::0,2", t.ToString());
    }

    [Fact]
    public void Node_numa_and_gpus_together()
    {
        var t = TargetSpec.Parse("n1:0::3,1");
        Assert.Equal("n1", t.NodeName);
        Assert.Equal(0, t.NumaNodeId);
        Assert.Equal([3, 1], t.GpuIds!);
        Assert.Equal("n1:0::3,1", t.ToString());
    }

    [Fact]
    public void Surrounding_whitespace_and_spaces_around_gpu_ids_are_ignored()
    {
        var t = TargetSpec.Parse("  n1::1, 2 ");
        Assert.Equal("n1", t.NodeName);
        Assert.Equal([1, 2], t.GpuIds!);
    }

    [Theory]
    [InlineData("", "target is empty; expected 'node', 'node:numa', 'node::gpu,gpu' or 'node:numa::gpu,gpu'")]
    [InlineData("   ", "target is empty; expected 'node', 'node:numa', 'node::gpu,gpu' or 'node:numa::gpu,gpu'")]
    [InlineData("n1:", "target 'n1:': NUMA node '' is not a non-negative integer")]
    [InlineData("n1:x", "target 'n1:x': NUMA node 'x' is not a non-negative integer")]
    [InlineData("n1:-1", "target 'n1:-1': NUMA node '-1' is not a non-negative integer")]
    [InlineData("n1:0:1", "target 'n1:0:1': NUMA node '0:1' is not a non-negative integer")]
    [InlineData("n1::", "target 'n1::': GPU id '' is not a non-negative integer")]
    [InlineData("n1::a", "target 'n1::a': GPU id 'a' is not a non-negative integer")]
    [InlineData("n1::1,1", "target 'n1::1,1': GPU id 1 is listed twice")]
    [InlineData(":0", "target ':0': node name '' is not a valid host name (letters, digits, '-', '_', '.')")]
    [InlineData("::0", "target '::0': node name '' is not a valid host name (letters, digits, '-', '_', '.')")]
    [InlineData("bad/name", "target 'bad/name': node name 'bad/name' is not a valid host name (letters, digits, '-', '_', '.')")]
    public void Malformed_targets_are_refused_with_a_message_saying_what_is_wrong(string text, string expected)
    {
        Assert.False(TargetSpec.TryParse(text, out var spec, out var error));
        Assert.Null(spec);
        Assert.Equal(expected, error);
        Assert.Equal(expected, Assert.Throws<FormatException>(() => TargetSpec.Parse(text)).Message);
    }

    [Fact]
    public void A_null_target_is_refused()
    {
        Assert.False(TargetSpec.TryParse(null, out var spec, out var error));
        Assert.Null(spec);
        Assert.StartsWith("target is empty", error);
    }

    [Theory]
    [InlineData("node1", true)]
    [InlineData("a.b-c_d", true)]
    [InlineData("", false)]
    [InlineData(null, false)]
    [InlineData("has space", false)]
    [InlineData("colon:", false)]
    [InlineData("ünïcode", false)]
    public void Node_names_are_letters_digits_dash_underscore_and_dot(string? name, bool valid) =>
        Assert.Equal(valid, TargetSpec.IsValidNodeName(name));

    [Fact]
    public void Node_names_longer_than_253_characters_are_refused()
    {
        Assert.True(TargetSpec.IsValidNodeName(new string('a', 253)));
        Assert.False(TargetSpec.IsValidNodeName(new string('a', 254)));
    }
}
