using KohakuRiver.Core.Wire;

namespace KohakuRiver.Daemon.Host.Telemetry;

/// <summary>
/// What every node's heartbeats said over the last <see cref="Window"/>, in memory only (a host restart starts
/// afresh): one <see cref="NodeHistoryBuffer"/> per node, sized for the window at the heartbeat interval. It has its
/// own lock, so reading a node's history never holds up the cluster state's.
/// </summary>
public sealed class TelemetryHistory
{
    /// <summary>How far back the history reaches at the configured heartbeat interval.</summary>
    public static readonly TimeSpan Window = TimeSpan.FromHours(1);

    /// <summary>The most samples kept per node, however short the interval (an hour at two heartbeats a second).</summary>
    public const int MaxCapacity = RequestLimits.MaxHistorySamples;

    private readonly object _gate = new();
    private readonly Dictionary<string, NodeHistoryBuffer> _nodes = new(StringComparer.Ordinal);

    public TelemetryHistory(double heartbeatIntervalSeconds)
    {
        IntervalSeconds = heartbeatIntervalSeconds;
        Capacity = CapacityFor(heartbeatIntervalSeconds);
    }

    public double IntervalSeconds { get; }

    /// <summary>Samples kept per node: <see cref="Window"/> at the interval, at least 1, at most <see cref="MaxCapacity"/>.</summary>
    public int Capacity { get; }

    public static int CapacityFor(double heartbeatIntervalSeconds)
    {
        if (!(heartbeatIntervalSeconds > 0) || double.IsInfinity(heartbeatIntervalSeconds)) return MaxCapacity;
        var samples = Math.Ceiling(Window.TotalSeconds / heartbeatIntervalSeconds);
        return (int)Math.Clamp(samples, 1, MaxCapacity);
    }

    public void Record(string hostname, DateTimeOffset at, HeartbeatRequest heartbeat)
    {
        lock (_gate)
        {
            if (!_nodes.TryGetValue(hostname, out var buffer)) _nodes[hostname] = buffer = new NodeHistoryBuffer(Capacity);
            buffer.Add(at, heartbeat);
        }
    }

    /// <summary>The node's samples at or after <paramref name="since"/>, oldest first, the newest <paramref name="last"/>
    /// of them when given; no samples for a node never heard from.</summary>
    public NodeHistory Read(string hostname, DateTimeOffset? since = null, int? last = null)
    {
        List<NodeSample> samples;
        lock (_gate)
            samples = _nodes.TryGetValue(hostname, out var buffer) ? buffer.Read(since, last) : [];
        return new NodeHistory { Hostname = hostname, IntervalSeconds = IntervalSeconds, Capacity = Capacity, Samples = samples };
    }

    public void Forget(string hostname)
    {
        lock (_gate) _nodes.Remove(hostname);
    }

    /// <summary>How many samples are kept for the node now.</summary>
    public int CountFor(string hostname)
    {
        lock (_gate) return _nodes.TryGetValue(hostname, out var buffer) ? buffer.Count : 0;
    }
}
