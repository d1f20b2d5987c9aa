using System.Runtime.ExceptionServices;
using System.Threading.Channels;

namespace KohakuRiver.Core.Pipeline;

/// <summary>
/// Lets async work hand actions back to the thread that started it. PowerShell allows <c>WriteObject</c>,
/// <c>WriteError</c> and <c>WriteProgress</c> only on the pipeline thread, and an <c>await</c> continuation runs
/// elsewhere: so the work runs on the thread pool and posts each write as an action, and <see cref="Run"/> executes
/// them, in order, on the calling thread until the work is done. The queue is bounded, so a fast producer (pages of
/// tasks) waits for a slow consumer (the rest of the pipeline) instead of filling memory.
/// </summary>
public static class PipelinePump
{
    /// <summary>
    /// Runs <paramref name="work"/> and pumps its posted actions on this thread. Actions posted before the work failed
    /// still run; then its exception is rethrown here. If an action throws (the pipeline was stopped downstream), the
    /// work is cancelled and that exception is rethrown once the work has ended. <paramref name="beforeEach"/>, if
    /// given, runs on this thread before each action and once when the work is done: a place to write what the work
    /// queued by other means (its call trace), in order with what it posted.
    /// </summary>
    public static void Run(Func<PumpWriter, CancellationToken, Task> work, CancellationToken ct, int capacity = 256, Action? beforeEach = null)
    {
        ArgumentNullException.ThrowIfNull(work);
        var channel = Channel.CreateBounded<Action>(new BoundedChannelOptions(capacity)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var writer = new PumpWriter(channel.Writer, linked.Token);
        var task = Task.Run(async () =>
        {
            try
            {
                await work(writer, linked.Token).ConfigureAwait(false);
            }
            finally
            {
                channel.Writer.TryComplete();
            }
        }, CancellationToken.None);

        ExceptionDispatchInfo? actionFailure = null;
        var reader = channel.Reader;
        while (reader.WaitToReadAsync(CancellationToken.None).AsTask().GetAwaiter().GetResult())
        {
            while (reader.TryRead(out var action))
            {
                try
                {
                    beforeEach?.Invoke();
                    action();
                }
                catch (Exception e)
                {
                    actionFailure = ExceptionDispatchInfo.Capture(e);
                    break;
                }
            }
            if (actionFailure is not null) break;
        }
        if (actionFailure is null) beforeEach?.Invoke();

        if (actionFailure is not null)
        {
            linked.Cancel();
            // Unblock a producer waiting for room, then let the work end before reporting.
            while (reader.TryRead(out _))
            {
            }
            try
            {
                task.GetAwaiter().GetResult();
            }
            catch (Exception)
            {
                // The work's own end (usually its cancellation) matters less than why it was stopped.
            }
            actionFailure.Throw();
        }
        task.GetAwaiter().GetResult();
    }
}
