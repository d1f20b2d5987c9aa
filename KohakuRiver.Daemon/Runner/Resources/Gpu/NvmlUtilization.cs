using System.Runtime.InteropServices;

namespace KohakuRiver.Daemon.Runner.Resources.Gpu;

/// <summary>NVML's <c>nvmlUtilization_t</c>: percent of the last sample period a kernel ran, and memory was read or written.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct NvmlUtilization
{
    public uint Gpu;
    public uint Memory;
}
