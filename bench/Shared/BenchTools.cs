using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace KohakuRiver.Bench.Shared;

/// <summary>Measuring helpers every benchmark program here shares (each links this file in).</summary>
internal static class BenchTools
{
    /// <summary>The p-quantile (0..1) with linear interpolation between the nearest ranks.</summary>
    public static double Percentile(IEnumerable<double> values, double p)
    {
        var s = values.OrderBy(x => x).ToList();
        var rank = p * (s.Count - 1);
        var lo = (int)Math.Floor(rank);
        var hi = (int)Math.Ceiling(rank);
        return s[lo] + (s[hi] - s[lo]) * (rank - lo);
    }

    /// <summary>A process's resident memory in MiB, from /proc (NaN when it cannot be read).</summary>
    public static double RssMiB(int pid)
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024.0;
        return double.NaN;
    }

    /// <summary>What a process's resident memory is made of (anonymous, file-backed, shared), from /proc.</summary>
    public static string RssBreakdown(int pid)
    {
        var parts = File.ReadLines($"/proc/{pid}/status")
            .Where(l => l.StartsWith("RssAnon:", StringComparison.Ordinal) || l.StartsWith("RssFile:", StringComparison.Ordinal) || l.StartsWith("RssShmem:", StringComparison.Ordinal))
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Select(f => $"{f[0].TrimEnd(':')[3..].ToLowerInvariant()} {long.Parse(f[1], CultureInfo.InvariantCulture) / 1024.0:0.0} MB");
        return string.Join(", ", parts);
    }

    /// <summary>A loopback port free at the moment of the call.</summary>
    public static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    /// <summary>The repository root: the nearest folder above the program holding KohakuRiver.slnx.</summary>
    public static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "KohakuRiver.slnx"))) dir = dir.Parent;
        return dir?.FullName ?? Directory.GetCurrentDirectory();
    }
}
