using System.Text;

namespace KohakuRiver.Core.Terminals;

/// <summary>
/// Joins the local terminal to a remote one: the local terminal goes raw (so Ctrl+C, Ctrl+Z and every other key reach
/// the remote shell as bytes), keystrokes go out as they are read, output is written as it arrives, and window size
/// changes follow (SIGWINCH, plus a poll every <see cref="ResizePollInterval"/> for terminals that do not signal).
/// <see cref="DetachKey"/> (Ctrl+]) ends the session from this side. Whatever ends it — the shell's exit, the detach
/// key, the end of input, a lost connection, cancellation or an exception — the terminal's settings are restored
/// before this returns or throws, after the keyboard reader has stopped.
/// </summary>
public static class InteractiveTerminal
{
    /// <summary>Ctrl+]: closes the session and returns to the local prompt, as in telnet.</summary>
    public const byte DetachKey = 0x1D;

    public const string DetachKeyName = "Ctrl+]";

    public static readonly TimeSpan ResizePollInterval = TimeSpan.FromMilliseconds(500);

    /// <summary>How long a session ended from this side waits for the server to answer its close.</summary>
    private static readonly TimeSpan CloseWait = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Opens the session at the console's window size (<paramref name="open"/> gets it for the initial size) and runs it;
    /// the connection is closed and disposed whatever happens. A refused open throws before the terminal goes raw.
    /// </summary>
    public static async Task<TerminalSessionResult> ConnectAndRunAsync(Func<TerminalSize?, CancellationToken, Task<TerminalConnection>> open,
        ITerminalConsole console, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(open);
        ArgumentNullException.ThrowIfNull(console);
        var size = console.GetSize();
        await using var connection = await open(size is { IsValid: true } ? size : null, ct).ConfigureAwait(false);
        return await RunAsync(connection, console, size, ct).ConfigureAwait(false);
    }

    public static async Task<TerminalSessionResult> RunAsync(TerminalConnection connection, ITerminalConsole console,
        TerminalSize? initialSize, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(console);
        var errors = new List<string>();
        using var raw = console.EnterRawMode();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        // Resizes come from the signal handler and the poll at once: each check sends the newest size under one lock,
        // so the last message the server gets is the window's latest size whatever order the sends start in.
        var sizeGate = new object();
        var lastSize = initialSize;
        var sentSize = initialSize;
        using var resizeLock = new SemaphoreSlim(1, 1);
        async Task SendLatestSizeAsync()
        {
            try
            {
                await resizeLock.WaitAsync(stop.Token).ConfigureAwait(false);
                try
                {
                    TerminalSize? latest;
                    lock (sizeGate) latest = lastSize;
                    if (latest is not { } size || size == sentSize) return;
                    await connection.ResizeAsync(size, stop.Token).ConfigureAwait(false);
                    sentSize = size;
                }
                finally
                {
                    resizeLock.Release();
                }
            }
            catch (Exception e) when (e is Client.RiverApiException or OperationCanceledException or ObjectDisposedException)
            {
                // The session is ending; the output side says why.
            }
        }

        void CheckSize()
        {
            var now = console.GetSize();
            lock (sizeGate)
            {
                if (now is not { IsValid: true } s || s == lastSize) return;
                lastSize = s;
            }
            _ = SendLatestSizeAsync();
        }

        using var watch = console.WatchResize(CheckSize);
        // The output side is not cancelled with the rest: cancelling a pending receive aborts the socket, and a session
        // ended from this side should close normally (the server then hangs up the shell). It is aborted only when the
        // server does not answer the close in time.
        using var abort = new CancellationTokenSource();
        var input = Task.Factory.StartNew(() => PumpInput(connection, console, stop.Token), stop.Token,
            TaskCreationOptions.LongRunning, TaskScheduler.Default);
        var output = PumpOutputAsync(connection, console, errors, abort.Token);
        var poll = PollSizeAsync(CheckSize, stop.Token);
        var cancelled = Task.Delay(Timeout.Infinite, ct);
        CheckSize();

        TerminalSessionResult result;
        try
        {
            var first = await Task.WhenAny(input, output, cancelled).ConfigureAwait(false);
            result = first == cancelled || first.IsCanceled
                ? new TerminalSessionResult { Ending = TerminalEnding.Stopped }
                : await ((Task<TerminalSessionResult>)first).ConfigureAwait(false);
        }
        finally
        {
            // Stop the keyboard reader before the terminal is restored, so it takes no keystroke meant for the prompt.
            await stop.CancelAsync().ConfigureAwait(false);
            await Quietly(input).ConfigureAwait(false);
            if (!output.IsCompleted)
            {
                await connection.CloseAsync(CloseWait).ConfigureAwait(false);
                if (await Task.WhenAny(output, Task.Delay(CloseWait)).ConfigureAwait(false) != output) await abort.CancelAsync().ConfigureAwait(false);
            }
            await Quietly(output).ConfigureAwait(false);
            await Quietly(poll).ConfigureAwait(false);
        }
        if (ct.IsCancellationRequested && result.Ending != TerminalEnding.Exited) result = new TerminalSessionResult { Ending = TerminalEnding.Stopped };
        return new TerminalSessionResult { Ending = result.Ending, ExitCode = result.ExitCode, Reason = result.Reason, Errors = errors };
    }

    private static TerminalSessionResult PumpInput(TerminalConnection connection, ITerminalConsole console, CancellationToken ct)
    {
        var buffer = new byte[4096];
        while (true)
        {
            int n;
            try
            {
                n = console.Read(buffer, ct);
            }
            catch (IOException e)
            {
                return new TerminalSessionResult { Ending = TerminalEnding.InputEnded, Reason = e.Message };
            }
            if (n == 0) return new TerminalSessionResult { Ending = TerminalEnding.InputEnded };
            var detach = Array.IndexOf(buffer, DetachKey, 0, n);
            var send = detach < 0 ? n : detach;
            if (send > 0)
            {
                try
                {
                    connection.SendInputAsync(buffer.AsMemory(0, send), ct).GetAwaiter().GetResult();
                }
                catch (Client.RiverApiException e)
                {
                    // The output side reports the loss with the server's words when it can; this is the fallback.
                    return new TerminalSessionResult { Ending = TerminalEnding.ConnectionLost, Reason = e.Detail };
                }
            }
            if (detach >= 0) return new TerminalSessionResult { Ending = TerminalEnding.Detached };
        }
    }

    private static async Task<TerminalSessionResult> PumpOutputAsync(TerminalConnection connection, ITerminalConsole console,
        List<string> errors, CancellationToken ct)
    {
        var bytes = new byte[16 * 1024];
        while (true)
        {
            var e = await connection.ReceiveAsync(ct).ConfigureAwait(false);
            switch (e.Kind)
            {
                case TerminalEventKind.Output:
                    var n = connection.EncodeOutput(e.Text!, ref bytes);
                    console.Write(bytes.AsSpan(0, n));
                    break;
                case TerminalEventKind.Error:
                    lock (errors) errors.Add(e.Text ?? "");
                    // Raw mode: no output processing, so the line ends are spelled out.
                    console.Write(Encoding.UTF8.GetBytes($"\r\n[kohakuriver] {e.Text}\r\n"));
                    break;
                case TerminalEventKind.Exit:
                    return new TerminalSessionResult { Ending = TerminalEnding.Exited, ExitCode = e.ExitCode };
                case TerminalEventKind.Closed:
                    return new TerminalSessionResult { Ending = TerminalEnding.ConnectionLost, Reason = e.Text ?? "the server closed the session without an exit code" };
            }
        }
    }

    private static async Task PollSizeAsync(Action check, CancellationToken ct)
    {
        using var timer = new PeriodicTimer(ResizePollInterval);
        while (await timer.WaitForNextTickAsync(ct).ConfigureAwait(false)) check();
    }

    private static async Task Quietly(Task task)
    {
        try
        {
            await task.ConfigureAwait(false);
        }
        catch (Exception)
        {
            // Already ended or cancelled; the result says how the session went.
        }
    }
}
