using KohakuRiver.Daemon.Runner.Execution;
using Xunit;

namespace KohakuRiver.Tests.Runner;

public sealed class MountSpecTests
{
    [Theory]
    [InlineData("/a:/b", "/a", "/b", false, "/a:/b")]
    [InlineData("/a:/b:ro", "/a", "/b", true, "/a:/b:ro")]
    [InlineData("/a:/b:rw", "/a", "/b", false, "/a:/b")]
    [InlineData("/data/x/:/mnt/x/", "/data/x", "/mnt/x", false, "/data/x:/mnt/x")]
    [InlineData("/:/host:ro", "/", "/host", true, "/:/host:ro")]
    public void Valid_mounts_parse_and_write_back_as_binds(string text, string host, string container, bool ro, string bind)
    {
        Assert.True(MountSpec.TryParse(text, out var m, out var error));
        Assert.Null(error);
        Assert.Equal(new MountSpec(host, container, ro), m);
        Assert.Equal(bind, m!.ToBind());
    }

    [Theory]
    [InlineData(null, "mount '' is not host_path:container_path[:ro]")]
    [InlineData("", "mount '' is not host_path:container_path[:ro]")]
    [InlineData("/only", "mount '/only' is not host_path:container_path[:ro]")]
    [InlineData("/a:/b:ro:x", "mount '/a:/b:ro:x' is not host_path:container_path[:ro]")]
    [InlineData("/a::ro", "mount '/a::ro' is not host_path:container_path[:ro]")]
    [InlineData("/a:/b:", "mount '/a:/b:' is not host_path:container_path[:ro]")]
    [InlineData("/a:/b:rx", "mount '/a:/b:rx': mode 'rx' is neither ro nor rw")]
    [InlineData("a:/b", "mount 'a:/b': both paths must be absolute")]
    [InlineData("/a:b", "mount '/a:b': both paths must be absolute")]
    [InlineData("/a/../etc:/b", "mount '/a/../etc:/b': paths must not contain '..'")]
    [InlineData("/a:/b/..", "mount '/a:/b/..': paths must not contain '..'")]
    public void Malformed_mounts_are_refused_with_a_message(string? text, string expected)
    {
        Assert.False(MountSpec.TryParse(text, out var m, out var error));
        Assert.Null(m);
        Assert.Equal(expected, error);
    }

    [Fact]
    public void Two_dots_inside_a_name_are_allowed()
    {
        Assert.True(MountSpec.TryParse("/a/..b:/c..d", out var m, out _));
        Assert.Equal("/a/..b:/c..d", m!.ToBind());
    }
}
