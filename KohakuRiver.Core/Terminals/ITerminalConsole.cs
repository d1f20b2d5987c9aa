namespace KohakuRiver.Core.Terminals;

/// <summary>
/// The local end of an interactive terminal session: raw keyboard bytes in, the remote side's bytes out, the window
/// size and its changes. <see cref="PosixTerminalConsole"/> is the real one; tests bring their own.
/// </summary>
public interface ITerminalConsole
{
    /// <summary>The window's size now, or null when it cannot be told.</summary>
    TerminalSize? GetSize();

    /// <summary>
    /// Puts the terminal in raw mode (no echo, no line editing, no signals from Ctrl+C/Ctrl+Z/Ctrl+\, no output
    /// processing). Disposing the result restores exactly the settings found; it may be disposed more than once.
    /// </summary>
    IDisposable EnterRawMode();

    /// <summary>
    /// Waits for keyboard bytes and copies them into <paramref name="buffer"/>: the count, or 0 when the input has
    /// ended. Returns promptly (OperationCanceledException) once <paramref name="ct"/> is cancelled, so no keystroke
    /// is taken from whoever reads the terminal next.
    /// </summary>
    int Read(Span<byte> buffer, CancellationToken ct);

    /// <summary>Writes bytes to the terminal as they are.</summary>
    void Write(ReadOnlySpan<byte> bytes);

    /// <summary>Calls <paramref name="changed"/> (on any thread) when the window may have changed size, until disposed.</summary>
    IDisposable WatchResize(Action changed);
}
