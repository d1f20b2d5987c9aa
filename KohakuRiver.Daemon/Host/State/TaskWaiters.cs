using System.Collections.Concurrent;

namespace KohakuRiver.Daemon.Host.State;

/// <summary>
/// Who waits on a task: for it to finish, or for any change. <see cref="ClusterState"/> adds waiters and completes them
/// under its lock; the completions run asynchronously, so a waiter wakes only after the change was written and the lock
/// released.
/// </summary>
public sealed class TaskWaiters
{
    private readonly ConcurrentDictionary<long, TaskCompletionSource> _finish = new();
    private readonly ConcurrentDictionary<long, TaskCompletionSource> _change = new();

    /// <summary>Completes when the task reaches a final status.</summary>
    public Task Finished(long taskId) => _finish.GetOrAdd(taskId, _ => NewSource()).Task;

    /// <summary>Completes at the task's next change of status, SSH port or end.</summary>
    public Task NextChange(long taskId) => _change.GetOrAdd(taskId, _ => NewSource()).Task;

    public void SignalChange(long taskId)
    {
        if (_change.TryRemove(taskId, out var source)) source.TrySetResult();
    }

    public void SignalFinish(long taskId)
    {
        if (_finish.TryRemove(taskId, out var source)) source.TrySetResult();
    }

    private static TaskCompletionSource NewSource() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
