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

    /// <summary>
    /// Whether process <paramref name="pid"/>, as this process sees pids, is in the cgroup of container
    /// <paramref name="containerId"/> (a full id). The engine reports host pids: from inside another pid namespace (a
    /// runner in a container) the same number is some other process, which must not be signalled.
    /// </summary>
    public static bool InContainer(long pid, string containerId)
    {
        if (pid <= 0 || string.IsNullOrEmpty(containerId)) return false;
        try
        {
            return File.ReadAllText($"/proc/{pid}/cgroup").Contains(containerId, StringComparison.Ordinal);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false; // Gone, or not ours to look at.
        }
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int sig);
}
