namespace KohakuRiver.Core.Ids;

/// <summary>
/// 64-bit time-ordered ids: 41-bit milliseconds since the Unix epoch &lt;&lt; 22 | 10-bit instance &lt;&lt; 12 |
/// 12-bit sequence, as the reference system makes them. They exceed 2^53, so they travel as strings.
/// </summary>
public sealed class SnowflakeIdGenerator
{
    private readonly long _instance;
    private readonly Func<long> _nowMs;
    private readonly object _gate = new();
    private long _lastMs = -1;
    private long _sequence;

    /// <param name="lastIssued">An id already in use (the newest stored one): every id this generator makes is
    /// larger, even when the clock is behind it.</param>
    public SnowflakeIdGenerator(int instance = 0, Func<long>? nowMs = null, long lastIssued = 0)
    {
        if (instance is < 0 or > 1023) throw new ArgumentOutOfRangeException(nameof(instance), "instance must be 0..1023");
        _instance = instance;
        _nowMs = nowMs ?? (() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        if (lastIssued > 0)
        {
            _lastMs = lastIssued >> 22;
            _sequence = lastIssued & 0xFFF;
        }
    }

    public long Next()
    {
        lock (_gate)
        {
            var now = Math.Max(_nowMs(), _lastMs);
            if (now == _lastMs)
            {
                _sequence = (_sequence + 1) & 0xFFF;
                // Sequence exhausted within one millisecond: borrow the next millisecond rather than spin.
                if (_sequence == 0) now = _lastMs + 1;
            }
            else
            {
                _sequence = 0;
            }
            _lastMs = now;
            return (now << 22) | (_instance << 12) | _sequence;
        }
    }

    public static DateTimeOffset TimestampOf(long id) => DateTimeOffset.FromUnixTimeMilliseconds(id >> 22);
}
