namespace KohakuRiver.Daemon.Resilience;

/// <summary>
/// The daemon's one way to retry: exponential backoff from <see cref="FirstDelay"/> up to <see cref="MaxDelay"/>, each
/// delay spread by ±<see cref="Jitter"/> so that runners restarted together (or tasks failing together) do not call the
/// host in lockstep. Delays are taken on a <see cref="TimeProvider"/>, so tests can run a policy on a fake clock.
/// </summary>
public sealed record RetryPolicy(TimeSpan FirstDelay, TimeSpan MaxDelay, int? MaxAttempts = null, double Jitter = 0.2)
{
    /// <summary>A runner joining its host: forever (a runner started before its host joins when the host comes up).</summary>
    public static RetryPolicy Registration { get; } = new(TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(30));

    /// <summary>A runner's status report: forever, until the host acknowledges it or refuses it for good.</summary>
    public static RetryPolicy StatusReport { get; } = new(TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(5));

    /// <summary>A host's best-effort call to a runner (a kill, say): three tries; a heartbeat carries what is left.</summary>
    public static RetryPolicy RunnerNotice { get; } = new(TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(1), MaxAttempts: 3);

    /// <summary>The delay after failed attempt <paramref name="attempt"/> (1-based), jitter included.</summary>
    public TimeSpan DelayAfter(int attempt, Random? random = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(attempt, 1);
        var ms = FirstDelay.TotalMilliseconds * Math.Pow(2, Math.Min(attempt - 1, 30));
        ms = Math.Min(ms, MaxDelay.TotalMilliseconds);
        var spread = (((random ?? Random.Shared).NextDouble() * 2) - 1) * Jitter;
        return TimeSpan.FromMilliseconds(Math.Max(0, ms * (1 + spread)));
    }

    /// <summary>
    /// Runs <paramref name="action"/> until it succeeds, a failure is not <paramref name="retryable"/>, the attempts are
    /// spent (the last failure is rethrown), or <paramref name="ct"/> is cancelled. <paramref name="onRetry"/> hears of
    /// each failure that will be retried, with the attempt number and the delay before the next.
    /// </summary>
    public async Task<T> ExecuteAsync<T>(Func<CancellationToken, Task<T>> action, Func<Exception, bool> retryable,
        Action<int, Exception, TimeSpan>? onRetry = null, TimeProvider? time = null, CancellationToken ct = default)
    {
        for (var attempt = 1; ; attempt++)
        {
            ct.ThrowIfCancellationRequested();
            try
            {
                return await action(ct).ConfigureAwait(false);
            }
            catch (Exception e) when (!(e is OperationCanceledException && ct.IsCancellationRequested)
                                      && retryable(e) && (MaxAttempts is not { } max || attempt < max))
            {
                var delay = DelayAfter(attempt);
                onRetry?.Invoke(attempt, e, delay);
                await Task.Delay(delay, time ?? TimeProvider.System, ct).ConfigureAwait(false);
            }
        }
    }

    /// <inheritdoc cref="ExecuteAsync{T}"/>
    public Task ExecuteAsync(Func<CancellationToken, Task> action, Func<Exception, bool> retryable,
        Action<int, Exception, TimeSpan>? onRetry = null, TimeProvider? time = null, CancellationToken ct = default) =>
        ExecuteAsync(async c => { await action(c).ConfigureAwait(false); return true; }, retryable, onRetry, time, ct);
}
