using KohakuRiver.Daemon.Resilience;
using Xunit;

namespace KohakuRiver.Tests.Daemon;

public sealed class RetryPolicyTests
{
    private static readonly RetryPolicy Instant = new(TimeSpan.Zero, TimeSpan.Zero);

    [Fact]
    public void Delays_double_up_to_the_cap_and_spread_within_the_jitter()
    {
        var policy = new RetryPolicy(TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(1), Jitter: 0.2);
        var random = new Random(7);
        double[] expected = [100, 200, 400, 800, 1000, 1000];
        var seen = new HashSet<double>();
        for (var attempt = 1; attempt <= expected.Length; attempt++)
        {
            var ms = policy.DelayAfter(attempt, random).TotalMilliseconds;
            Assert.InRange(ms, expected[attempt - 1] * 0.8, expected[attempt - 1] * 1.2);
            seen.Add(ms);
        }
        // Jitter: runners restarted together must not retry in lockstep.
        var spread = Enumerable.Range(0, 50).Select(_ => policy.DelayAfter(3, random).TotalMilliseconds).Distinct().Count();
        Assert.True(spread > 40, $"only {spread} distinct delays out of 50");
        Assert.Equal(1000, new RetryPolicy(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1), Jitter: 0).DelayAfter(100).TotalMilliseconds);
    }

    [Fact]
    public async Task Retries_what_is_retryable_until_it_succeeds()
    {
        var calls = 0;
        var retries = new List<int>();
        var result = await Instant.ExecuteAsync(_ => ++calls < 4 ? throw new IOException("down") : Task.FromResult(calls),
            e => e is IOException, (attempt, _, _) => retries.Add(attempt), ct: TestContext.Current.CancellationToken);
        Assert.Equal(4, result);
        Assert.Equal([1, 2, 3], retries);
    }

    [Fact]
    public async Task Stops_at_a_failure_that_is_not_retryable_or_when_attempts_are_spent()
    {
        var calls = 0;
        await Assert.ThrowsAsync<InvalidOperationException>(() => Instant.ExecuteAsync(
            _ => { calls++; throw new InvalidOperationException("bad request"); }, e => e is IOException,
            ct: TestContext.Current.CancellationToken));
        Assert.Equal(1, calls);

        calls = 0;
        var three = Instant with { MaxAttempts = 3 };
        var e = await Assert.ThrowsAsync<IOException>(() => three.ExecuteAsync(
            _ => { calls++; throw new IOException($"down {calls}"); }, _ => true, ct: TestContext.Current.CancellationToken));
        Assert.Equal(3, calls);
        Assert.Equal("down 3", e.Message);
    }

    [Fact]
    public async Task Cancellation_ends_the_wait_between_attempts()
    {
        using var cts = new CancellationTokenSource();
        var slow = new RetryPolicy(TimeSpan.FromHours(1), TimeSpan.FromHours(1));
        var run = slow.ExecuteAsync(_ => throw new IOException("down"), _ => true, (_, _, _) => cts.Cancel(), ct: cts.Token);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run).WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
    }
}
