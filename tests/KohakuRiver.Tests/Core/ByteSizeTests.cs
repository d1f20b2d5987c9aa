using KohakuRiver.Core.Parsing;
using Xunit;

namespace KohakuRiver.Tests.Core;

public sealed class ByteSizeTests
{
    [Theory]
    [InlineData("0", 0L)]
    [InlineData("1048576", 1048576L)]
    [InlineData("10B", 10L)]
    [InlineData("1K", 1024L)]
    [InlineData("1KB", 1024L)]
    [InlineData("1KiB", 1024L)]
    [InlineData("512M", 536870912L)]
    [InlineData("512m", 536870912L)]
    [InlineData("512MB", 536870912L)]
    [InlineData("512MiB", 536870912L)]
    [InlineData("4G", 4294967296L)]
    [InlineData("4GB", 4294967296L)]
    [InlineData("4GiB", 4294967296L)]
    [InlineData("4gib", 4294967296L)]
    [InlineData("2T", 2199023255552L)]
    [InlineData("2TB", 2199023255552L)]
    [InlineData("2TiB", 2199023255552L)]
    [InlineData("1.5G", 1610612736L)]
    [InlineData("1.5g", 1610612736L)]
    [InlineData("0.5K", 512L)]
    [InlineData("4 G", 4294967296L)]
    [InlineData("  8M  ", 8388608L)]
    public void Sizes_use_powers_of_1024_for_every_suffix(string text, long expected)
    {
        Assert.True(ByteSize.TryParse(text, out var bytes, out var error), error);
        Assert.Null(error);
        Assert.Equal(expected, bytes);
        Assert.Equal(expected, ByteSize.Parse(text));
    }

    [Fact]
    public void Fractions_of_a_byte_are_rounded_to_the_nearest_byte()
    {
        // 1.0001 KiB = 1024.1024 bytes; 0.0009765625 KiB = exactly 1 byte
        Assert.Equal(1024L, ByteSize.Parse("1.0001K"));
        Assert.Equal(1L, ByteSize.Parse("0.0009765625K"));
    }

    [Theory]
    [InlineData("", "size is empty; expected a number of bytes or a number with K, M, G or T (e.g. 512M, 4G, 4GiB)")]
    [InlineData("   ", "size is empty; expected a number of bytes or a number with K, M, G or T (e.g. 512M, 4G, 4GiB)")]
    [InlineData("G", "size 'G' does not start with a non-negative number")]
    [InlineData("-1G", "size '-1G' does not start with a non-negative number")]
    [InlineData("1.2.3G", "size '1.2.3G' does not start with a non-negative number")]
    [InlineData("5X", "size '5X' has an unknown unit 'X'; use K, M, G or T (powers of 1024)")]
    [InlineData("5PB", "size '5PB' has an unknown unit 'PB'; use K, M, G or T (powers of 1024)")]
    [InlineData("5 kb extra", "size '5 kb extra' has an unknown unit 'kb extra'; use K, M, G or T (powers of 1024)")]
    [InlineData("99999999T", "size '99999999T' is too large")]
    public void Bad_sizes_are_refused_with_a_message(string text, string expected)
    {
        Assert.False(ByteSize.TryParse(text, out var bytes, out var error));
        Assert.Equal(0L, bytes);
        Assert.Equal(expected, error);
        Assert.Equal(expected, Assert.Throws<FormatException>(() => ByteSize.Parse(text)).Message);
    }

    [Fact]
    public void Null_is_an_empty_size()
    {
        Assert.False(ByteSize.TryParse(null, out _, out var error));
        Assert.StartsWith("size is empty", error);
    }

    [Theory]
    [InlineData(0L, "0 B")]
    [InlineData(1023L, "1023 B")]
    [InlineData(1024L, "1 KiB")]
    [InlineData(1536L, "1.5 KiB")]
    [InlineData(536870912L, "512 MiB")]
    [InlineData(157286400L, "150 MiB")]
    [InlineData(4294967296L, "4 GiB")]
    [InlineData(1649267441664L, "1.5 TiB")]
    [InlineData(1125899906842624L, "1024 TiB")]
    public void Format_writes_binary_units(long bytes, string expected) => Assert.Equal(expected, ByteSize.Format(bytes));
}
