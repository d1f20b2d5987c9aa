namespace KohakuRiver.Daemon.Engine;

/// <summary>
/// A process started in a running container with a terminal (<see cref="IContainerEngine.StartTtyExecAsync"/>): one
/// byte stream each way (what the terminal shows, what is typed), its window size, its end. Reads and writes may run
/// at the same time; one read and one write at a time.
/// </summary>
public interface ITtyExec : IAsyncDisposable
{
    /// <summary>The engine's id of this exec.</summary>
    string Id { get; }

    /// <summary>Reads what the terminal shows; 0 once the process has closed it (it ended, or its container
    /// stopped). A read waiting when the exec is disposed ends with 0 or an <see cref="IOException"/>.</summary>
    ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default);

    /// <summary>Types <paramref name="input"/> into the terminal.</summary>
    ValueTask WriteAsync(ReadOnlyMemory<byte> input, CancellationToken ct = default);

    /// <summary>Sets the terminal's window size (the process sees SIGWINCH).</summary>
    Task ResizeAsync(int rows, int cols, CancellationToken ct = default);

    /// <summary>The process's exit code once the engine has recorded it, waiting up to <paramref name="timeout"/> for
    /// that; -1 when it is not known by then (still running, or the engine lost it).</summary>
    Task<int> WaitExitAsync(TimeSpan timeout, CancellationToken ct = default);

    /// <summary>Sends SIGHUP to the process, as a terminal that goes away does; best effort, quiet when it has already
    /// ended. Closing the stream alone does not end a shell: the engine keeps the process and its terminal.</summary>
    Task HangUpAsync(CancellationToken ct = default);
}
