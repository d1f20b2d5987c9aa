using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using KohakuRiver.Core.Client;
using KohakuRiver.Core.Wire;

namespace KohakuRiver.Tests.Core;

/// <summary>A request the fake host saw.</summary>
public sealed record SeenRequest(HttpMethod Method, string PathAndQuery, string Body)
{
    public string Path => PathAndQuery.Split('?')[0];

    public string? Query(string name) =>
        PathAndQuery.Contains('?')
            ? PathAndQuery.Split('?')[1].Split('&').Select(p => p.Split('=', 2)).Where(p => p[0] == name).Select(p => Uri.UnescapeDataString(p[1])).FirstOrDefault()
            : null;
}

/// <summary>
/// An in-memory host for Core tests: an HttpMessageHandler whose routes are functions of the request, recording every
/// request. Routes match "METHOD /path" exactly, or by prefix when the key ends with '*'.
/// </summary>
public sealed class FakeHost : HttpMessageHandler
{
    private readonly List<(string Key, Func<SeenRequest, CancellationToken, Task<HttpResponseMessage>> Handler)> _routes = [];
    private readonly ConcurrentQueue<SeenRequest> _seen = new();

    public IReadOnlyList<SeenRequest> Requests => _seen.ToList();

    public RiverClient Client() => new(new Uri("http://river.test:8000/"), "test-token", this);

    public FakeHost On(string key, Func<SeenRequest, CancellationToken, Task<HttpResponseMessage>> handler)
    {
        _routes.Add((key, handler));
        return this;
    }

    public FakeHost On(string key, Func<SeenRequest, HttpResponseMessage> handler) =>
        On(key, (r, _) => Task.FromResult(handler(r)));

    public static HttpResponseMessage Json<T>(T value, JsonTypeInfo<T> info, HttpStatusCode status = HttpStatusCode.OK) =>
        new(status) { Content = new StringContent(JsonSerializer.Serialize(value, info), Encoding.UTF8, "application/json") };

    public static HttpResponseMessage Error(HttpStatusCode status, string detail) =>
        Json(new ErrorResponse { Detail = detail }, RiverJsonContext.Default.ErrorResponse, status);

    public static HttpResponseMessage Text(string text, long? nextOffset)
    {
        var r = new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent(Encoding.UTF8.GetBytes(text)) };
        if (nextOffset is { } n) r.Headers.Add("X-Next-Offset", n.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return r;
    }

    public static T Read<T>(SeenRequest r, JsonTypeInfo<T> info) => JsonSerializer.Deserialize(r.Body, info)!;

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
    {
        var body = request.Content is null ? "" : await request.Content.ReadAsStringAsync(ct);
        var seen = new SeenRequest(request.Method, request.RequestUri!.PathAndQuery, body);
        _seen.Enqueue(seen);
        var key = $"{request.Method} {seen.Path}";
        foreach (var (k, handler) in _routes)
            if (k == key || (k.EndsWith('*') && key.StartsWith(k[..^1], StringComparison.Ordinal)))
                return await handler(seen, ct);
        return Error(HttpStatusCode.NotFound, $"no route for {key}");
    }
}

/// <summary>A clock the test moves by hand; timers (Task.Delay with this provider) fire when it passes them.</summary>
public sealed class ManualTimeProvider : TimeProvider
{
    private readonly object _gate = new();
    private readonly List<ManualTimer> _timers = [];
    private DateTimeOffset _now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private TaskCompletionSource _timerCreated = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public override DateTimeOffset GetUtcNow()
    {
        lock (_gate) return _now;
    }

    public override long GetTimestamp() => GetUtcNow().UtcTicks;

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    /// <summary>Completes when a timer is next armed (the code under test started waiting).</summary>
    public Task NextTimerArmed()
    {
        lock (_gate) return _timerCreated.Task;
    }

    public void Advance(TimeSpan by)
    {
        List<ManualTimer> due;
        lock (_gate)
        {
            _now += by;
            due = _timers.Where(t => t.Due is { } d && d <= _now).ToList();
            foreach (var t in due) t.Due = null;
        }
        foreach (var t in due) t.Fire();
    }

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = new ManualTimer(this, callback, state);
        timer.Change(dueTime, period);
        return timer;
    }

    private void Arm(ManualTimer timer, TimeSpan dueTime)
    {
        TaskCompletionSource signal;
        lock (_gate)
        {
            if (dueTime == Timeout.InfiniteTimeSpan)
            {
                timer.Due = null;
                return;
            }
            timer.Due = _now + dueTime;
            if (!_timers.Contains(timer)) _timers.Add(timer);
            signal = _timerCreated;
            _timerCreated = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        signal.TrySetResult();
        if (dueTime <= TimeSpan.Zero) Advance(TimeSpan.Zero);
    }

    private void Remove(ManualTimer timer)
    {
        lock (_gate) _timers.Remove(timer);
    }

    private sealed class ManualTimer(ManualTimeProvider owner, TimerCallback callback, object? state) : ITimer
    {
        public DateTimeOffset? Due { get; set; }

        public void Fire() => callback(state);

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            owner.Arm(this, dueTime);
            return true;
        }

        public void Dispose() => owner.Remove(this);

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
