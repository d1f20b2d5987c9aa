using Prometheus;

namespace KohakuRiver.Daemon.Host.Metrics;

/// <summary>
/// A labelled gauge whose series are rewritten at every scrape: what one scrape sets is what it shows, and a series
/// the scrape did not set (a node removed, a GPU that stopped reporting a figure) is dropped rather than left at its
/// last value. Not thread-safe: <see cref="ClusterStateMetrics"/> calls it under its own lock.
/// </summary>
public sealed class ScrapedGauge(Gauge gauge)
{
    private HashSet<LabelKey> _shown = [];
    private HashSet<LabelKey> _setting = [];

    public void Set(double value, params string[] labels)
    {
        gauge.WithLabels(labels).Set(value);
        _setting.Add(new LabelKey(labels));
    }

    /// <summary>Ends a scrape's writing: drops the series of the scrape before that this one did not set.</summary>
    public void Complete()
    {
        foreach (var stale in _shown)
            if (!_setting.Contains(stale)) gauge.RemoveLabelled(stale.Values);
        (_shown, _setting) = (_setting, _shown);
        _setting.Clear();
    }
}
