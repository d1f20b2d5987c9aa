using System.Runtime.InteropServices;

namespace KohakuRiver.Daemon.Engine.Docker;

/// <summary>Signals to processes on this machine by their host pid (what exec inspect reports).</summary>
internal static class ProcessSignals
{
    public const int SigHup = 1;
    private const int NoSuchProcess = 3; // ESRCH

    /// <summary>Sends <paramref name="signal"/>; false when the process is already gone, an
    /// <see cref="IOException"/> for any other refusal (no permission, say).</summary>
    public static bool Send(long pid, int signal)
    {
        if (pid <= 0 || pid > int.MaxValue) throw new ArgumentOutOfRangeException(nameof(pid), pid, "not a process id");
        if (kill((int)pid, signal) == 0) return true;
        var errno = Marshal.GetLastPInvokeError();
        if (errno == NoSuchProcess) return false;
        throw new IOException($"kill({pid}, {signal}) failed: {Marshal.GetPInvokeErrorMessage(errno)}");
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int sig);
}
