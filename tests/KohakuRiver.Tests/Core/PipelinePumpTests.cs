using KohakuRiver.Core.Pipeline;
using Xunit;

namespace KohakuRiver.Tests.Core;

public sealed class PipelinePumpTests
{
    [Fact]
    public void Posted_actions_run_in_order_on_the_calling_thread_while_the_work_runs_elsewhere()
    {
        var caller = Environment.CurrentManagedThreadId;
        var workThreads = new HashSet<int>();
        var ran = new List<(int Value, int Thread)>();

        PipelinePump.Run(async (w, ct) =>
        {
            for (var i = 0; i < 100; i++)
            {
                await Task.Yield();
                lock (workThreads) workThreads.Add(Environment.CurrentManagedThreadId);
                var value = i;
                await w.PostAsync(() => ran.Add((value, Environment.CurrentManagedThreadId)));
            }
        }, TestContext.Current.CancellationToken);

        Assert.Equal(Enumerable.Range(0, 100), ran.Select(r => r.Value));
        Assert.All(ran, r => Assert.Equal(caller, r.Thread));
        Assert.DoesNotContain(caller, workThreads);
    }

    [Fact]
    public void Actions_posted_before_the_work_failed_still_run_then_its_error_surfaces()
    {
        var ran = new List<int>();
        var e = Assert.Throws<InvalidOperationException>(() => PipelinePump.Run(async (w, _) =>
        {
            await w.PostAsync(() => ran.Add(1));
            await w.PostAsync(() => ran.Add(2));
            throw new InvalidOperationException("host went away");
        }, TestContext.Current.CancellationToken));
        Assert.Equal("host went away", e.Message);
        Assert.Equal([1, 2], ran);
    }

    [Fact]
    public void A_failing_action_cancels_the_work_and_its_error_surfaces()
    {
        var workSawCancellation = false;
        var e = Assert.Throws<ArgumentException>(() => PipelinePump.Run(async (w, ct) =>
        {
            try
            {
                for (var i = 0; ; i++)
                {
                    var n = i;
                    await w.PostAsync(() =>
                    {
                        if (n == 3) throw new ArgumentException("pipeline stopped downstream");
                    });
                }
            }
            catch (OperationCanceledException)
            {
                workSawCancellation = ct.IsCancellationRequested;
                throw;
            }
        }, TestContext.Current.CancellationToken, capacity: 2));
        Assert.Equal("pipeline stopped downstream", e.Message);
        Assert.True(workSawCancellation);
    }

    [Fact]
    public void The_queue_is_bounded_so_a_fast_producer_waits()
    {
        var posted = 0;
        var maxAhead = 0;
        PipelinePump.Run(async (w, _) =>
        {
            for (var i = 0; i < 500; i++)
            {
                await w.PostAsync(() => Interlocked.Decrement(ref posted));
                var ahead = Interlocked.Increment(ref posted);
                InterlockedMax(ref maxAhead, ahead);
            }
        }, TestContext.Current.CancellationToken, capacity: 4);
        Assert.InRange(maxAhead, 1, 6);
    }

    [Fact]
    public void Cancelling_ends_work_that_is_waiting()
    {
        using var cts = new CancellationTokenSource();
        var started = new ManualResetEventSlim();
        var runner = Task.Run(() => PipelinePump.Run(async (_, ct) =>
        {
            started.Set();
            await Task.Delay(Timeout.Infinite, ct);
        }, cts.Token), TestContext.Current.CancellationToken);
        started.Wait(TestContext.Current.CancellationToken);
        cts.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() => runner.GetAwaiter().GetResult());
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int current;
        while ((current = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, current) != current)
        {
        }
    }
}
