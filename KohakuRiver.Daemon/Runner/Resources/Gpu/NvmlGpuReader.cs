using KohakuRiver.Core.Wire;

namespace KohakuRiver.Daemon.Runner.Resources.Gpu;

/// <summary>
/// This machine's GPUs through NVML, as the runner reports them in registration and every heartbeat. It loads the
/// library and initialises NVML once, keeps the device handles (and what does not change: names, bus ids, NUMA
/// nodes) and reads the changing figures on each <see cref="Sample"/>. A figure NVML does not give (a fan on a
/// passively cooled card, say) is -1; when NVML cannot start, or answers nonsense, there are no GPUs, with one log
/// line per change of reason rather than one per heartbeat. Calls into the library never overlap.
/// </summary>
public sealed class NvmlGpuReader : IDisposable
{
    /// <summary>More GPUs than a request may name (and than any machine holds) means the library is not telling the truth.</summary>
    public const int MaxGpus = RequestLimits.MaxGpuIds;

    private readonly Lock _gate = new();
    private readonly string? _libraryPath;
    private readonly string _sysRoot;
    private readonly ILogger<NvmlGpuReader> _log;
    private NvmlLibrary? _library;
    private bool _initialised;
    private bool _givenUp;
    private bool _disposed;
    private List<Device>? _devices;
    private string _driverVersion = "";
    private string? _loggedReason;

    private sealed record Device(int Index, nint Handle, string Name, string PciBusId, int NumaNode);

    /// <param name="libraryPath">The NVML library (a bare name goes through the loader's search path); empty or null
    /// turns GPU discovery off.</param>
    /// <param name="sysRoot">Where sysfs is mounted (tests pass a folder of their own).</param>
    public NvmlGpuReader(string? libraryPath, string sysRoot, ILogger<NvmlGpuReader> log)
    {
        _libraryPath = string.IsNullOrWhiteSpace(libraryPath) ? null : libraryPath;
        _sysRoot = sysRoot;
        _log = log;
    }

    /// <summary>Why the last sample found no GPUs (null when it found them, or has not run).</summary>
    public string? UnavailableReason { get; private set; }

    /// <summary>Every GPU with its current figures; empty when there are none or NVML cannot be used. Never throws.</summary>
    public List<GpuInfo> Sample()
    {
        lock (_gate)
        {
            if (_disposed) return [];
            try
            {
                if (!EnsureStarted()) return [];
                var result = new List<GpuInfo>(_devices!.Count);
                foreach (var d in _devices) result.Add(Read(_library!, d));
                return result;
            }
            catch (Exception e)
            {
                // Nothing that goes wrong in here may stop the heartbeat that carries the node's other figures.
                StopNvml();
                Unavailable($"reading the GPUs failed: {e.GetType().Name}: {e.Message}", LogLevel.Warning);
                return [];
            }
        }
    }

    private GpuInfo Read(NvmlLibrary nvml, Device d)
    {
        var g = new GpuInfo
        {
            GpuId = d.Index,
            Name = d.Name,
            DriverVersion = _driverVersion,
            PciBusId = d.PciBusId,
            NumaNode = d.NumaNode,
        };
        if (nvml.Utilization(d.Handle, out var u) == NvmlLibrary.Success)
        {
            g.GpuUtilization = Percent(u.Gpu);
            g.MemUtilization = Percent(u.Memory);
        }
        if (nvml.Clock(d.Handle, NvmlLibrary.ClockGraphics, out var graphics) == NvmlLibrary.Success) g.GraphicsClockMhz = Whole(graphics);
        if (nvml.Clock(d.Handle, NvmlLibrary.ClockMemory, out var memClock) == NvmlLibrary.Success) g.MemClockMhz = Whole(memClock);
        // Used plus free above the total is a broken answer, not a figure to pass on.
        if (nvml.Memory(d.Handle, out var m) == NvmlLibrary.Success && m.Used <= m.Total && m.Free <= m.Total)
        {
            g.MemoryTotalMib = (long)(m.Total >> 20);
            g.MemoryUsedMib = (long)(m.Used >> 20);
            g.MemoryFreeMib = (long)(m.Free >> 20);
        }
        if (nvml.Temperature(d.Handle, out var temperature) == NvmlLibrary.Success) g.Temperature = Whole(temperature);
        if (nvml.FanSpeed(d.Handle, out var fan) == NvmlLibrary.Success) g.FanSpeed = Whole(fan);
        if (nvml.PowerUsage(d.Handle, out var power) == NvmlLibrary.Success) g.PowerUsageMw = power;
        if (nvml.EnforcedPowerLimit(d.Handle, out var limit) == NvmlLibrary.Success) g.PowerLimitMw = limit;
        return g;
    }

    /// <summary>A percentage the host accepts, or -1 (NVML's unsigned values can be anything when a library misbehaves).</summary>
    private static int Percent(uint value) => value <= 100 ? (int)value : GpuInfo.Unavailable;

    private static int Whole(uint value) => value <= int.MaxValue ? (int)value : GpuInfo.Unavailable;

    /// <summary>Loads and initialises NVML and lists the devices, unless that is done; false (with the reason recorded)
    /// when there are no GPUs to read. A missing library or a turned-off setting is final; a failing NVML is tried again
    /// on the next sample (the driver may load later).</summary>
    private bool EnsureStarted()
    {
        if (_devices is not null) return true;
        if (_givenUp) return false;
        if (_library is null)
        {
            if (_libraryPath is null)
            {
                _givenUp = true;
                Unavailable("GPU discovery is off (setting gpu_library_path is empty)", LogLevel.Information);
                return false;
            }
            _library = NvmlLibrary.TryLoad(_libraryPath, out var why, out var notFound);
            if (_library is null)
            {
                _givenUp = true;
                // A node without NVIDIA's driver is ordinary, not a fault.
                Unavailable(notFound ? $"no NVML library on this machine ({why})" : why!, notFound ? LogLevel.Information : LogLevel.Warning);
                return false;
            }
        }

        var nvml = _library;
        var r = nvml.Init();
        if (r != NvmlLibrary.Success) return Unavailable($"nvmlInit_v2 failed: {nvml.ErrorString(r)}", LogLevel.Warning);
        _initialised = true;

        r = nvml.Count(out var count);
        if (r != NvmlLibrary.Success) return StopWith($"nvmlDeviceGetCount_v2 failed: {nvml.ErrorString(r)}");
        if (count > MaxGpus) return StopWith($"NVML reports {count} GPUs, more than the {MaxGpus} any node may have; the answer is not believable");

        _driverVersion = nvml.DriverVersion(out var version) == NvmlLibrary.Success && version is not null ? version : "";
        var devices = new List<Device>((int)count);
        for (var i = 0; i < (int)count; i++)
        {
            r = nvml.HandleByIndex((uint)i, out var handle);
            if (r != NvmlLibrary.Success) return StopWith($"nvmlDeviceGetHandleByIndex_v2({i}) failed: {nvml.ErrorString(r)}");
            var name = nvml.Name(handle, out var n) == NvmlLibrary.Success ? n : null;
            if (name is null) _log.LogWarning("GPU {Index}: NVML gave no usable name (failed, or not NUL-terminated UTF-8 within {Size} bytes)", i, NvmlLibrary.NameBufferSize);
            var busId = nvml.PciBusId(handle, out var b) == NvmlLibrary.Success && PciNumaNode.SysfsAddress(b) is not null ? b : null;
            if (busId is null) _log.LogWarning("GPU {Index}: NVML gave no usable PCI bus id", i);
            devices.Add(new Device(i, handle, name ?? "", busId ?? "", PciNumaNode.Read(_sysRoot, busId)));
        }

        _devices = devices;
        UnavailableReason = null;
        _loggedReason = null;
        _log.LogInformation("NVML: {Count} GPU(s), driver {Driver}: {Names}", devices.Count, _driverVersion,
            devices.Count == 0 ? "none" : string.Join(", ", devices.Select(d => $"{d.Index} {d.Name} ({d.PciBusId}, NUMA node {d.NumaNode})")));
        return true;
    }

    private bool StopWith(string reason)
    {
        StopNvml();
        return Unavailable(reason, LogLevel.Warning);
    }

    private void StopNvml()
    {
        _devices = null;
        if (!_initialised || _library is null) return;
        _initialised = false;
        _library.Shutdown();
    }

    private bool Unavailable(string reason, LogLevel level)
    {
        UnavailableReason = reason;
        if (reason != _loggedReason)
        {
            _loggedReason = reason;
            _log.Log(level, "No GPUs reported: {Reason}", reason);
        }
        return false;
    }

    /// <summary>Shuts NVML down and unloads the library.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed) return;
            _disposed = true;
            StopNvml();
            _library?.Dispose();
            _library = null;
        }
    }
}
