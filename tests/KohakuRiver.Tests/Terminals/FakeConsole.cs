using System.Collections.Concurrent;
using System.Text;
using KohakuRiver.Core.Terminals;

namespace KohakuRiver.Tests.Terminals;

/// <summary>A terminal for <see cref="InteractiveTerminal"/> tests: keystrokes queued by the test, output collected,
/// a size the test changes, and a record of raw mode being entered and restored.</summary>
public sealed class FakeConsole : ITerminalConsole
{
    private readonly BlockingCollection<byte[]> _keys = new();
    private readonly MemoryStream _screen = new();
    private Action? _resized;

    public TerminalSize? Size { get; set; } = new TerminalSize(40, 120);

    public int RawEntered { get; private set; }

    public int RawRestored;

    /// <summary>Set when the terminal was restored while the keyboard reader was still reading (it must not be).</summary>
    public volatile bool ReadingAtRestore;

    /// <summary>True while a Read is waiting in the console (the keyboard reader is alive).</summary>
    public volatile bool Reading;

    /// <summary>Thrown by the next Write, to see that an exception still restores the terminal.</summary>
    public Exception? FailNextWrite { get; set; }

    public string Screen
    {
        get
        {
            lock (_screen) return Encoding.UTF8.GetString(_screen.ToArray());
        }
    }

    public void Type(string text) => _keys.Add(Encoding.UTF8.GetBytes(text));

    public void Type(params byte[] bytes) => _keys.Add(bytes);

    /// <summary>Ends the input (what a read of 0 bytes means).</summary>
    public void EndInput() => _keys.Add([]);

    public void Resize(int rows, int cols)
    {
        Size = new TerminalSize(rows, cols);
        _resized?.Invoke();
    }

    public TerminalSize? GetSize() => Size;

    public IDisposable EnterRawMode()
    {
        RawEntered++;
        return new Restore(this);
    }

    public int Read(Span<byte> buffer, CancellationToken ct)
    {
        Reading = true;
        try
        {
            var bytes = _keys.Take(ct);
            bytes.CopyTo(buffer);
            return bytes.Length;
        }
        finally
        {
            Reading = false;
        }
    }

    public void Write(ReadOnlySpan<byte> bytes)
    {
        if (FailNextWrite is { } e)
        {
            FailNextWrite = null;
            throw e;
        }
        lock (_screen) _screen.Write(bytes);
    }

    public IDisposable WatchResize(Action changed)
    {
        _resized = changed;
        return new Unwatch(this);
    }

    private sealed class Restore(FakeConsole console) : IDisposable
    {
        public void Dispose()
        {
            if (console.Reading) console.ReadingAtRestore = true;
            Interlocked.Increment(ref console.RawRestored);
        }
    }

    private sealed class Unwatch(FakeConsole console) : IDisposable
    {
        public void Dispose() => console._resized = null;
    }
}
