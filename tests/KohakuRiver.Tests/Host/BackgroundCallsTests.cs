using KohakuRiver.Daemon.Host.Background;
using Microsoft.Extensions.Logging;
using Xunit;

namespace KohakuRiver.Tests.Host;

/// <summary>Runner calls started after an answer are tracked, their failures logged, and shutdown waits for them.</summary>
public sealed class BackgroundCallsTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private sealed class ListLogger : ILogger<BackgroundCalls>
    {
        public List<string> Lines { get; } = [];
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (Lines) Lines.Add($"{logLevel}: {formatter(state, exception)}");
        }

        public string[] Snapshot()
        {
            lock (Lines) return [.. Lines];
        }
    }

    private static async Task Eventually(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) Assert.Fail($"timed out waiting until {what}");
            await Task.Delay(10, Ct);
        }
    }

    [Fact]
    public async Task Shutdown_waits_for_a_call_still_running()
    {
        var log = new ListLogger();
        using var calls = new BackgroundCalls(log) { DrainTimeout = TimeSpan.FromSeconds(30) };
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var finished = false;
        calls.Start("kill of task 1", async _ =>
        {
            await release.Task;
            finished = true;
        });
        Assert.Equal(1, calls.Count);

        var stopping = calls.StopAsync(Ct);
        Assert.False(stopping.IsCompleted);
        release.SetResult();
        await stopping.WaitAsync(TimeSpan.FromSeconds(10), Ct);

        Assert.True(finished);
        Assert.Equal(0, calls.Count);
        Assert.DoesNotContain(log.Snapshot(), line => line.Contains("without finishing"));
    }

    [Fact]
    public async Task A_call_that_outlasts_the_bound_is_cancelled_and_named_in_the_log()
    {
        var log = new ListLogger();
        using var calls = new BackgroundCalls(log) { DrainTimeout = TimeSpan.FromMilliseconds(100) };
        var cancelled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        calls.Start("stop of VPS 7", async ct =>
        {
            using var registration = ct.Register(() => cancelled.TrySetResult());
            await Task.Delay(Timeout.Infinite, ct);
        });

        await calls.StopAsync(Ct).WaitAsync(TimeSpan.FromSeconds(10), Ct);

        await cancelled.Task.WaitAsync(TimeSpan.FromSeconds(10), Ct);
        Assert.Contains(log.Snapshot(), line => line.StartsWith("Warning") && line.Contains("without finishing: stop of VPS 7"));
        await Eventually(() => calls.Count == 0, "the abandoned call has ended");
    }

    [Fact]
    public async Task A_failed_call_is_logged_and_forgotten()
    {
        var log = new ListLogger();
        using var calls = new BackgroundCalls(log);
        calls.Start("dispatch of task 3 to n1", async _ =>
        {
            await Task.Yield();
            throw new InvalidOperationException("runner exploded");
        });

        await Eventually(() => calls.Count == 0, "the failed call is no longer tracked");
        Assert.Contains(log.Snapshot(), line => line.Contains("dispatch of task 3 to n1") && line.Contains("runner exploded"));
        await calls.StopAsync(Ct);
    }

    [Fact]
    public async Task A_call_that_ends_at_once_is_not_tracked()
    {
        using var calls = new BackgroundCalls(new ListLogger());
        calls.Start("nothing to do", _ => Task.CompletedTask);
        Assert.Equal(0, calls.Count);
        await calls.StopAsync(Ct);
    }
}
