namespace KohakuRiver.Daemon.Host.Logs;

/// <summary>Finds where the last N lines of a file start by reading backwards in blocks, never the whole file.</summary>
public static class LogTail
{
    private const int Block = 64 * 1024;

    /// <summary>The offset of the first byte of the last <paramref name="lines"/> lines before <paramref name="end"/>.
    /// A final line without a trailing newline counts as a line.</summary>
    public static long StartOfLastLines(Stream file, long end, int lines)
    {
        if (lines <= 0) return end;
        var buffer = new byte[Block];
        var pos = end;
        var newlines = 0;
        // A trailing newline ends the last line rather than starting an empty one.
        var skipTrailing = true;
        while (pos > 0)
        {
            var size = (int)Math.Min(Block, pos);
            pos -= size;
            file.Position = pos;
            file.ReadExactly(buffer, 0, size);
            for (var i = size - 1; i >= 0; i--)
            {
                if (buffer[i] != (byte)'\n') { skipTrailing = false; continue; }
                if (skipTrailing) { skipTrailing = false; continue; }
                if (++newlines == lines) return pos + i + 1;
            }
        }
        return 0;
    }
}
