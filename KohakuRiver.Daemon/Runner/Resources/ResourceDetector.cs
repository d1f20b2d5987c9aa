using System.Globalization;
using KohakuRiver.Core.Wire;
using KohakuRiver.Daemon.Configuration;

namespace KohakuRiver.Daemon.Runner.Resources;

/// <summary>What this machine offers (cores, memory, NUMA layout) and how busy it is, read from /proc and /sys.</summary>
public sealed class ResourceDetector(DaemonSettings settings)
{
    private (long Busy, long Total)? _lastCpu;

    public int Cores => settings.RunnerCores > 0 ? settings.RunnerCores : Environment.ProcessorCount;

    public long MemoryBytes => settings.RunnerMemoryBytes > 0 ? settings.RunnerMemoryBytes : ReadMemInfo().Total;

    public Dictionary<string, NumaNodeInfo> NumaTopology()
    {
        var result = new Dictionary<string, NumaNodeInfo>();
        const string root = "/sys/devices/system/node";
        if (Directory.Exists(root))
        {
            foreach (var dir in Directory.GetDirectories(root, "node*"))
            {
                if (!int.TryParse(Path.GetFileName(dir)[4..], out var id)) continue;
                var cpus = File.Exists(Path.Combine(dir, "cpulist")) ? ParseCpuList(File.ReadAllText(Path.Combine(dir, "cpulist"))) : [];
                long mem = 0;
                var meminfo = Path.Combine(dir, "meminfo");
                if (File.Exists(meminfo))
                {
                    var line = File.ReadLines(meminfo).FirstOrDefault(l => l.Contains("MemTotal:"));
                    if (line is not null) mem = ParseKb(line.Split(':')[1]);
                }
                result[id.ToString(CultureInfo.InvariantCulture)] = new NumaNodeInfo { Cores = cpus, MemoryBytes = mem };
            }
        }
        if (result.Count == 0)
            result["0"] = new NumaNodeInfo { Cores = Enumerable.Range(0, Environment.ProcessorCount).ToList(), MemoryBytes = ReadMemInfo().Total };
        return result;
    }

    /// <summary>CPU use since the previous call, in percent of all cores (null on the first call).</summary>
    public double? SampleCpuPercent()
    {
        try
        {
            var first = File.ReadLines("/proc/stat").First();
            var fields = first.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(long.Parse).ToArray();
            var idle = fields[3] + (fields.Length > 4 ? fields[4] : 0);
            var total = fields.Sum();
            var busy = total - idle;
            var previous = _lastCpu;
            _lastCpu = (busy, total);
            if (previous is not { } p || total == p.Total) return null;
            // iowait may step backwards between samples, so the share can stray outside 0-100, which the host refuses.
            return Math.Clamp(Math.Round(100.0 * (busy - p.Busy) / (total - p.Total), 1), 0, 100);
        }
        catch (IOException)
        {
            return null;
        }
    }

    public (long Total, long Used) ReadMemInfo()
    {
        long total = 0, available = 0;
        foreach (var line in File.ReadLines("/proc/meminfo"))
        {
            if (line.StartsWith("MemTotal:", StringComparison.Ordinal)) total = ParseKb(line[9..]);
            else if (line.StartsWith("MemAvailable:", StringComparison.Ordinal)) available = ParseKb(line[13..]);
        }
        return (total, total - available);
    }

    public static List<int> ParseCpuList(string text)
    {
        var list = new List<int>();
        foreach (var part in text.Trim().Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            var dash = part.IndexOf('-');
            if (dash < 0) list.Add(int.Parse(part, CultureInfo.InvariantCulture));
            else
                for (var i = int.Parse(part[..dash], CultureInfo.InvariantCulture); i <= int.Parse(part[(dash + 1)..], CultureInfo.InvariantCulture); i++)
                    list.Add(i);
        }
        return list;
    }

    private static long ParseKb(string text) =>
        long.Parse(text.Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
}
