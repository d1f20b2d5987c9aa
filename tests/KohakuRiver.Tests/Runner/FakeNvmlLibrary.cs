using System.Diagnostics;
using System.Reflection;
using KohakuRiver.Tests.Docker;
using Xunit;

namespace KohakuRiver.Tests.Runner;

/// <summary>
/// One copy of the NVML stand-in (tests/native/fake_nvml.c), compiled with gcc once per test process and copied to a
/// folder of its own with its configuration beside it (fake_nvml.conf, read at each nvmlInit_v2). Copies are distinct
/// files, so the loader gives each its own state even when several tests load one at the same time. Without gcc the
/// calling test is skipped with the reason, unless KOHAKURIVER_REQUIRE_DOCKER=1 (CI), where it fails.
/// </summary>
internal sealed class FakeNvmlLibrary : IDisposable
{
    private static readonly Lazy<(string? Library, string? Error)> Built = new(Build, LazyThreadSafetyMode.ExecutionAndPublication);

    private FakeNvmlLibrary(string directory, string path)
    {
        Directory = directory;
        Path = path;
    }

    /// <summary>The folder of this copy (a test may build a fake sysfs tree in it too).</summary>
    public string Directory { get; }

    /// <summary>The copy's libnvidia-ml.so.1, for gpu_library_path.</summary>
    public string Path { get; }

    /// <summary>A fresh copy configured with <paramref name="config"/> lines (count=N, fail=ENTRY[:CODE], bad_name=…).</summary>
    public static FakeNvmlLibrary Create(params string[] config)
    {
        var (library, error) = Built.Value;
        if (library is null)
        {
            if (Environment.GetEnvironmentVariable(DockerFixture.RequireEnvironmentVariable) == "1")
                throw new InvalidOperationException($"{DockerFixture.RequireEnvironmentVariable}=1 but the NVML stand-in cannot be built: {error}");
            Assert.Skip($"NVML stand-in unavailable: {error}");
        }
        var dir = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "kohakuriver-tests", "nvml-" + Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(dir);
        var path = System.IO.Path.Combine(dir, "libnvidia-ml.so.1");
        File.Copy(library!, path);
        var copy = new FakeNvmlLibrary(dir, path);
        copy.Configure(config);
        return copy;
    }

    /// <summary>Replaces the configuration; the stand-in reads it at its next nvmlInit_v2.</summary>
    public void Configure(params string[] config) =>
        File.WriteAllLines(System.IO.Path.Combine(Directory, "fake_nvml.conf"), config);

    public void Dispose()
    {
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static (string?, string?) Build()
    {
        var source = System.IO.Path.Combine(RepositoryRoot(), "tests", "native", "fake_nvml.c");
        if (!File.Exists(source)) return (null, $"{source} is missing");
        var gcc = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(d => System.IO.Path.Combine(d, "gcc")).FirstOrDefault(File.Exists);
        if (gcc is null) return (null, "gcc is not on PATH (run .ci/setup, which installs it)");

        var dir = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "kohakuriver-tests", "nvml-build-" + Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(dir);
        // Tests load copies of the build, never the build itself: it can go when the test process does.
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try { System.IO.Directory.Delete(dir, recursive: true); } catch (IOException) { }
        };
        var output = System.IO.Path.Combine(dir, "libnvidia-ml.so.1");
        // No -soname: glibc would share every copy under one SONAME.
        var psi = new ProcessStartInfo(gcc, ["-shared", "-fPIC", "-O2", "-Wall", "-o", output, source])
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
            : (null, $"gcc exited with {process.ExitCode}: {stderr.Result}{stdout.Result}");
    }

    private static string RepositoryRoot() =>
        typeof(FakeNvmlLibrary).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .First(a => a.Key == "KohakuRiver.RepositoryRoot").Value!;
}
