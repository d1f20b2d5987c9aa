using System.Runtime.InteropServices;

namespace KohakuRiver.Core.Terminals;

/// <summary>
/// The process's own terminal on Linux and macOS: raw mode through tcgetattr/cfmakeraw/tcsetattr on standard input,
/// keyboard bytes through poll()+read() on fd 0 (so a read can stop without taking a keystroke from whoever reads
/// next), the window size through TIOCGWINSZ, and resizes through SIGWINCH.
/// </summary>
public sealed class PosixTerminalConsole : ITerminalConsole
{
    private const int PollSliceMs = 50;
    private readonly Stream _stdout = Console.OpenStandardOutput();

    private PosixTerminalConsole()
    {
    }

    /// <summary>The process's terminal; a <see cref="TerminalUnavailableException"/> when standard input is not one.</summary>
    public static PosixTerminalConsole Open()
    {
        if (!PosixTerminal.IsSupported)
            throw new TerminalUnavailableException(
                $"interactive terminals are not supported on {RuntimeInformation.OSDescription} yet; use Invoke-RiverTaskCommand to run a command");
        if (!PosixTerminal.IsTerminal(PosixTerminal.StdIn))
            throw new TerminalUnavailableException(
                "standard input is not a terminal (it is redirected), so there is no keyboard to pass on; run this from an interactive terminal, or use Invoke-RiverTaskCommand to run a command");
        return new PosixTerminalConsole();
    }

    public TerminalSize? GetSize() => PosixTerminal.GetWindowSize(PosixTerminal.StdIn);

    public IDisposable EnterRawMode() => new RawMode(PosixTerminal.GetAttributes(PosixTerminal.StdIn));

    public int Read(Span<byte> buffer, CancellationToken ct)
    {
        while (true)
        {
            ct.ThrowIfCancellationRequested();
            if (!PosixTerminal.WaitReadable(PosixTerminal.StdIn, PollSliceMs)) continue;
            ct.ThrowIfCancellationRequested();
            var n = PosixTerminal.ReadSome(PosixTerminal.StdIn, buffer);
            if (n >= 0) return n;
        }
    }

    public void Write(ReadOnlySpan<byte> bytes)
    {
        _stdout.Write(bytes);
        _stdout.Flush();
    }

    public IDisposable WatchResize(Action changed)
    {
        if (OperatingSystem.IsWindows()) return new NoWatch();
        try
        {
            return PosixSignalRegistration.Create(PosixSignal.SIGWINCH, _ => changed());
        }
        catch (Exception e) when (e is PlatformNotSupportedException or IOException)
        {
            // The caller polls the size as well.
            return new NoWatch();
        }
    }

    private sealed class NoWatch : IDisposable
    {
        public void Dispose()
        {
        }
    }

    /// <summary>Raw mode until disposed, and restored at process exit too if it comes first (SIGTERM, Environment.Exit).</summary>
    private sealed class RawMode : IDisposable
    {
        private readonly byte[] _saved;
        private int _restored;

        public RawMode(byte[] saved)
        {
            _saved = saved;
            AppDomain.CurrentDomain.ProcessExit += OnExit;
            try
            {
                PosixTerminal.SetAttributes(PosixTerminal.StdIn, PosixTerminal.MakeRaw(saved));
            }
            catch
            {
                AppDomain.CurrentDomain.ProcessExit -= OnExit;
                throw;
            }
        }

        private void OnExit(object? sender, EventArgs e) => Dispose();

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _restored, 1) != 0) return;
            AppDomain.CurrentDomain.ProcessExit -= OnExit;
            try
            {
                PosixTerminal.SetAttributes(PosixTerminal.StdIn, _saved);
            }
            catch (TerminalUnavailableException)
            {
                // The terminal is gone (hung up): nothing left to restore.
            }
        }
    }
}
