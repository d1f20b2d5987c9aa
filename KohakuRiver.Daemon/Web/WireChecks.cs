using KohakuRiver.Core.Parsing;
using KohakuRiver.Core.Wire;

namespace KohakuRiver.Daemon.Web;

/// <summary>
/// Checks of the messages runners and the host exchange (register, heartbeat, update, kill/pause/resume). Both sides
/// hold the cluster token, but a bad field must still be a clear 400 rather than a value that breaks a later answer
/// (an infinite percentage that no JSON can carry) or a row that lies (a negative size, a NUL in a URL).
/// </summary>
public static class WireChecks
{
    public const int MaxMessageBytes = 64 * 1024;
    private const int MaxShortText = 256;

    public static void Registration(RegisterRequest r)
    {
        if (!TargetSpec.IsValidNodeName(r.Hostname)) throw Bad($"hostname '{ShownText.Of(r.Hostname)}' is not a valid node name");
        Text("url", r.Url, MaxShortText * 8);
        if (!Uri.TryCreate(r.Url, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https") || url.Host.Length == 0)
            throw Bad($"url '{ShownText.Of(r.Url)}' is not an http(s) URL");
        if (r.TotalCores <= 0) throw Bad($"total_cores must be positive, got {r.TotalCores}");
        if (r.TotalRamBytes <= 0) throw Bad($"total_ram_bytes must be positive, got {r.TotalRamBytes}");
        Text("runner_version", r.RunnerVersion, MaxShortText);
        foreach (var (id, node) in r.NumaTopology ?? [])
        {
            if (!int.TryParse(id, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out _))
                throw Bad($"numa_topology key '{ShownText.Of(id)}' is not a NUMA node number");
            if (node is null || node.Cores.Any(c => c < 0) || node.MemoryBytes < 0)
                throw Bad($"numa_topology node {id} has a negative core id or size");
        }
        Gpus(r.GpuInfo);
    }

    public static void Heartbeat(HeartbeatRequest h)
    {
        if (h.RunningTasks is null || h.KilledTasks is null) throw Bad("running_tasks and killed_tasks must be lists");
        if (h.RunningTasks.Any(id => id <= 0)) throw Bad("running_tasks holds an id that is not positive");
        foreach (var k in h.KilledTasks)
        {
            if (k is null || k.TaskId <= 0) throw Bad("killed_tasks holds an entry without a positive task_id");
            Text("killed_tasks reason", k.Reason, MaxMessageBytes);
        }
        Percent("cpu_percent", h.CpuPercent);
        Percent("memory_percent", h.MemoryPercent);
        if (h.MemoryUsedBytes is < 0 || h.MemoryTotalBytes is < 0) throw Bad("memory sizes must not be negative");
        Finite("current_avg_temp", h.CurrentAvgTemp);
        Finite("current_max_temp", h.CurrentMaxTemp);
        Text("runner_version", h.RunnerVersion, MaxShortText);
        Gpus(h.GpuInfo);
    }

    public static void Update(TaskUpdateRequest u)
    {
        if (u.TaskId <= 0) throw Bad("task_id must be a positive task id");
        Text("message", u.Message, MaxMessageBytes);
        if (u.SshPort is < 1 or > 65535) throw Bad($"ssh_port must be from 1 to 65535, got {u.SshPort}");
    }

    public static void RunnerCommand(RunnerTaskCommand c)
    {
        if (c.TaskId <= 0) throw Bad("task_id must be a positive task id");
        Text("container_name", c.ContainerName, MaxShortText);
    }

    /// <summary>Free text that must not hold a NUL (a process's command line or environment would be cut there; other
    /// readers refuse it) and has a size bound. Returns its size in bytes; <paramref name="label"/> prefixes the message
    /// (a batch's <c>tasks[3]: </c>).</summary>
    public static int Text(string field, string? value, int maxBytes, string label = "") =>
        WhyTextRefused(field, value, maxBytes, label, out var bytes) is { } why ? throw Bad(why) : bytes;

    /// <summary>The same rule without the exception: why the text is refused, or null; <paramref name="bytes"/> is its
    /// size. For checks outside the web layer that report in their own error type.</summary>
    public static string? WhyTextRefused(string field, string? value, int maxBytes, string label, out int bytes)
    {
        bytes = 0;
        if (value is null) return null;
        if (value.Contains('\0')) return $"{label}{field} contains a NUL character";
        bytes = System.Text.Encoding.UTF8.GetByteCount(value);
        return bytes > maxBytes ? $"{label}{field} is {bytes} bytes long; at most {maxBytes} are allowed" : null;
    }

    private static void Gpus(List<GpuInfo>? gpus)
    {
        if (gpus is null) return;
        if (gpus.Count > RequestLimits.MaxGpuIds) throw Bad($"gpu_info lists {gpus.Count} GPUs; at most {RequestLimits.MaxGpuIds} are allowed");
        var seen = new HashSet<int>();
        foreach (var g in gpus)
        {
            if (g is null || g.GpuId < 0) throw Bad("gpu_info holds an entry without a GPU id of 0 or more");
            if (!seen.Add(g.GpuId)) throw Bad($"gpu_info lists GPU {g.GpuId} twice");
            Text("gpu_info name", g.Name, MaxShortText);
            Text("gpu_info driver_version", g.DriverVersion, MaxShortText);
            Text("gpu_info pci_bus_id", g.PciBusId, MaxShortText);
            // -1 is the reference's "not available"; anything below it is a broken report.
            foreach (var (field, value) in new (string, long)[]
                     {
                         ("gpu_utilization", g.GpuUtilization), ("mem_utilization", g.MemUtilization), ("fan_speed", g.FanSpeed),
                         ("graphics_clock_mhz", g.GraphicsClockMhz), ("mem_clock_mhz", g.MemClockMhz), ("temperature", g.Temperature),
                         ("memory_total_mib", g.MemoryTotalMib), ("memory_used_mib", g.MemoryUsedMib), ("memory_free_mib", g.MemoryFreeMib),
                         ("power_usage_mw", g.PowerUsageMw), ("power_limit_mw", g.PowerLimitMw), ("numa_node", g.NumaNode),
                     })
                if (value < GpuInfo.Unavailable) throw Bad($"gpu_info {field} of GPU {g.GpuId} is {value}; -1 means unavailable, and nothing lower is allowed");
            foreach (var (field, value) in new (string, int)[] { ("gpu_utilization", g.GpuUtilization), ("mem_utilization", g.MemUtilization) })
                if (value > 100) throw Bad($"gpu_info {field} of GPU {g.GpuId} is {value}; a percentage is at most 100");
        }
    }

    private static void Percent(string field, double? value)
    {
        if (value is { } v && (!double.IsFinite(v) || v is < 0 or > 100)) throw Bad($"{field} must be from 0 to 100, got {v}");
    }

    private static void Finite(string field, double? value)
    {
        if (value is { } v && !double.IsFinite(v)) throw Bad($"{field} must be a finite number, got {v}");
    }

    private static ApiException Bad(string detail) => ApiException.BadRequest(detail);
}
