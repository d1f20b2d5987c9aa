using System.Globalization;

namespace KohakuRiver.Daemon.Runner.Resources;

/// <summary>
/// The CPU's temperature from sysfs: the hwmon drivers of CPU sensors (coretemp, k10temp, zenpower, an ARM SoC's
/// cpu_thermal) by their <c>name</c>, else the thermal zones whose <c>type</c> names the CPU or SoC. Other sensors
/// (disks, network cards, the GPU's) are left out, so the figures are the processor's. Null when nothing is readable,
/// as in most containers and virtual machines.
/// </summary>
public sealed class CpuTemperatureReader(string sysRoot = "/sys")
{
    private static readonly HashSet<string> CpuHwmonNames = new(StringComparer.OrdinalIgnoreCase)
    {
        "coretemp", "k10temp", "k8temp", "zenpower", "cpu_thermal", "cpu-thermal", "soc_thermal", "via_cputemp",
    };

    private static readonly string[] CpuZoneTypes = ["cpu", "x86_pkg_temp", "soc", "coretemp", "k10temp"];

    /// <summary>Readings outside this range (in millidegrees) are a sensor's "no value", not a temperature.</summary>
    private const long MinMilli = -40_000, MaxMilli = 150_000;

    public CpuTemperature? Read()
    {
        var readings = Hwmon();
        if (readings.Count == 0) readings = ThermalZones();
        if (readings.Count == 0) return null;
        return new CpuTemperature(Math.Round(readings.Average(), 1), readings.Max());
    }

    private List<double> Hwmon()
    {
        var readings = new List<double>();
        foreach (var dir in Subfolders(Path.Combine(sysRoot, "class", "hwmon"), "hwmon*"))
        {
            if (ReadText(Path.Combine(dir, "name")) is not { } name || !CpuHwmonNames.Contains(name)) continue;
            foreach (var input in Files(dir, "temp*_input"))
                if (ReadMilli(input) is { } c) readings.Add(c);
        }
        return readings;
    }

    private List<double> ThermalZones()
    {
        var readings = new List<double>();
        foreach (var dir in Subfolders(Path.Combine(sysRoot, "class", "thermal"), "thermal_zone*"))
        {
            if (ReadText(Path.Combine(dir, "type")) is not { } type
                || !CpuZoneTypes.Any(t => type.Contains(t, StringComparison.OrdinalIgnoreCase))) continue;
            if (ReadMilli(Path.Combine(dir, "temp")) is { } c) readings.Add(c);
        }
        return readings;
    }

    private static double? ReadMilli(string path) =>
        ReadText(path) is { } text && long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var milli)
        && milli is >= MinMilli and <= MaxMilli
            ? milli / 1000.0
            : null;

    private static string? ReadText(string path)
    {
        try
        {
            return File.Exists(path) ? File.ReadAllText(path).Trim() : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A sensor that errors on read (EIO, ENODATA from a sleeping device) is simply not counted.
            return null;
        }
    }

    // sysfs lists hwmon and thermal-zone folders as links into /sys/devices; the enumeration follows them.
    private static IEnumerable<string> Subfolders(string path, string pattern)
    {
        try
        {
            return Directory.Exists(path) ? Directory.GetDirectories(path, pattern).Order(StringComparer.Ordinal).ToList() : [];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }

    private static IEnumerable<string> Files(string path, string pattern)
    {
        try
        {
            return Directory.GetFiles(path, pattern);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }
}
