using System.Runtime.InteropServices;

namespace KohakuRiver.Core.Terminals;

/// <summary>The few libc calls a raw terminal needs (Linux and macOS). termios is kept as an opaque buffer large enough
/// for every libc's layout, so nothing here depends on it.</summary>
internal static class PosixTerminal
{
    public const int StdIn = 0;
    public const int TermiosBufferSize = 256;
    private const int TcsaNow = 0;
    private const short PollIn = 0x001;
    private const int Eintr = 4;
    private const int EagainLinux = 11;
    private const int EagainMac = 35;

    // TIOCGWINSZ: _IOR('t', 104, struct winsize) on BSD/macOS; 0x5413 on Linux.
    private static readonly nuint TiocGwinsz = OperatingSystem.IsLinux() ? (nuint)0x5413 : 0x40087468;

    [StructLayout(LayoutKind.Sequential)]
    private struct PollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct WinSize
    {
        public ushort Rows;
        public ushort Cols;
        public ushort XPixel;
        public ushort YPixel;
    }

    [DllImport("libc", EntryPoint = "isatty")]
    private static extern int IsATty(int fd);

    [DllImport("libc", EntryPoint = "tcgetattr", SetLastError = true)]
    private static extern int TcGetAttr(int fd, byte[] termios);

    [DllImport("libc", EntryPoint = "tcsetattr", SetLastError = true)]
    private static extern int TcSetAttr(int fd, int optionalActions, byte[] termios);

    [DllImport("libc", EntryPoint = "cfmakeraw")]
    private static extern void CfMakeRaw(byte[] termios);

    [DllImport("libc", EntryPoint = "poll", SetLastError = true)]
    private static extern int Poll(ref PollFd fds, nuint count, int timeoutMs);

    [DllImport("libc", EntryPoint = "read", SetLastError = true)]
    private static extern nint Read(int fd, ref byte buffer, nuint count);

    [DllImport("libc", EntryPoint = "ioctl", SetLastError = true)]
    private static extern int IoctlWinSize(int fd, nuint request, out WinSize size);

    public static bool IsSupported => OperatingSystem.IsLinux() || OperatingSystem.IsMacOS() || OperatingSystem.IsFreeBSD();

    public static bool IsTerminal(int fd) => IsSupported && IsATty(fd) == 1;

    /// <summary>The terminal's settings now.</summary>
    public static byte[] GetAttributes(int fd)
    {
        var t = new byte[TermiosBufferSize];
        if (TcGetAttr(fd, t) != 0)
            throw new TerminalUnavailableException($"cannot read the terminal's settings (errno {Marshal.GetLastPInvokeError()})");
        return t;
    }

    public static void SetAttributes(int fd, byte[] termios)
    {
        // Retried on EINTR: a resize signal must not leave the terminal raw.
        for (var i = 0; i < 10; i++)
        {
            if (TcSetAttr(fd, TcsaNow, termios) == 0) return;
            if (Marshal.GetLastPInvokeError() != Eintr) break;
        }
        throw new TerminalUnavailableException($"cannot set the terminal's settings (errno {Marshal.GetLastPInvokeError()})");
    }

    public static byte[] MakeRaw(byte[] termios)
    {
        var raw = (byte[])termios.Clone();
        CfMakeRaw(raw);
        return raw;
    }

    /// <summary>Waits up to <paramref name="timeoutMs"/> for input: true when a read will not block.</summary>
    public static bool WaitReadable(int fd, int timeoutMs)
    {
        var p = new PollFd { Fd = fd, Events = PollIn };
        var n = Poll(ref p, 1, timeoutMs);
        if (n < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            if (errno == Eintr) return false;
            throw new IOException($"poll on the terminal failed (errno {errno})");
        }
        // POLLHUP/POLLERR count as readable: the read then says 0 or fails, which ends the input.
        return n > 0 && p.Revents != 0;
    }

    /// <summary>One read(2): the count, 0 at end of input, -1 when it would block or was interrupted.</summary>
    public static int ReadSome(int fd, Span<byte> buffer)
    {
        var n = Read(fd, ref MemoryMarshal.GetReference(buffer), (nuint)buffer.Length);
        if (n >= 0) return (int)n;
        var errno = Marshal.GetLastPInvokeError();
        if (errno is Eintr or EagainLinux or EagainMac) return -1;
        throw new IOException($"reading the terminal failed (errno {errno})");
    }

    public static TerminalSize? GetWindowSize(int fd)
    {
        // ioctl is variadic: on Apple silicon variadic arguments go on the stack, which P/Invoke does not do.
        if (OperatingSystem.IsLinux() && IoctlWinSize(fd, TiocGwinsz, out var ws) == 0 && ws.Rows > 0 && ws.Cols > 0)
            return new TerminalSize(ws.Rows, ws.Cols);
        try
        {
            var rows = Console.WindowHeight;
            var cols = Console.WindowWidth;
            return rows > 0 && cols > 0 ? new TerminalSize(rows, cols) : null;
        }
        catch (Exception e) when (e is IOException or PlatformNotSupportedException or InvalidOperationException)
        {
            return null;
        }
    }
}
