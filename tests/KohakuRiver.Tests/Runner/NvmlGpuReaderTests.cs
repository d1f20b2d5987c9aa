using System.Runtime.CompilerServices;
using KohakuRiver.Core.Wire;
using KohakuRiver.Daemon.Runner.Resources.Gpu;
using KohakuRiver.Tests.Ssh;
using Xunit;

namespace KohakuRiver.Tests.Runner;

/// <summary>The runner's NVML reader against the stand-in library: its real loading and marshalling, the stand-in's
/// recorded answers (tests/native/fake_nvml.c).</summary>
public sealed class NvmlGpuReaderTests : IDisposable
{
    private readonly List<IDisposable> _owned = [];

    public void Dispose()
    {
        for (var i = _owned.Count - 1; i >= 0; i--) _owned[i].Dispose();
    }

    private (NvmlGpuReader Reader, ListLogger<NvmlGpuReader> Log, FakeNvmlLibrary Library) Reader(params string[] config)
    {
        var library = FakeNvmlLibrary.Create(config);
        _owned.Add(library);
        var log = new ListLogger<NvmlGpuReader>();
        var reader = new NvmlGpuReader(library.Path, Path.Combine(library.Directory, "sys"), log);
        _owned.Add(reader);
        return (reader, log, library);
    }

    private static readonly int[] Buses = [0x07, 0x0F, 0x47, 0x4E, 0x87, 0x90, 0xB7, 0xBD];

    /// <summary>What the stand-in answers for GPU <paramref name="i"/> on the first sample (see fake_nvml.c).</summary>
    private static void AssertRecorded(GpuInfo g, int i, int utilizationCall = 0)
    {
        Assert.Equal(i, g.GpuId);
        Assert.Equal("NVIDIA A100-SXM4-40GB", g.Name);
        Assert.Equal("535.183.01", g.DriverVersion);
        Assert.Equal($"{i / 8:X8}:{Buses[i % 8]:X2}:00.0", g.PciBusId);
        Assert.Equal((10 * i + utilizationCall) % 101, g.GpuUtilization);
        Assert.Equal(5 + 3 * i, g.MemUtilization);
        Assert.Equal(1410 - 15 * (i % 8), g.GraphicsClockMhz);
        Assert.Equal(1215, g.MemClockMhz);
        Assert.Equal(40960, g.MemoryTotalMib);
        Assert.Equal(1024 + 512 * i, g.MemoryUsedMib);
        Assert.Equal(40960 - 1024 - 512 * i, g.MemoryFreeMib);
        Assert.Equal(31 + i, g.Temperature);
        Assert.Equal(30 + 2 * i, g.FanSpeed);
        Assert.Equal(61000 + 1000 * i, g.PowerUsageMw);
        Assert.Equal(400000, g.PowerLimitMw);
        Assert.Equal(GpuInfo.Unavailable, g.NumaNode);
    }

    [Fact]
    public void The_native_structs_have_nvml_h_sizes()
    {
        Assert.Equal(68, Unsafe.SizeOf<NvmlPciInfo>());
        Assert.Equal(24, Unsafe.SizeOf<NvmlMemory>());
        Assert.Equal(8, Unsafe.SizeOf<NvmlUtilization>());
    }

    [Fact]
    public void Four_gpus_report_every_field_as_the_library_answered()
    {
        var (reader, log, _) = Reader();

        var gpus = reader.Sample();

        Assert.Equal(4, gpus.Count);
        for (var i = 0; i < 4; i++) AssertRecorded(gpus[i], i);
        Assert.Null(reader.UnavailableReason);
        Assert.Contains(log.Lines, l => l.StartsWith("Information: NVML: 4 GPU(s), driver 535.183.01", StringComparison.Ordinal));
    }

    [Fact]
    public void Eight_gpus_are_all_reported_with_distinct_bus_ids()
    {
        var (reader, _, _) = Reader("count=8");

        var gpus = reader.Sample();

        Assert.Equal(Enumerable.Range(0, 8), gpus.Select(g => g.GpuId));
        for (var i = 0; i < 8; i++) AssertRecorded(gpus[i], i);
        Assert.Equal(8, gpus.Select(g => g.PciBusId).Distinct().Count());
    }

    [Fact]
    public void Handles_are_kept_and_each_sample_reads_the_changing_figures_again()
    {
        var (reader, log, _) = Reader();

        reader.Sample();
        reader.Sample();
        var third = reader.Sample();

        for (var i = 0; i < 4; i++) AssertRecorded(third[i], i, utilizationCall: 2);
        Assert.Single(log.Lines, l => l.Contains("NVML: 4 GPU(s)", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("nvmlDeviceGetFanSpeed:3", "fan_speed")]
    [InlineData("nvmlDeviceGetTemperature", "temperature")]
    [InlineData("nvmlDeviceGetPowerUsage:3", "power_usage_mw")]
    [InlineData("nvmlDeviceGetEnforcedPowerLimit", "power_limit_mw")]
    [InlineData("nvmlDeviceGetMemoryInfo", "memory_total_mib,memory_used_mib,memory_free_mib")]
    [InlineData("nvmlDeviceGetUtilizationRates", "gpu_utilization,mem_utilization")]
    [InlineData("nvmlDeviceGetClockInfo", "graphics_clock_mhz,mem_clock_mhz")]
    public void A_failing_figure_is_minus_one_for_its_fields_only(string failure, string fields)
    {
        var (reader, _, _) = Reader("fail=" + failure);

        var gpus = reader.Sample();

        Assert.Equal(4, gpus.Count);
        var unavailable = fields.Split(',').ToHashSet();
        foreach (var g in gpus)
        {
            var figures = Figures(g);
            foreach (var (field, value) in figures)
            {
                if (unavailable.Contains(field)) Assert.True(value == GpuInfo.Unavailable, $"GPU {g.GpuId} {field} is {value}, expected -1");
                else if (field != "numa_node") Assert.True(value >= 0, $"GPU {g.GpuId} {field} is {value}, expected a figure");
            }
            Assert.Equal("NVIDIA A100-SXM4-40GB", g.Name);
        }
    }

    private static (string, long)[] Figures(GpuInfo g) =>
    [
        ("gpu_utilization", g.GpuUtilization), ("mem_utilization", g.MemUtilization), ("graphics_clock_mhz", g.GraphicsClockMhz),
        ("mem_clock_mhz", g.MemClockMhz), ("memory_total_mib", g.MemoryTotalMib), ("memory_used_mib", g.MemoryUsedMib),
        ("memory_free_mib", g.MemoryFreeMib), ("temperature", g.Temperature), ("fan_speed", g.FanSpeed),
        ("power_usage_mw", g.PowerUsageMw), ("power_limit_mw", g.PowerLimitMw), ("numa_node", g.NumaNode),
    ];

    [Fact]
    public void A_failing_driver_version_leaves_it_empty_and_the_gpus_reported()
    {
        var (reader, _, _) = Reader("fail=nvmlSystemGetDriverVersion");

        var gpus = reader.Sample();

        Assert.Equal(4, gpus.Count);
        Assert.All(gpus, g => Assert.Equal("", g.DriverVersion));
        Assert.All(gpus, g => Assert.Equal(40960, g.MemoryTotalMib));
    }

    [Fact]
    public void A_failing_init_gives_no_gpus_and_one_logged_reason()
    {
        var (reader, log, _) = Reader("fail=nvmlInit_v2:9");

        Assert.Empty(reader.Sample());
        Assert.Empty(reader.Sample());
        Assert.Empty(reader.Sample());

        Assert.Equal("nvmlInit_v2 failed: Driver Not Loaded (NVML error 9)", reader.UnavailableReason);
        Assert.Equal(["Warning: No GPUs reported: nvmlInit_v2 failed: Driver Not Loaded (NVML error 9)"], log.Lines);
    }

    [Fact]
    public void A_failing_init_is_tried_again_and_the_gpus_appear_when_it_succeeds()
    {
        var (reader, log, library) = Reader("fail=nvmlInit_v2");
        Assert.Empty(reader.Sample());

        library.Configure("count=2");

        Assert.Equal(2, reader.Sample().Count);
        Assert.Null(reader.UnavailableReason);
        Assert.Contains(log.Lines, l => l.Contains("NVML: 2 GPU(s)", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("nvmlDeviceGetCount_v2")]
    [InlineData("nvmlDeviceGetHandleByIndex_v2")]
    public void A_failing_count_or_handle_gives_no_gpus_with_the_call_named(string entry)
    {
        var (reader, log, _) = Reader("fail=" + entry);

        Assert.Empty(reader.Sample());
        Assert.Empty(reader.Sample());

        Assert.StartsWith(entry, reader.UnavailableReason);
        Assert.Contains("Unknown Error (NVML error 999)", reader.UnavailableReason);
        Assert.Single(log.Lines);
    }

    [Fact]
    public void A_library_path_that_does_not_exist_gives_no_gpus_logged_once_as_information()
    {
        var log = new ListLogger<NvmlGpuReader>();
        var missing = Path.Combine(Path.GetTempPath(), "kohakuriver-tests", Guid.NewGuid().ToString("N"), "libnvidia-ml.so.1");
        using var reader = new NvmlGpuReader(missing, "/sys", log);

        Assert.Empty(reader.Sample());
        Assert.Empty(reader.Sample());

        Assert.Contains(missing, reader.UnavailableReason);
        var line = Assert.Single(log.Lines);
        Assert.StartsWith("Information: No GPUs reported: no NVML library on this machine", line);
    }

    [Fact]
    public void A_bare_library_name_the_loader_cannot_find_is_a_machine_without_nvml()
    {
        var log = new ListLogger<NvmlGpuReader>();
        using var reader = new NvmlGpuReader("libkohakuriver-no-such-nvml.so.1", "/sys", log);

        Assert.Empty(reader.Sample());

        Assert.Contains("libkohakuriver-no-such-nvml.so.1", reader.UnavailableReason);
        Assert.StartsWith("Information: No GPUs reported: no NVML library on this machine", Assert.Single(log.Lines));
    }

    [Fact]
    public void A_library_that_is_not_nvml_gives_no_gpus_with_a_warning()
    {
        // Any shared object without NVML's entry points: the C library itself.
        var log = new ListLogger<NvmlGpuReader>();
        using var reader = new NvmlGpuReader("libc.so.6", "/sys", log);

        Assert.Empty(reader.Sample());

        Assert.Contains("has no entry point nvmlInit_v2", reader.UnavailableReason);
        Assert.StartsWith("Warning:", Assert.Single(log.Lines));
    }

    [Theory]
    [InlineData("")]
    [InlineData(null)]
    public void An_empty_library_path_turns_discovery_off(string? path)
    {
        var log = new ListLogger<NvmlGpuReader>();
        using var reader = new NvmlGpuReader(path, "/sys", log);

        Assert.Empty(reader.Sample());
        Assert.Empty(reader.Sample());

        Assert.Contains("gpu_library_path is empty", reader.UnavailableReason);
        Assert.Single(log.Lines);
    }

    [Theory]
    [InlineData(1000)]
    [InlineData(65)]
    public void An_implausible_gpu_count_gives_no_gpus_with_the_reason(int count)
    {
        var (reader, log, _) = Reader($"count={count}");

        Assert.Empty(reader.Sample());
        Assert.Empty(reader.Sample());

        Assert.Equal($"NVML reports {count} GPUs, more than the 64 any node may have; the answer is not believable", reader.UnavailableReason);
        Assert.Single(log.Lines);
    }

    [Fact]
    public void Sixty_four_gpus_are_still_believed()
    {
        var (reader, _, _) = Reader("count=64");
        Assert.Equal(64, reader.Sample().Count);
    }

    [Fact]
    public void No_gpus_is_an_empty_list_without_a_reason()
    {
        var (reader, _, _) = Reader("count=0");
        Assert.Empty(reader.Sample());
        Assert.Null(reader.UnavailableReason);
    }

    [Theory]
    [InlineData("unterminated")]
    [InlineData("utf8")]
    public void A_malformed_name_is_left_empty_and_the_rest_reported(string kind)
    {
        var (reader, log, _) = Reader("bad_name=" + kind, "count=2");

        var gpus = reader.Sample();

        Assert.Equal(2, gpus.Count);
        Assert.All(gpus, g => Assert.Equal("", g.Name));
        Assert.All(gpus, g => Assert.Equal(40960, g.MemoryTotalMib));
        Assert.Contains(log.Lines, l => l.Contains("GPU 0: NVML gave no usable name", StringComparison.Ordinal));
    }

    [Fact]
    public void The_numa_node_comes_from_the_pci_device_in_sysfs()
    {
        var (reader, _, library) = Reader("count=3");
        var devices = Path.Combine(library.Directory, "sys", "bus", "pci", "devices");
        Directory.CreateDirectory(Path.Combine(devices, "0000:07:00.0"));
        File.WriteAllText(Path.Combine(devices, "0000:07:00.0", "numa_node"), "1\n");
        Directory.CreateDirectory(Path.Combine(devices, "0000:0f:00.0"));
        File.WriteAllText(Path.Combine(devices, "0000:0f:00.0", "numa_node"), "-1\n");
        // GPU 2 (0000:47:00.0) has no sysfs entry at all.

        var gpus = reader.Sample();

        Assert.Equal([1, -1, -1], gpus.Select(g => g.NumaNode));
    }

    [Theory]
    [InlineData("00000000:3B:00.0", "0000:3b:00.0")]
    [InlineData("0000:3b:00.0", "0000:3b:00.0")]
    [InlineData("00010000:AF:1F.7", "10000:af:1f.7")]
    [InlineData("../../../etc/passwd", null)]
    [InlineData("00000000:3B:00.0/../x", null)]
    [InlineData("", null)]
    [InlineData(null, null)]
    public void Nvml_bus_ids_become_sysfs_addresses_and_nothing_else_does(string? nvml, string? sysfs) =>
        Assert.Equal(sysfs, PciNumaNode.SysfsAddress(nvml));

    [Fact]
    public void Samples_from_several_threads_never_overlap_in_the_library()
    {
        // The stand-in answers an error (so -1) when two utilisation calls overlap, and counts the calls without atomics.
        var (reader, _, _) = Reader("overlap_probe_us=200");
        var overlapped = 0;

        Parallel.For(0, 200, new ParallelOptions { MaxDegreeOfParallelism = 8 }, _ =>
        {
            var gpus = reader.Sample();
            if (gpus.Count != 4 || gpus.Any(g => g.GpuUtilization == GpuInfo.Unavailable)) Interlocked.Increment(ref overlapped);
        });

        Assert.Equal(0, overlapped);
        Assert.Equal(200 % 101, reader.Sample()[0].GpuUtilization);
    }

    [Fact]
    public void A_disposed_reader_reports_no_gpus()
    {
        var (reader, _, _) = Reader();
        Assert.Equal(4, reader.Sample().Count);

        reader.Dispose();

        Assert.Empty(reader.Sample());
    }
}
