using KohakuRiver.Core.Environments;
using KohakuRiver.Core.Parsing;
using Xunit;

namespace KohakuRiver.Tests.Core;

public sealed class ImageReferenceTests
{
    [Theory]
    [InlineData("busybox")]
    [InlineData("kohakuriver/busybox:base")]
    [InlineData("python:3.12-slim")]
    [InlineData("library/ubuntu:22.04")]
    [InlineData("localhost:5000/team/img:v1.0")]
    [InlineData("registry.example.com/a/b/c")]
    [InlineData("my_repo/a__b/c-d--e:TAG_1.x-y")]
    [InlineData("[::1]:5000/img")]
    [InlineData("Registry.Example.com/img")]
    [InlineData("img@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")]
    [InlineData("img:tag@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")]
    public void Docker_references_are_valid(string reference)
    {
        Assert.Null(ImageReference.Why(reference));
    }

    [Theory]
    [InlineData("")]
    [InlineData("a b")]
    [InlineData("UPPER/Case")]
    [InlineData("Upper")]
    [InlineData("../../containers")]
    [InlineData("a/../b")]
    [InlineData("x:")]
    [InlineData(":tag")]
    [InlineData("@sha256:zz")]
    [InlineData("img@sha256:abc")]
    [InlineData("a//b")]
    [InlineData("-a")]
    [InlineData("a-")]
    [InlineData("a..b")]
    [InlineData("a/b?x=1")]
    [InlineData("a#b")]
    [InlineData("img:tag with space")]
    [InlineData("img\0x")]
    [InlineData("img\n")]
    [InlineData("img:-leadingdash")]
    public void Other_text_is_refused_with_a_reason(string reference)
    {
        var why = ImageReference.Why(reference);
        Assert.NotNull(why);
        Assert.False(ImageReference.IsValid(reference));
    }

    [Fact]
    public void A_name_longer_than_255_characters_is_refused_and_a_long_tag_has_its_own_limit()
    {
        var name = string.Join("/", Enumerable.Repeat(new string('a', 50), 6)); // 305 characters
        Assert.Contains("longer than 255", ImageReference.Why(name));
        Assert.Null(ImageReference.Why("img:" + new string('t', 128)));
        Assert.NotNull(ImageReference.Why("img:" + new string('t', 129)));
        Assert.NotNull(ImageReference.Why(new string('a', 5000)));
    }

    [Theory]
    [InlineData("py3.12", true)]
    [InlineData("my-env", true)]
    [InlineData("a__b", true)]
    [InlineData("a..b", false)]
    [InlineData("a-", false)]
    [InlineData("-a", false)]
    [InlineData("A", false)]
    [InlineData("a/b", false)]
    public void An_environment_name_is_one_image_path_component(string name, bool valid)
    {
        Assert.Equal(valid, EnvironmentNames.IsValid(name));
        if (valid) Assert.True(ImageReference.IsValid(EnvironmentNames.ImageName(name)));
    }
}
