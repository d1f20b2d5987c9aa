namespace KohakuRiver.Core.Wire;

/// <summary>
/// One GPU as a runner reports it in registration and every heartbeat. The names and units are the reference's
/// (NVML through pynvml), so its clients read ours: integers, with -1 where the driver does not say.
/// <see cref="NumaNode"/> is ours (the reference's clients ignore it).
/// </summary>
public sealed class GpuInfo
{
    public const int Unavailable = -1;

    public int GpuId { get; set; }
    public string Name { get; set; } = "";
    public string DriverVersion { get; set; } = "";
    public string PciBusId { get; set; } = "";
    /// <summary>Percent of time a kernel ran over the last sample period.</summary>
    public int GpuUtilization { get; set; } = Unavailable;
    public int GraphicsClockMhz { get; set; } = Unavailable;
    /// <summary>Percent of time device memory was read or written over the last sample period.</summary>
    public int MemUtilization { get; set; } = Unavailable;
    public int MemClockMhz { get; set; } = Unavailable;
    public long MemoryTotalMib { get; set; } = Unavailable;
    public long MemoryUsedMib { get; set; } = Unavailable;
    public long MemoryFreeMib { get; set; } = Unavailable;
    /// <summary>Degrees Celsius.</summary>
    public int Temperature { get; set; } = Unavailable;
    /// <summary>Percent of the fan's top speed.</summary>
    public int FanSpeed { get; set; } = Unavailable;
    public long PowerUsageMw { get; set; } = Unavailable;
    public long PowerLimitMw { get; set; } = Unavailable;
    /// <summary>The NUMA node the GPU's PCI device hangs off (-1 when the machine does not say).</summary>
    public int NumaNode { get; set; } = Unavailable;
}
