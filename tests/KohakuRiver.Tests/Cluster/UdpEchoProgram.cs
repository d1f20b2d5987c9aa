using System.Diagnostics;
using System.Reflection;
using KohakuRiver.Tests.Docker;
using Xunit;

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
        var (built, error) = Built.Value;
        if (built is null)
        {
            if (Environment.GetEnvironmentVariable(DockerFixture.RequireEnvironmentVariable) == "1")
                throw new InvalidOperationException($"{DockerFixture.RequireEnvironmentVariable}=1 but the UDP echo server cannot be built: {error}");
            Assert.Skip($"UDP echo server unavailable: {error}");
        }
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        File.Copy(built!, path, overwrite: true);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute |
                                   UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
    }

    private static (string?, string?) Build()
    {
        var root = typeof(UdpEchoProgram).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .First(a => a.Key == "KohakuRiver.RepositoryRoot").Value!;
        var source = System.IO.Path.Combine(root, "tests", "native", "udp_echo.c");
        if (!File.Exists(source)) return (null, $"{source} is missing");
        var gcc = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(d => System.IO.Path.Combine(d, "gcc")).FirstOrDefault(File.Exists);
        if (gcc is null) return (null, "gcc is not on PATH (run .ci/setup, which installs it)");
        var dir = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "kohakuriver-tests", "udp-echo-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
        };
        var output = System.IO.Path.Combine(dir, "udp_echo");
        var psi = new ProcessStartInfo(gcc, ["-static", "-O2", "-Wall", "-o", output, source])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        using var process = Process.Start(psi)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromSeconds(120)))
        {
            process.Kill();
            return (null, "gcc did not finish within 120 s");
        }
        return process.ExitCode == 0 && File.Exists(output)
            ? (output, null)
            : (null, $"gcc -static exited with {process.ExitCode}: {stderr.Result}{stdout.Result}");
    }
}
