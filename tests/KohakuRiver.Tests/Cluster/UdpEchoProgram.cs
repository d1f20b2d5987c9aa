using KohakuRiver.Tests.Native;

namespace KohakuRiver.Tests.Cluster;

/// <summary>
/// The UDP echo server of the port-forward tests (tests/native/udp_echo.c), built static with gcc once per test process
/// (the busybox image's nc speaks no UDP). Without gcc the calling test is skipped with the reason, unless
/// KOHAKURIVER_REQUIRE_DOCKER=1 (CI), where it fails.
/// </summary>
internal static class UdpEchoProgram
{
    private static readonly Lazy<(string? Path, string? Error)> Built = new(Build, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>Copies the program to <paramref name="path"/> (a task reaches it through the shared directory).</summary>
    public static void CopyTo(string path)
    {
        var built = NativeBuild.Require(Built.Value, "the UDP echo server");
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        File.Copy(built, path, overwrite: true);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute |
                                   UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
    }

    // Static: the busybox image has no C library.
    private static (string?, string?) Build() => NativeBuild.Compile("udp_echo.c", "udp_echo", "-static");
}
