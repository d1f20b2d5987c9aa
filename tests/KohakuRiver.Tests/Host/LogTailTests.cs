using System.Text;
using KohakuRiver.Daemon.Host.Logs;
using Xunit;

namespace KohakuRiver.Tests.Host;

public sealed class LogTailTests
{
    private static string Tail(string content, int lines)
    {
        var bytes = Encoding.UTF8.GetBytes(content);
        using var s = new MemoryStream(bytes);
        var start = LogTail.StartOfLastLines(s, bytes.Length, lines);
        return Encoding.UTF8.GetString(bytes, (int)start, bytes.Length - (int)start);
    }

    [Theory]
    [InlineData("a\nb\nc\n", 1, "c\n")]
    [InlineData("a\nb\nc\n", 2, "b\nc\n")]
    [InlineData("a\nb\nc\n", 3, "a\nb\nc\n")]
    public void The_start_of_the_last_n_lines_with_a_trailing_newline(string content, int n, string expected) =>
        Assert.Equal(expected, Tail(content, n));

    [Theory]
    [InlineData("a\nb\nc", 1, "c")]
    [InlineData("a\nb\nc", 2, "b\nc")]
    [InlineData("one line", 1, "one line")]
    public void A_final_line_without_a_newline_counts_as_a_line(string content, int n, string expected) =>
        Assert.Equal(expected, Tail(content, n));

    [Fact]
    public void Empty_lines_are_lines()
    {
        Assert.Equal("\n", Tail("a\n\n", 1));
        Assert.Equal("a\n\n", Tail("a\n\n", 2));
        Assert.Equal("\nb\n", Tail("a\n\nb\n", 2));
    }

    [Theory]
    [InlineData("a\nb\n", 3)]
    [InlineData("a\nb\n", 1000)]
    [InlineData("a\nb", 5)]
    public void Asking_for_more_lines_than_the_file_has_gives_the_whole_file(string content, int n)
    {
        var bytes = Encoding.UTF8.GetBytes(content);
        Assert.Equal(0L, LogTail.StartOfLastLines(new MemoryStream(bytes), bytes.Length, n));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    public void Zero_lines_start_at_the_end(int n)
    {
        var bytes = Encoding.UTF8.GetBytes("a\nb\n");
        Assert.Equal(4L, LogTail.StartOfLastLines(new MemoryStream(bytes), bytes.Length, n));
    }

    [Fact]
    public void An_empty_file_starts_at_zero()
    {
        Assert.Equal(0L, LogTail.StartOfLastLines(new MemoryStream(), 0, 10));
    }

    [Fact]
    public void Only_bytes_before_the_given_end_are_considered()
    {
        var bytes = Encoding.UTF8.GetBytes("a\nb\nc\nd\n");
        // end = 6 sees "a\nb\nc\n"
        Assert.Equal(4L, LogTail.StartOfLastLines(new MemoryStream(bytes), 6, 1));
    }

    [Fact]
    public void Lines_are_found_across_64_KiB_blocks()
    {
        // 3 lines of 50 000 bytes each plus newline: 150 003 bytes, spanning three blocks.
        var line = new string('x', 50_000);
        var content = $"{line}\n{line}\n{line}\n";
        var bytes = Encoding.UTF8.GetBytes(content);
        using var s = new MemoryStream(bytes);
        Assert.Equal(100_002L, LogTail.StartOfLastLines(s, bytes.Length, 1));
        Assert.Equal(50_001L, LogTail.StartOfLastLines(s, bytes.Length, 2));
        Assert.Equal(0L, LogTail.StartOfLastLines(s, bytes.Length, 3));
    }

    [Fact]
    public void A_single_line_longer_than_a_block_is_one_line()
    {
        var big = new string('y', 200_000);
        var bytes = Encoding.UTF8.GetBytes($"first\n{big}");
        Assert.Equal(6L, LogTail.StartOfLastLines(new MemoryStream(bytes), bytes.Length, 1));
        Assert.Equal(0L, LogTail.StartOfLastLines(new MemoryStream(bytes), bytes.Length, 2));
    }

    [Fact]
    public void A_newline_exactly_at_a_block_boundary_is_counted_once()
    {
        // "head\n" + "mid\n" + 65 534 z + "\n" is 65 544 bytes: the last block read is bytes 8..65 543, so the newline
        // ending "mid" (byte 8) is the first byte of that block.
        const int block = 64 * 1024;
        var bytes = Encoding.UTF8.GetBytes("head\n" + "mid\n" + new string('z', block - 2) + "\n");
        Assert.Equal(block + 8, bytes.Length);
        Assert.Equal((byte)'\n', bytes[bytes.Length - block]);
        Assert.Equal(9L, LogTail.StartOfLastLines(new MemoryStream(bytes), bytes.Length, 1));
        Assert.Equal(5L, LogTail.StartOfLastLines(new MemoryStream(bytes), bytes.Length, 2));
        Assert.Equal(0L, LogTail.StartOfLastLines(new MemoryStream(bytes), bytes.Length, 3));
    }

    [Fact]
    public void It_works_on_a_real_file()
    {
        var path = Path.Combine(Path.GetTempPath(), $"logtail-{Guid.NewGuid():N}.log");
        try
        {
            File.WriteAllText(path, string.Concat(Enumerable.Range(1, 10_000).Select(i => $"line {i}\n")));
            using var f = File.OpenRead(path);
            var start = LogTail.StartOfLastLines(f, f.Length, 3);
            f.Position = start;
            Assert.Equal("line 9998\nline 9999\nline 10000\n", new StreamReader(f).ReadToEnd());
        }
        finally
        {
            File.Delete(path);
        }
    }
}
