namespace KohakuRiver.Bench.History;

/// <summary>A clock the benchmark moves by hand, so an hour of heartbeats takes seconds.</summary>
internal sealed class ManualClock(DateTimeOffset start) : TimeProvider
{
    private DateTimeOffset _now = start;

    public override DateTimeOffset GetUtcNow() => _now;

    public void Advance(TimeSpan by) => _now += by;
}
