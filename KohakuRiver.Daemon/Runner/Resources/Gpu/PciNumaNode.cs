using System.Globalization;
using System.Text.RegularExpressions;

namespace KohakuRiver.Daemon.Runner.Resources.Gpu;

/// <summary>The NUMA node a PCI device hangs off, from sysfs (<c>/sys/bus/pci/devices/&lt;address&gt;/numa_node</c>).</summary>
public static partial class PciNumaNode
{
    /// <summary>NVML's bus id (8-digit domain, upper case: 00000000:3B:00.0) in sysfs's form (4-digit domain, lower
    /// case: 0000:3b:00.0); null when it is not a PCI address, so that nothing else ever becomes part of a path.</summary>
    public static string? SysfsAddress(string? nvmlBusId)
    {
        if (nvmlBusId is null) return null;
        var m = BusId().Match(nvmlBusId);
        if (!m.Success) return null;
        var domain = uint.Parse(m.Groups["domain"].Value, NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        // sysfs writes domains above 0xffff with all their digits.
        return $"{domain:x4}:{m.Groups["rest"].Value.ToLowerInvariant()}";
    }

    /// <summary>The device's NUMA node, or -1 when sysfs does not say (no such file, a single-node machine's -1, garbage).</summary>
    public static int Read(string sysRoot, string? nvmlBusId)
    {
        if (SysfsAddress(nvmlBusId) is not { } address) return Core.Wire.GpuInfo.Unavailable;
        try
        {
            var text = File.ReadAllText(Path.Combine(sysRoot, "bus", "pci", "devices", address, "numa_node")).Trim();
            return int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var node) && node >= 0 && node < 4096
                ? node
                : Core.Wire.GpuInfo.Unavailable;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return Core.Wire.GpuInfo.Unavailable;
        }
    }

    [GeneratedRegex(@"^(?<domain>[0-9A-Fa-f]{1,8}):(?<rest>[0-9A-Fa-f]{2}:[0-9A-Fa-f]{2}\.[0-7])$")]
    private static partial Regex BusId();
}
