using System.Text;
using KohakuRiver.Daemon.Engine.Docker;
using Xunit;

namespace KohakuRiver.Tests.Docker;

public sealed class LogCopyStreamTests
{
    [Fact]
    public async Task A_second_copy_appends_only_what_the_first_missed()
    {
        var file = new MemoryStream();
        var first = new LogCopyStream(file);
        await first.WriteAsync("hello "u8.ToArray());
        first.Write("wor"u8);
        Assert.Equal(9, first.Seen);

        // The full output again, from its beginning, cut at places that do not match the first copy's writes.
        var second = new LogCopyStream(file, first.Seen);
        await second.WriteAsync("hel"u8.ToArray());
        await second.WriteAsync("lo wo"u8.ToArray());
        second.Write("rld\n"u8);
        await second.WriteAsync("bye\n"u8.ToArray());

        Assert.Equal("hello world\nbye\n", Encoding.UTF8.GetString(file.ToArray()));
        Assert.Equal(16, second.Seen);
    }

    [Fact]
    public async Task A_first_copy_that_saw_everything_leaves_nothing_to_append()
    {
        var file = new MemoryStream();
        var first = new LogCopyStream(file);
        await first.WriteAsync("all\n"u8.ToArray());
        var second = new LogCopyStream(file, first.Seen);
        await second.WriteAsync("all\n"u8.ToArray());
        Assert.Equal("all\n", Encoding.UTF8.GetString(file.ToArray()));
    }
}
