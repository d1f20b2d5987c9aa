using System.Diagnostics;
using System.Reflection;
using KohakuRiver.Tests.Docker;
using Xunit;

namespace KohakuRiver.Tests.Native;

/// <summary>
/// Builds a C program of tests/native/ with gcc into a folder of its own (removed when the test process ends), for the
/// stand-ins the tests need (the NVML library, the UDP echo server). A failure is a reason, not an exception, so each
/// caller builds once per process (<see cref="Lazy{T}"/>) and <see cref="Require"/> turns the reason into a skip, or a
/// failure under KOHAKURIVER_REQUIRE_DOCKER=1 (CI).
/// </summary>
internal static class NativeBuild
{
    /// <summary>Compiles tests/native/<paramref name="sourceName"/> to <paramref name="outputName"/> with
    /// <paramref name="gccFlags"/>; the output's path, or why there is none.</summary>
    public static (string? Path, string? Error) Compile(string sourceName, string outputName, params string[] gccFlags)
    {
        var root = typeof(NativeBuild).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .First(a => a.Key == "KohakuRiver.RepositoryRoot").Value!;
        var source = Path.Combine(root, "tests", "native", sourceName);
        if (!File.Exists(source)) return (null, $"{source} is missing");
        var gcc = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(d => Path.Combine(d, "gcc")).FirstOrDefault(File.Exists);
        if (gcc is null) return (null, "gcc is not on PATH (run .ci/setup, which installs it)");

        var dir = Path.Combine(Path.GetTempPath(), "kohakuriver-tests", $"{Path.GetFileNameWithoutExtension(sourceName)}-build-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
        };
        var output = Path.Combine(dir, outputName);
        var psi = new ProcessStartInfo(gcc, [.. gccFlags, "-O2", "-Wall", "-o", output, source])
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
            : (null, $"gcc {string.Join(' ', gccFlags)} exited with {process.ExitCode}: {stderr.Result}{stdout.Result}");
    }

    /// <summary>The built path; without one the calling test is skipped with the reason, or fails in CI.</summary>
    public static string Require((string? Path, string? Error) built, string what)
    {
        if (built.Path is { } path) return path;
        if (Environment.GetEnvironmentVariable(DockerFixture.RequireEnvironmentVariable) == "1")
            throw new InvalidOperationException($"{DockerFixture.RequireEnvironmentVariable}=1 but {what} cannot be built: {built.Error}");
        Assert.Skip($"{what} unavailable: {built.Error}");
        return null!;
    }
}
