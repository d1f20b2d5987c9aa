using KohakuRiver.Tests.Native;

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
        var library = NativeBuild.Require(Built.Value, "the NVML stand-in");
        var dir = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "kohakuriver-tests", "nvml-" + Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(dir);
        var path = System.IO.Path.Combine(dir, "libnvidia-ml.so.1");
        File.Copy(library, path);
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

    // No -soname: glibc would share every copy under one SONAME.
    private static (string?, string?) Build() => NativeBuild.Compile("fake_nvml.c", "libnvidia-ml.so.1", "-shared", "-fPIC");
}
