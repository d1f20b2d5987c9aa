namespace KohakuRiver.Core.Pipeline;

/// <summary>
/// Decides when long work should update its progress bar: not at all below <c>threshold</c> items (small work
/// finishes before a bar would help), then at most once per <c>interval</c>. Writing a progress record costs far more
/// than building one sweep point, so a 10,000-point sweep checks a clock per point and writes a handful of records.
/// </summary>
public sealed class ProgressThrottle(int threshold, TimeSpan interval, TimeProvider? time = null)
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private long _last;
    private bool _reported;

    /// <summary>Whether any update was due so far (then the bar needs its Completed record).</summary>
    public bool Reported => _reported;

    /// <summary>True when an update should be written now for <paramref name="count"/> items done.</summary>
    public bool Due(long count)
    {
        if (count < threshold) return false;
        var now = _time.GetTimestamp();
        if (_reported && _time.GetElapsedTime(_last, now) < interval) return false;
        _last = now;
        _reported = true;
        return true;
    }
}
