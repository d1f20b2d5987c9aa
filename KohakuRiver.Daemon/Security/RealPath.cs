using System.Runtime.InteropServices;

namespace KohakuRiver.Daemon.Security;

/// <summary>
/// A host path as the kernel sees it: every symbolic link followed (including the magic links under /proc, so
/// <c>/proc/self/root</c> is <c>/</c>), <c>.</c> and <c>..</c> resolved, through libc's realpath(3). Comparing path text
/// is not enough to police mounts: <c>/var/run</c> is a link to <c>/run</c>, and anyone who can write a folder can put a
/// link to <c>/</c> in it.
/// </summary>
public static class RealPath
{
    private const int ENOENT = 2;
    private const int ENOTDIR = 20;

    public static RealPathResult Resolve(string path)
    {
        // The marshaller would cut the string at a NUL and resolve a different path.
        if (string.IsNullOrEmpty(path) || path.Contains('\0'))
            return new(RealPathOutcome.Failed, null, "the path is empty or contains a NUL character");
        var resolved = realpath(path, IntPtr.Zero);
        if (resolved == IntPtr.Zero)
        {
            var errno = Marshal.GetLastPInvokeError();
            return errno is ENOENT or ENOTDIR
                ? new(RealPathOutcome.Missing, null, null)
                : new(RealPathOutcome.Failed, null, Marshal.GetPInvokeErrorMessage(errno));
        }
        try
        {
            return new(RealPathOutcome.Resolved, Marshal.PtrToStringUTF8(resolved), null);
        }
        finally
        {
            free(resolved);
        }
    }

    /// <summary>The real path where it exists, else the path with only its text normalised.</summary>
    public static string ResolveOrNormalize(string path) =>
        Resolve(path) is { Outcome: RealPathOutcome.Resolved, Path: { } real } ? real : Normalize(path);

    /// <summary>Absolute, without trailing '/', '.' or '..' (text only: links are not followed).</summary>
    public static string Normalize(string path)
    {
        var full = System.IO.Path.GetFullPath(path).TrimEnd('/');
        return full.Length == 0 ? "/" : full;
    }

    /// <summary>Whether <paramref name="path"/> is <paramref name="folder"/> or lies inside it (both normalised).</summary>
    public static bool IsSameOrInside(string path, string folder) =>
        path == folder || folder == "/" || path.StartsWith(folder + "/", StringComparison.Ordinal);

    [DllImport("libc", SetLastError = true)]
    private static extern IntPtr realpath([MarshalAs(UnmanagedType.LPUTF8Str)] string path, IntPtr resolved);

    [DllImport("libc")]
    private static extern void free(IntPtr pointer);
}
