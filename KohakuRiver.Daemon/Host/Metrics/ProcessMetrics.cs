using System.Diagnostics;
using System.Globalization;
using Prometheus;

namespace KohakuRiver.Daemon.Host.Metrics;

/// <summary>
/// The host process's own figures under the usual Prometheus names (process_resident_memory_bytes,
/// process_cpu_seconds_total, …) and the .NET runtime's (managed heap, collections, thread pool), read at scrape time
/// from what is cheap to read: one small /proc file and the runtime's counters. prometheus-net's DotNetStats gives
/// much the same but refreshes the whole process view (every thread's and handle's entry) at each scrape, which took
/// about 6 ms of a scrape here (bench/KohakuRiver.Bench.Metrics).
/// </summary>
public sealed class ProcessMetrics
{
    private const string Statm = "/proc/self/statm";

    private readonly Gauge? _resident;
    private readonly Gauge? _virtual;
    private readonly Counter _cpuSeconds;
    private readonly Gauge _managedBytes;
    private readonly Counter _collections;
    private readonly Gauge _threadPoolThreads;

    public ProcessMetrics(IMetricFactory factory, CollectorRegistry registry)
    {
        if (File.Exists(Statm))
        {
            _resident = factory.CreateGauge("process_resident_memory_bytes", "Resident memory size in bytes.");
            _virtual = factory.CreateGauge("process_virtual_memory_bytes", "Virtual memory size in bytes.");
        }
        _cpuSeconds = factory.CreateCounter("process_cpu_seconds_total", "Total user and system CPU time spent in seconds.");
        using (var self = Process.GetCurrentProcess())
            factory.CreateGauge("process_start_time_seconds", "Start time of the process since unix epoch in seconds.")
                .Set(new DateTimeOffset(self.StartTime.ToUniversalTime()).ToUnixTimeMilliseconds() / 1000.0);
        _managedBytes = factory.CreateGauge("dotnet_total_memory_bytes", "Bytes the .NET garbage collector's heap holds now.");
        _collections = factory.CreateCounter("dotnet_collection_count_total", "Garbage collections since the process started, by generation.",
            new CounterConfiguration { LabelNames = ["generation"] });
        _threadPoolThreads = factory.CreateGauge("dotnet_threadpool_threads", "Threads of the .NET thread pool.");
        registry.AddBeforeCollectCallback(Update);
    }

    private void Update()
    {
        if (_resident is not null && _virtual is not null)
        {
            try
            {
                // "size resident shared text lib data dt", in pages.
                var fields = File.ReadAllText(Statm).Split(' ');
                long page = Environment.SystemPageSize;
                _virtual.Set(long.Parse(fields[0], CultureInfo.InvariantCulture) * page);
                _resident.Set(long.Parse(fields[1], CultureInfo.InvariantCulture) * page);
            }
            catch (Exception e) when (e is IOException or FormatException or IndexOutOfRangeException)
            {
                // Left at the last value read.
            }
        }
        _cpuSeconds.IncTo(Environment.CpuUsage.TotalTime.TotalSeconds);
        _managedBytes.Set(GC.GetTotalMemory(forceFullCollection: false));
        for (var generation = 0; generation <= GC.MaxGeneration; generation++)
            _collections.WithLabels(generation.ToString(CultureInfo.InvariantCulture)).IncTo(GC.CollectionCount(generation));
        _threadPoolThreads.Set(ThreadPool.ThreadCount);
    }
}
