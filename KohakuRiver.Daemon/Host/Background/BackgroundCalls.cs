namespace KohakuRiver.Daemon.Host.Background;

/// <summary>
/// The host's calls that outlive the request or pass that started them: a task sent to its runner, a kill or stop
/// delivered after the answer. Each is tracked until it ends and its failure is logged, never lost unobserved. When the
/// host stops, it waits for them up to <see cref="DrainTimeout"/>, then cancels and names the calls it abandoned; a
/// kill that never arrived is sent again on the runner's next heartbeat.
/// </summary>
public sealed class BackgroundCalls(ILogger<BackgroundCalls> log) : IHostedService, IDisposable
{
    private readonly object _gate = new();
    private readonly Dictionary<long, (string What, Task Call)> _running = [];
    private readonly CancellationTokenSource _abandon = new();
    private long _nextId;

    /// <summary>How long shutdown waits for calls still running.</summary>
    public TimeSpan DrainTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How many calls are running now.</summary>
    public int Count
    {
        get
        {
            lock (_gate) return _running.Count;
        }
    }

    /// <summary>Starts <paramref name="call"/> and tracks it. Its token is cancelled once shutdown stops waiting for it.
    /// <paramref name="what"/> names it in the log ("kill of task 42").</summary>
    public void Start(string what, Func<CancellationToken, Task> call)
    {
        lock (_gate)
        {
            var id = ++_nextId;
            var running = RunAsync(id, what, call);
            // Under the lock, the call's own removal (which takes the lock) cannot run before this add, so a call that
            // already ended here never leaves an entry behind.
            if (!running.IsCompleted) _running[id] = (what, running);
        }
    }

    private async Task RunAsync(long id, string what, Func<CancellationToken, Task> call)
    {
        try
        {
            await call(_abandon.Token);
        }
        catch (OperationCanceledException) when (_abandon.IsCancellationRequested)
        {
            // Abandoned at shutdown; StopAsync has named it.
        }
        catch (Exception e)
        {
            log.LogWarning(e, "Background call failed: {What}: {Error}", what, e.Message);
        }
        finally
        {
            lock (_gate) _running.Remove(id);
        }
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Waits for the running calls up to <see cref="DrainTimeout"/> (or until the host's own stop deadline),
    /// then cancels those left and logs each one.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        List<(string What, Task Call)> pending;
        lock (_gate) pending = [.. _running.Values];
        if (pending.Count == 0) return;
        log.LogInformation("Waiting up to {Seconds} s for {Count} runner call(s) to finish", DrainTimeout.TotalSeconds, pending.Count);
        try
        {
            await Task.WhenAll(pending.Select(p => p.Call)).WaitAsync(DrainTimeout, cancellationToken);
            return;
        }
        catch (Exception e) when (e is TimeoutException or OperationCanceledException)
        {
        }
        lock (_gate) pending = [.. _running.Values];
        foreach (var (what, _) in pending)
            log.LogWarning("Shutting down without finishing: {What}", what);
        await _abandon.CancelAsync();
    }

    public void Dispose() => _abandon.Dispose();
}
