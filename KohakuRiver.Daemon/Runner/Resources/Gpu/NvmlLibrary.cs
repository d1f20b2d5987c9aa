using System.Runtime.InteropServices;
using System.Text;

namespace KohakuRiver.Daemon.Runner.Resources.Gpu;

/// <summary>
/// The NVML entry points the runner uses, bound by name from a loaded libnvidia-ml (the driver's own library; no
/// nvidia-smi). Each method returns NVML's <c>nvmlReturn_t</c> (0 = success) and copies what the library wrote into
/// managed values, so no pointer escapes this class. Not safe for concurrent use: <see cref="NvmlGpuReader"/> calls
/// it under its lock.
/// </summary>
internal sealed unsafe class NvmlLibrary : IDisposable
{
    public const int Success = 0;
    /// <summary><c>NVML_DEVICE_NAME_V2_BUFFER_SIZE</c>.</summary>
    public const int NameBufferSize = 96;
    /// <summary><c>NVML_SYSTEM_DRIVER_VERSION_BUFFER_SIZE</c>.</summary>
    public const int DriverVersionBufferSize = 80;
    /// <summary><c>nvmlClockType_t</c> values.</summary>
    public const int ClockGraphics = 0, ClockMemory = 2;
    /// <summary><c>NVML_TEMPERATURE_GPU</c>.</summary>
    public const int TemperatureGpu = 0;
    /// <summary>How far <see cref="ErrorString"/> looks for the end of the library's message.</summary>
    private const int MaxErrorStringBytes = 256;

    private nint _handle;
    private readonly delegate* unmanaged<int> _init;
    private readonly delegate* unmanaged<int> _shutdown;
    private readonly delegate* unmanaged<int, byte*> _errorString;
    private readonly delegate* unmanaged<byte*, uint, int> _driverVersion;
    private readonly delegate* unmanaged<uint*, int> _count;
    private readonly delegate* unmanaged<uint, nint*, int> _handleByIndex;
    private readonly delegate* unmanaged<nint, byte*, uint, int> _name;
    private readonly delegate* unmanaged<nint, NvmlPciInfo*, int> _pciInfo;
    private readonly delegate* unmanaged<nint, NvmlUtilization*, int> _utilization;
    private readonly delegate* unmanaged<nint, int, uint*, int> _clock;
    private readonly delegate* unmanaged<nint, NvmlMemory*, int> _memory;
    private readonly delegate* unmanaged<nint, int, uint*, int> _temperature;
    private readonly delegate* unmanaged<nint, uint*, int> _fanSpeed;
    private readonly delegate* unmanaged<nint, uint*, int> _powerUsage;
    private readonly delegate* unmanaged<nint, uint*, int> _powerLimit;

    private NvmlLibrary(nint handle, Func<string, nint> export)
    {
        _handle = handle;
        _init = (delegate* unmanaged<int>)export("nvmlInit_v2");
        _shutdown = (delegate* unmanaged<int>)export("nvmlShutdown");
        _errorString = (delegate* unmanaged<int, byte*>)export("nvmlErrorString");
        _driverVersion = (delegate* unmanaged<byte*, uint, int>)export("nvmlSystemGetDriverVersion");
        _count = (delegate* unmanaged<uint*, int>)export("nvmlDeviceGetCount_v2");
        _handleByIndex = (delegate* unmanaged<uint, nint*, int>)export("nvmlDeviceGetHandleByIndex_v2");
        _name = (delegate* unmanaged<nint, byte*, uint, int>)export("nvmlDeviceGetName");
        _pciInfo = (delegate* unmanaged<nint, NvmlPciInfo*, int>)export("nvmlDeviceGetPciInfo_v3");
        _utilization = (delegate* unmanaged<nint, NvmlUtilization*, int>)export("nvmlDeviceGetUtilizationRates");
        _clock = (delegate* unmanaged<nint, int, uint*, int>)export("nvmlDeviceGetClockInfo");
        _memory = (delegate* unmanaged<nint, NvmlMemory*, int>)export("nvmlDeviceGetMemoryInfo");
        _temperature = (delegate* unmanaged<nint, int, uint*, int>)export("nvmlDeviceGetTemperature");
        _fanSpeed = (delegate* unmanaged<nint, uint*, int>)export("nvmlDeviceGetFanSpeed");
        _powerUsage = (delegate* unmanaged<nint, uint*, int>)export("nvmlDeviceGetPowerUsage");
        _powerLimit = (delegate* unmanaged<nint, uint*, int>)export("nvmlDeviceGetEnforcedPowerLimit");
    }

    /// <summary>Loads the library at <paramref name="path"/> (a bare name goes through the loader's search path) and binds
    /// every entry point. Null with the reason when it cannot; <paramref name="notFound"/> tells a machine without the
    /// library (the usual case on a node without NVIDIA's driver) from a library that is there but unusable.</summary>
    public static NvmlLibrary? TryLoad(string path, out string? reason, out bool notFound)
    {
        notFound = false;
        nint handle;
        try
        {
            handle = NativeLibrary.Load(path);
        }
        catch (DllNotFoundException e)
        {
            // The loader says "not found" and "wrong ELF class" alike through this exception; its message tells which.
            notFound = (Path.IsPathRooted(path) && !File.Exists(path)) || e.Message.Contains("No such file", StringComparison.Ordinal);
            reason = $"the NVML library '{path}' could not be loaded: {e.Message}";
            return null;
        }
        catch (BadImageFormatException e)
        {
            reason = $"'{path}' is not a loadable NVML library: {e.Message}";
            return null;
        }

        string? missing = null;
        var library = new NvmlLibrary(handle, name =>
        {
            if (NativeLibrary.TryGetExport(handle, name, out var address)) return address;
            missing ??= name;
            return 0;
        });
        if (missing is not null)
        {
            library.Dispose();
            reason = $"the library '{path}' has no entry point {missing}: it is not NVML, or one too old (before driver 390)";
            return null;
        }
        reason = null;
        return library;
    }

    public int Init() => _init();

    public int Shutdown() => _shutdown();

    /// <summary>NVML's words for a return code, with the code.</summary>
    public string ErrorString(int code)
    {
        // A static string of unknown length: look for its end byte by byte rather than read a fixed span past it.
        var p = _errorString(code);
        var length = 0;
        while (p is not null && length < MaxErrorStringBytes && p[length] != 0) length++;
        var text = p is null || length == MaxErrorStringBytes ? null : CString(p, length + 1);
        return text is null ? $"NVML error {code}" : $"{text} (NVML error {code})";
    }

    public int DriverVersion(out string? version)
    {
        var buffer = stackalloc byte[DriverVersionBufferSize];
        var r = _driverVersion(buffer, DriverVersionBufferSize);
        version = r == Success ? CString(buffer, DriverVersionBufferSize) : null;
        return r;
    }

    public int Count(out uint count)
    {
        uint n = 0;
        var r = _count(&n);
        count = n;
        return r;
    }

    public int HandleByIndex(uint index, out nint device)
    {
        nint d = 0;
        var r = _handleByIndex(index, &d);
        device = d;
        return r;
    }

    /// <summary>The device's name; <paramref name="name"/> is null when the library answered success with something
    /// that is not NUL-terminated UTF-8 within the buffer.</summary>
    public int Name(nint device, out string? name)
    {
        var buffer = stackalloc byte[NameBufferSize];
        var r = _name(device, buffer, NameBufferSize);
        name = r == Success ? CString(buffer, NameBufferSize) : null;
        return r;
    }

    /// <summary>The device's PCI bus id in NVML's form (00000000:3B:00.0); null as for <see cref="Name"/>.</summary>
    public int PciBusId(nint device, out string? busId)
    {
        NvmlPciInfo info = default;
        var r = _pciInfo(device, &info);
        busId = r == Success ? CString(info.BusId, NvmlPciInfo.BusIdSize) : null;
        return r;
    }

    public int Utilization(nint device, out NvmlUtilization utilization)
    {
        NvmlUtilization u = default;
        var r = _utilization(device, &u);
        utilization = u;
        return r;
    }

    public int Clock(nint device, int clockType, out uint mhz) => ReadUInt(device, clockType, _clock, out mhz);

    public int Memory(nint device, out NvmlMemory memory)
    {
        NvmlMemory m = default;
        var r = _memory(device, &m);
        memory = m;
        return r;
    }

    public int Temperature(nint device, out uint celsius) => ReadUInt(device, TemperatureGpu, _temperature, out celsius);

    public int FanSpeed(nint device, out uint percent) => ReadUInt(device, _fanSpeed, out percent);

    public int PowerUsage(nint device, out uint milliwatts) => ReadUInt(device, _powerUsage, out milliwatts);

    public int EnforcedPowerLimit(nint device, out uint milliwatts) => ReadUInt(device, _powerLimit, out milliwatts);

    private static int ReadUInt(nint device, delegate* unmanaged<nint, uint*, int> call, out uint value)
    {
        uint v = 0;
        var r = call(device, &v);
        value = v;
        return r;
    }

    private static int ReadUInt(nint device, int kind, delegate* unmanaged<nint, int, uint*, int> call, out uint value)
    {
        uint v = 0;
        var r = call(device, kind, &v);
        value = v;
        return r;
    }

    /// <summary>The text before the first NUL within <paramref name="size"/> bytes, or null when there is no NUL there
    /// or the bytes are not valid UTF-8 (a library we must not read past the buffer of, nor pass garbage on from).</summary>
    internal static string? CString(byte* text, int size)
    {
        if (text is null) return null;
        var bytes = new ReadOnlySpan<byte>(text, size);
        var end = bytes.IndexOf((byte)0);
        if (end < 0) return null;
        try
        {
            return StrictUtf8.GetString(bytes[..end]);
        }
        catch (DecoderFallbackException)
        {
            return null;
        }
    }

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Unloads the library (the caller shuts NVML down first).</summary>
    public void Dispose()
    {
        if (_handle == 0) return;
        NativeLibrary.Free(_handle);
        _handle = 0;
    }
}
