using KohakuRiver.Daemon.Runner.Resources;
using Xunit;

namespace KohakuRiver.Tests.Runner;

/// <summary>CPU temperature from a fake sysfs tree laid out as the kernel's: class folders of links into /sys/devices.</summary>
public sealed class CpuTemperatureReaderTests : IDisposable
{
    private readonly string _sys = Path.Combine(Path.GetTempPath(), "kohakuriver-unit", "sys-" + Guid.NewGuid().ToString("N"));

    public void Dispose() => Directory.Delete(_sys, recursive: true);

    private CpuTemperature? Read() => new CpuTemperatureReader(_sys).Read();

    /// <summary>A hwmon device under /sys/devices with its class link, as the kernel lays it out.</summary>
    private void Hwmon(int index, string name, params (string File, string Value)[] files)
    {
        var device = Path.Combine(_sys, "devices", "platform", $"{name}.{index}", "hwmon", $"hwmon{index}");
        Directory.CreateDirectory(device);
        File.WriteAllText(Path.Combine(device, "name"), name + "\n");
        foreach (var (file, value) in files) File.WriteAllText(Path.Combine(device, file), value + "\n");
        var classDir = Path.Combine(_sys, "class", "hwmon");
        Directory.CreateDirectory(classDir);
        File.CreateSymbolicLink(Path.Combine(classDir, $"hwmon{index}"), device);
    }

    private void Zone(int index, string type, string temp)
    {
        var dir = Path.Combine(_sys, "devices", "virtual", "thermal", $"thermal_zone{index}");
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "type"), type + "\n");
        File.WriteAllText(Path.Combine(dir, "temp"), temp + "\n");
        var classDir = Path.Combine(_sys, "class", "thermal");
        Directory.CreateDirectory(classDir);
        File.CreateSymbolicLink(Path.Combine(classDir, $"thermal_zone{index}"), dir);
    }

    [Fact]
    public void Cpu_hwmon_sensors_give_the_average_and_the_hottest_and_other_sensors_are_left_out()
    {
        Hwmon(0, "nvme", ("temp1_input", "61850"));
        Hwmon(1, "coretemp", ("temp1_input", "52000"), ("temp2_input", "45000"), ("temp3_input", "47000"), ("temp1_label", "Package id 0"));
        Hwmon(2, "k10temp", ("temp1_input", "40500"));
        Zone(0, "x86_pkg_temp", "99000");

        var t = Read();

        Assert.Equal(new CpuTemperature(46.1, 52.0), t);
    }

    [Fact]
    public void Without_a_cpu_hwmon_sensor_the_cpu_thermal_zones_are_read()
    {
        Hwmon(0, "acpitz", ("temp1_input", "27800"));
        Zone(0, "acpitz", "27800");
        Zone(1, "x86_pkg_temp", "55000");
        Zone(2, "cpu-thermal", "48000");
        Zone(3, "iwlwifi_1", "41000");

        Assert.Equal(new CpuTemperature(51.5, 55.0), Read());
    }

    [Fact]
    public void Unreadable_and_implausible_readings_are_skipped()
    {
        Hwmon(0, "coretemp", ("temp1_input", "garbage"), ("temp2_input", "-273000"), ("temp3_input", "999999"), ("temp4_input", "50000"), ("temp5_input", ""));

        Assert.Equal(new CpuTemperature(50.0, 50.0), Read());
    }

    [Fact]
    public void Nothing_readable_is_null()
    {
        Assert.Null(Read());
        Hwmon(0, "nvme", ("temp1_input", "40000"));
        Zone(0, "acpitz", "30000");
        Assert.Null(Read());
    }
}
