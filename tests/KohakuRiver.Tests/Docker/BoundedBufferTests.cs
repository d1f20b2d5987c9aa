using System.Text;
using KohakuRiver.Daemon.Engine.Docker;
using Xunit;

namespace KohakuRiver.Tests.Docker;

public sealed class BoundedBufferTests
{
    [Fact]
    public async Task It_keeps_the_first_bytes_up_to_its_capacity_and_counts_the_rest()
    {
        var buffer = new BoundedBuffer(10);
        buffer.Write("hello "u8);
        await buffer.WriteAsync(Encoding.UTF8.GetBytes("world, and more"), TestContext.Current.CancellationToken);
        buffer.Write(new byte[1000], 0, 1000);
        Assert.Equal(1021, buffer.Dropped + 10);
        Assert.Equal("hello worl\n[kohakuriver: output cut after 10 bytes; 1011 more bytes were dropped]\n", buffer.Text());
    }

    [Fact]
    public void Under_its_capacity_it_returns_exactly_what_was_written()
    {
        var buffer = new BoundedBuffer(100);
        buffer.Write("out\n"u8);
        Assert.Equal(0, buffer.Dropped);
        Assert.Equal("out\n", buffer.Text());
    }
}
