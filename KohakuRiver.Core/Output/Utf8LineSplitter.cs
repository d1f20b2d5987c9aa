using System.Text;

namespace KohakuRiver.Core.Output;

/// <summary>
/// Cuts a byte stream into lines at <c>\n</c> (dropping a <c>\r</c> before it) and decodes each whole line as
/// UTF-8, so a character split across two reads is never garbled: bytes after the last newline wait for the next
/// chunk, or for <see cref="Flush"/> at the end.
/// </summary>
public sealed class Utf8LineSplitter
{
    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: false);
    private byte[] _pending = new byte[256];
    private int _count;

    /// <summary>Bytes held back because no newline has followed them yet.</summary>
    public int PendingBytes => _count;

    public void Append(ReadOnlySpan<byte> chunk, ICollection<string> lines)
    {
        while (!chunk.IsEmpty)
        {
            var nl = chunk.IndexOf((byte)'\n');
            if (nl < 0)
            {
                Hold(chunk);
                return;
            }
            if (_count == 0)
            {
                lines.Add(Decode(chunk[..nl]));
            }
            else
            {
                Hold(chunk[..nl]);
                lines.Add(Decode(_pending.AsSpan(0, _count)));
                _count = 0;
            }
            chunk = chunk[(nl + 1)..];
        }
    }

    /// <summary>The last line if it had no newline (null when nothing is held).</summary>
    public string? Flush()
    {
        if (_count == 0) return null;
        var line = Decode(_pending.AsSpan(0, _count));
        _count = 0;
        return line;
    }

    private void Hold(ReadOnlySpan<byte> bytes)
    {
        if (_count + bytes.Length > _pending.Length)
            Array.Resize(ref _pending, Math.Max(_pending.Length * 2, _count + bytes.Length));
        bytes.CopyTo(_pending.AsSpan(_count));
        _count += bytes.Length;
    }

    private static string Decode(ReadOnlySpan<byte> line)
    {
        if (!line.IsEmpty && line[^1] == (byte)'\r') line = line[..^1];
        return Utf8.GetString(line);
    }
}
