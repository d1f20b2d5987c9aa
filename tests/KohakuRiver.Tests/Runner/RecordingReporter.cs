using KohakuRiver.Core.Wire;
using KohakuRiver.Daemon.Runner.Agent;

namespace KohakuRiver.Tests.Runner;

/// <summary>Stands in for the host: keeps every report the runner sends and lets a test await the one it expects.</summary>
internal sealed class RecordingReporter : ITaskReporter
{
    private readonly object _gate = new();
    private readonly List<TaskUpdateRequest> _reports = [];
    private readonly List<(Func<TaskUpdateRequest, bool> Match, TaskCompletionSource<TaskUpdateRequest> Seen)> _waiters = [];

    public IReadOnlyList<TaskUpdateRequest> Reports
    {
        get
        {
            lock (_gate) return [.. _reports];
        }
    }

    /// <summary>Runs inside each report, before the runner hears that it was delivered.</summary>
    public Action<TaskUpdateRequest>? OnReport { get; set; }

    public Task ReportAsync(TaskUpdateRequest update, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        OnReport?.Invoke(update);
        lock (_gate)
        {
            _reports.Add(update);
            foreach (var waiter in _waiters.Where(waiter => waiter.Match(update)).ToList())
            {
                _waiters.Remove(waiter);
                waiter.Seen.TrySetResult(update);
            }
        }
        return Task.CompletedTask;
    }

    /// <summary>The first report (already sent or still to come) that <paramref name="match"/> accepts; fails after 10 s
    /// naming what did arrive.</summary>
    public async Task<TaskUpdateRequest> WaitForAsync(Func<TaskUpdateRequest, bool> match, string what)
    {
        var seen = new TaskCompletionSource<TaskUpdateRequest>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            if (_reports.FirstOrDefault(match) is { } already) return already;
            _waiters.Add((match, seen));
        }
        try
        {
            return await seen.Task.WaitAsync(TimeSpan.FromSeconds(10), Xunit.TestContext.Current.CancellationToken);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"no report {what} within 10 s; reports: " +
                                       string.Join(", ", Reports.Select(r => $"{r.TaskId} {r.Status} ({r.Message})")));
        }
    }

    /// <summary>The final report of a task: anything but "running".</summary>
    public Task<TaskUpdateRequest> WaitForFinalAsync(long taskId) =>
        WaitForAsync(r => r.TaskId == taskId && r.Status != "running", $"ending task {taskId}");
}
