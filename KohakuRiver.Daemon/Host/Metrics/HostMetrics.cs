using Prometheus;

namespace KohakuRiver.Daemon.Host.Metrics;

/// <summary>
/// The host's metrics, served at <c>/metrics</c> in the Prometheus text format. Each host has a registry of its own
/// (never prometheus-net's static default one), so several hosts in one process keep their figures apart. This class
/// holds the metrics that count events where they happen (submissions, dispatches, runner call failures, SSH
/// tunnels); the ones that describe state are computed from the host's state at scrape time
/// (<see cref="ClusterStateMetrics"/>).
/// </summary>
public sealed class HostMetrics
{
    /// <summary>Seconds, from a millisecond to ten minutes: submissions and hand-overs take milliseconds, a queue wait
    /// can take hours (those land in +Inf and the sum).</summary>
    private static readonly double[] LatencyBuckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

    private static readonly double[] WaitBuckets = [0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 900, 1800, 3600, 3 * 3600, 12 * 3600];

    private readonly Histogram _submitSeconds;
    private readonly Counter _tasksSubmitted;
    private readonly Histogram _queueWaitSeconds;
    private readonly Histogram _dispatchSeconds;
    private readonly Counter _runnerCallFailures;
    private readonly Gauge _sshSessionsOpen;
    private readonly Counter _sshSessions;
    private readonly Counter.Child _sshBytesToVps;
    private readonly Counter.Child _sshBytesFromVps;

    /// <param name="processMetrics">Adds the process's and the .NET runtime's own figures (<see cref="ProcessMetrics"/>:
    /// process_*, dotnet_*), read at scrape time.</param>
    public HostMetrics(bool processMetrics = true)
    {
        Registry = Prometheus.Metrics.NewCustomRegistry();
        Factory = Prometheus.Metrics.WithCustomRegistry(Registry);
        if (processMetrics) _ = new ProcessMetrics(Factory, Registry);
        _submitSeconds = Factory.CreateHistogram("kohakuriver_submit_duration_seconds",
            "Time the host took to accept a submission request (one task or a batch), from its arrival to its answer.",
            new HistogramConfiguration { Buckets = LatencyBuckets });
        _tasksSubmitted = Factory.CreateCounter("kohakuriver_tasks_submitted_total", "Tasks accepted by submission requests.");
        _queueWaitSeconds = Factory.CreateHistogram("kohakuriver_queue_wait_seconds",
            "Time a task spent queued, from its submission to its placement on a node; observed as it leaves the queue.",
            new HistogramConfiguration { Buckets = WaitBuckets });
        _dispatchSeconds = Factory.CreateHistogram("kohakuriver_dispatch_duration_seconds",
            "Time the host took to hand a placed task to its runner (the runner's execute call, when it succeeded).",
            new HistogramConfiguration { Buckets = LatencyBuckets });
        _runnerCallFailures = Factory.CreateCounter("kohakuriver_runner_call_failures_total",
            "Host calls to runners that failed, by operation and by whether the runner was unreachable or refused.",
            new CounterConfiguration { LabelNames = ["operation", "reason"] });
        _sshSessionsOpen = Factory.CreateGauge("kohakuriver_ssh_proxy_sessions_open", "SSH proxy tunnels relaying now.");
        _sshSessions = Factory.CreateCounter("kohakuriver_ssh_proxy_sessions_total", "SSH proxy tunnels opened (request accepted and VPS reached).");
        var bytes = Factory.CreateCounter("kohakuriver_ssh_proxy_bytes_total", "Bytes the SSH proxy relayed, by direction.",
            new CounterConfiguration { LabelNames = ["direction"] });
        _sshBytesToVps = bytes.WithLabels("to_vps");
        _sshBytesFromVps = bytes.WithLabels("from_vps");
        // Series that exist from the start: a dashboard sees 0 rather than nothing before the first event.
        foreach (var operation in RunnerOperations)
        foreach (var reason in new[] { "unreachable", "refused" })
            _runnerCallFailures.WithLabels(operation, reason);
    }

    /// <summary>The operations the host calls runners for (the <c>operation</c> label).</summary>
    public static readonly string[] RunnerOperations = ["execute", "kill", "pause", "resume", "vps_stop", "vps_restart", "exec"];

    /// <summary>This host's own registry, which /metrics serves.</summary>
    public CollectorRegistry Registry { get; }

    /// <summary>Makes more metrics in <see cref="Registry"/>.</summary>
    public IMetricFactory Factory { get; }

    public void SubmissionAccepted(int tasks, TimeSpan took)
    {
        _submitSeconds.Observe(took.TotalSeconds);
        _tasksSubmitted.Inc(tasks);
    }

    /// <summary>A queued task was placed on a node after waiting <paramref name="waited"/> since its submission.</summary>
    public void TaskLeftQueue(TimeSpan waited) => _queueWaitSeconds.Observe(Math.Max(0, waited.TotalSeconds));

    /// <summary>A runner accepted a task the host handed it.</summary>
    public void TaskHandedOver(TimeSpan took) => _dispatchSeconds.Observe(took.TotalSeconds);

    /// <param name="operation">One of <see cref="RunnerOperations"/>.</param>
    /// <param name="unreachable">Nothing answered (refused connection, timeout), rather than an error status.</param>
    public void RunnerCallFailed(string operation, bool unreachable) =>
        _runnerCallFailures.WithLabels(operation, unreachable ? "unreachable" : "refused").Inc();

    public void SshTunnelOpened()
    {
        _sshSessions.Inc();
        _sshSessionsOpen.Inc();
    }

    public void SshTunnelClosed() => _sshSessionsOpen.Dec();

    /// <summary>Bytes relayed by a tunnel, counted as they pass (so a long session shows its traffic while it lasts).</summary>
    public void SshBytesRelayed(bool toVps, int count)
    {
        if (toVps) _sshBytesToVps.Inc(count);
        else _sshBytesFromVps.Inc(count);
    }
}
