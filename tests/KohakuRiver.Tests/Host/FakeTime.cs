namespace KohakuRiver.Tests.Host;

/// <summary>A clock the test moves by hand. Timers (CreateTimer) stay the real ones of the base class.</summary>
internal sealed class FakeTime(DateTimeOffset start) : TimeProvider
{
    private readonly object _gate = new();
    private DateTimeOffset _now = start;

    public override DateTimeOffset GetUtcNow()
    {
        lock (_gate) return _now;
    }

    public void Advance(TimeSpan by)
    {
        lock (_gate) _now += by;
    }
}
