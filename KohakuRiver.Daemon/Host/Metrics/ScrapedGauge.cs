using Prometheus;

namespace KohakuRiver.Daemon.Host.Metrics;

/// <summary>
/// A labelled gauge whose series are rewritten at every scrape: what one scrape sets is what it shows, and a series
/// the scrape did not set (a node removed, a GPU that stopped reporting a figure) is dropped rather than left at its
/// last value. Each series' child is looked up once and kept, so a scrape's writes are plain stores. Not thread-safe:
/// <see cref="ClusterStateMetrics"/> calls it under its own lock.
/// </summary>
public sealed class ScrapedGauge(Gauge gauge)
{
    private sealed class Series(Gauge.Child child)
    {
        public Gauge.Child Child { get; } = child;
        public long SetIn;
    }

    private readonly Dictionary<LabelKey, Series> _series = [];
    private readonly List<LabelKey> _stale = [];
    private long _scrape = 1;

    public void Set(double value, params string[] labels)
    {
        var key = new LabelKey(labels);
        if (!_series.TryGetValue(key, out var series))
            _series[key] = series = new Series(gauge.WithLabels(labels));
        series.Child.Set(value);
        series.SetIn = _scrape;
    }

    /// <summary>Ends a scrape's writing: drops the series this scrape did not set.</summary>
    public void Complete()
    {
        foreach (var (key, series) in _series)
            if (series.SetIn != _scrape) _stale.Add(key);
        foreach (var key in _stale)
        {
            _series.Remove(key);
            gauge.RemoveLabelled(key.Values);
        }
        _stale.Clear();
        _scrape++;
    }
}
