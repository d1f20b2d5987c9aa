using System.Runtime.InteropServices;

namespace KohakuRiver.Daemon.Runner.Resources.Gpu;

/// <summary>NVML's <c>nvmlPciInfo_t</c> as <c>nvmlDeviceGetPciInfo_v3</c> fills it (68 bytes; the layout of nvml.h since
/// driver 390, the first with the legacy 16-byte id in front).</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct NvmlPciInfo
{
    public const int LegacyBusIdSize = 16;
    public const int BusIdSize = 32;

    /// <summary><c>NVML_DEVICE_PCI_BUS_ID_BUFFER_V2_SIZE</c>: "domain:bus:device.function" with a 4-digit domain.</summary>
    public fixed byte BusIdLegacy[LegacyBusIdSize];
    public uint Domain;
    public uint Bus;
    public uint Device;
    /// <summary>Device id in the high 16 bits, vendor id in the low 16.</summary>
    public uint PciDeviceId;
    public uint PciSubSystemId;
    /// <summary><c>NVML_DEVICE_PCI_BUS_ID_BUFFER_SIZE</c>: "domain:bus:device.function" with an 8-digit domain,
    /// e.g. 00000000:3B:00.0.</summary>
    public fixed byte BusId[BusIdSize];
}
