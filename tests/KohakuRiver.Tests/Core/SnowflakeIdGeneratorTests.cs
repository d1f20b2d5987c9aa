using KohakuRiver.Core.Ids;
using Xunit;

namespace KohakuRiver.Tests.Core;

public sealed class SnowflakeIdGeneratorTests
{
    // 2024-01-01T00:00:00Z
    private const long T0 = 1_704_067_200_000;

    [Fact]
    public void Ids_carry_the_millisecond_the_instance_and_a_sequence()
    {
        var g = new SnowflakeIdGenerator(instance: 5, nowMs: () => T0);
        var first = g.Next();
        var second = g.Next();

        Assert.Equal((T0 << 22) | (5L << 12) | 0, first);
        Assert.Equal((T0 << 22) | (5L << 12) | 1, second);
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(T0), SnowflakeIdGenerator.TimestampOf(first));
        Assert.Equal(5, (int)((first >> 12) & 0x3FF));
    }

    [Fact]
    public void Ids_are_time_ordered_and_the_sequence_restarts_each_millisecond()
    {
        var now = T0;
        var g = new SnowflakeIdGenerator(nowMs: () => now);
        var a = g.Next();
        var b = g.Next();
        now = T0 + 7;
        var c = g.Next();

        Assert.True(a < b && b < c);
        Assert.Equal(T0 + 7, SnowflakeIdGenerator.TimestampOf(c).ToUnixTimeMilliseconds());
        Assert.Equal(0, c & 0xFFF);
    }

    [Fact]
    public void Ids_stay_monotonic_when_the_clock_goes_backwards()
    {
        var now = T0 + 1000;
        var g = new SnowflakeIdGenerator(nowMs: () => now);
        var before = g.Next();
        now = T0; // clock stepped back one second
        var after = g.Next();

        Assert.True(after > before);
        Assert.Equal(T0 + 1000, SnowflakeIdGenerator.TimestampOf(after).ToUnixTimeMilliseconds());
        Assert.Equal(1, after & 0xFFF);
    }

    [Fact]
    public void An_exhausted_sequence_borrows_the_next_millisecond_without_repeating_an_id()
    {
        var g = new SnowflakeIdGenerator(instance: 3, nowMs: () => T0);
        var ids = new List<long>();
        for (var i = 0; i < 4096 + 2; i++) ids.Add(g.Next());

        Assert.Equal(ids.Count, ids.Distinct().Count());
        Assert.Equal(ids.Order(), ids);
        Assert.Equal(4095, ids[4095] & 0xFFF);
        Assert.Equal(T0, SnowflakeIdGenerator.TimestampOf(ids[4095]).ToUnixTimeMilliseconds());
        Assert.Equal(((T0 + 1) << 22) | (3L << 12) | 0, ids[4096]);
        Assert.Equal(((T0 + 1) << 22) | (3L << 12) | 1, ids[4097]);
    }

    [Fact]
    public void Concurrent_callers_never_get_the_same_id()
    {
        var g = new SnowflakeIdGenerator(instance: 1);
        var bags = new long[4][];
        Parallel.For(0, 4, i =>
        {
            var mine = new long[2000];
            for (var j = 0; j < mine.Length; j++) mine[j] = g.Next();
            bags[i] = mine;
        });
        var all = bags.SelectMany(b => b).ToList();
        Assert.Equal(8000, all.Distinct().Count());
        Assert.All(bags, b => Assert.Equal(b.Order(), b));
    }

    [Fact]
    public void Real_clock_ids_exceed_2_to_the_53()
    {
        var id = new SnowflakeIdGenerator().Next();
        Assert.True(id > (1L << 53));
        Assert.InRange(SnowflakeIdGenerator.TimestampOf(id), DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddMinutes(1));
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(1024)]
    public void The_instance_must_fit_in_ten_bits(int instance)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new SnowflakeIdGenerator(instance));
        Assert.Equal("instance", e.ParamName);
    }

    [Fact]
    public void Instance_1023_is_the_largest_allowed()
    {
        var id = new SnowflakeIdGenerator(1023, () => T0).Next();
        Assert.Equal(1023, (int)((id >> 12) & 0x3FF));
    }

    [Fact]
    public void Ids_continue_above_the_last_issued_one_even_when_the_clock_is_behind_it()
    {
        var earlier = new SnowflakeIdGenerator(0, () => T0 + 5_000);
        var last = earlier.Next();
        // A restart whose clock stepped back five seconds.
        var restarted = new SnowflakeIdGenerator(0, () => T0, lastIssued: last);
        var a = restarted.Next();
        var b = restarted.Next();
        Assert.True(a > last, $"{a} <= {last}");
        Assert.True(b > a);
    }
}
