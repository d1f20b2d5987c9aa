namespace KohakuRiver.Daemon.Host.Metrics;

/// <summary>A series' label values, compared by value (an array alone compares by reference).</summary>
public readonly struct LabelKey(string[] values) : IEquatable<LabelKey>
{
    public string[] Values { get; } = values;

    public bool Equals(LabelKey other) => Values.AsSpan().SequenceEqual(other.Values);

    public override bool Equals(object? obj) => obj is LabelKey other && Equals(other);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        foreach (var v in Values) hash.Add(v, StringComparer.Ordinal);
        return hash.ToHashCode();
    }
}
