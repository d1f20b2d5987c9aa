using System.Runtime.InteropServices;

namespace KohakuRiver.Daemon.Runner.Resources.Gpu;

/// <summary>NVML's <c>nvmlMemory_t</c> (v1), in bytes; note the order: total, free, used.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct NvmlMemory
{
    public ulong Total;
    public ulong Free;
    public ulong Used;
}
