using System.Net;
using KohakuRiver.Core.Client;
using KohakuRiver.Core.Models;
using KohakuRiver.Core.Waiting;
using KohakuRiver.Core.Wire;
using Xunit;

namespace KohakuRiver.Tests.Core;

public sealed class TaskWaiterTests
{
    /// <summary>
    /// A host whose tasks finish on a script: each long-poll finishes the next group of the script (if any) and answers
    /// at once, or, with nothing left to finish, lets the poll's whole window pass on the test clock and answers.
    /// </summary>
    private sealed class ScriptedHost
    {
        public readonly FakeHost Http = new();
        public readonly ManualTimeProvider Time = new();
        public readonly Dictionary<long, RiverTaskStatus> Tasks = [];
        public readonly Queue<long[]> FinishOnPoll = new();
        public readonly List<WaitRequest> Polls = [];

        public ScriptedHost(params long[] ids)
        {
            foreach (var id in ids) Tasks[id] = RiverTaskStatus.Running;
            Http.On("POST /api/tasks/wait", r =>
            {
                var req = FakeHost.Read(r, RiverJsonContext.Default.WaitRequest);
                lock (Polls) Polls.Add(req);
                var unknown = req.TaskIds.Where(id => !Tasks.ContainsKey(id)).ToList();
                if (unknown.Count > 0) return FakeHost.Error(HttpStatusCode.NotFound, $"task {string.Join(", ", unknown.Take(5))} not found");
                if (FinishOnPoll.Count > 0)
                    foreach (var id in FinishOnPoll.Dequeue())
                        Tasks[id] = RiverTaskStatus.Completed;
                else
                    Time.Advance(TimeSpan.FromSeconds(req.TimeoutSeconds));
                return FakeHost.Json(req.TaskIds.Select(Snapshot).ToList(), RiverJsonContext.Default.ListTaskDto);
            });
            Http.On("GET /api/status/*", r =>
            {
                var id = long.Parse(r.Path.Split('/')[^1]);
                return Tasks.ContainsKey(id)
                    ? FakeHost.Json(Snapshot(id), RiverJsonContext.Default.TaskDto)
                    : FakeHost.Error(HttpStatusCode.NotFound, $"task {id} not found");
            });
        }

        public TaskDto Snapshot(long id) => new() { TaskId = id, Status = Tasks[id], ExitCode = Tasks[id] == RiverTaskStatus.Completed ? 0 : null };

        public TaskWaiter Waiter(RiverClient client, bool any = false, TimeSpan? timeout = null, TimeSpan? minInterval = null) =>
            new(client, new TaskWaitOptions
            {
                Any = any,
                Timeout = timeout,
                Time = Time,
                MaxPollWindow = TimeSpan.FromSeconds(60),
                MinPollInterval = minInterval ?? TimeSpan.Zero,
            });
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Waits_for_all_reporting_k_of_n_and_writes_them_in_input_order()
    {
        var host = new ScriptedHost(1, 2, 3);
        host.FinishOnPoll.Enqueue([2]);
        host.FinishOnPoll.Enqueue([]);
        host.FinishOnPoll.Enqueue([3, 1]);
        using var client = host.Http.Client();
        var progress = new List<string>();

        var result = await host.Waiter(client).WaitAsync([3, 1, 2, 1], p => { progress.Add(p.ToString()); return ValueTask.CompletedTask; }, null, Ct);

        Assert.True(result.Satisfied);
        Assert.Equal([3L, 1L, 2L], result.Output.Select(t => t.TaskId));
        Assert.All(result.Output, t => Assert.True(t.IsFinished));
        Assert.Equal(["1 of 3 finished", "3 of 3 finished"], progress);
        // Each poll names only what is still unfinished, and asks to return at the first news.
        Assert.Equal([[3L, 1L, 2L], [3L, 1L], [3L, 1L]], host.Polls.Select(p => p.TaskIds.ToArray()));
        Assert.All(host.Polls, p => Assert.True(p.Any));
    }

    [Fact]
    public async Task Any_returns_the_first_finished_task_only()
    {
        var host = new ScriptedHost(1, 2, 3);
        host.FinishOnPoll.Enqueue([3, 2]);
        using var client = host.Http.Client();

        var result = await host.Waiter(client, any: true).WaitAsync([1, 2, 3], ct: Ct);

        Assert.True(result.Satisfied);
        Assert.Equal(2, Assert.Single(result.Output).TaskId);
        Assert.Equal([2L, 3L], result.Finished.Select(t => t.TaskId));
        Assert.Single(host.Polls);
    }

    [Fact]
    public async Task A_timeout_ends_the_wait_silently_with_no_poll_longer_than_what_is_left()
    {
        var host = new ScriptedHost(1, 2);
        host.FinishOnPoll.Enqueue([1]);
        using var client = host.Http.Client();

        var result = await host.Waiter(client, timeout: TimeSpan.FromSeconds(90)).WaitAsync([1, 2], ct: Ct);

        Assert.False(result.Satisfied);
        Assert.Empty(result.Output);
        Assert.Equal([1L], result.Finished.Select(t => t.TaskId));
        Assert.Equal([2L], result.Unfinished);
        // 90 s: windows capped at 60 s; the first answers early with news, the next takes its 60 s, the last the 30 s left.
        Assert.Equal([60.0, 60.0, 30.0], host.Polls.Select(p => p.TimeoutSeconds));
    }

    [Fact]
    public async Task Timeout_zero_looks_once_and_minus_one_waits_in_capped_windows()
    {
        var host = new ScriptedHost(1);
        using var client = host.Http.Client();
        var once = await host.Waiter(client, timeout: TimeSpan.Zero).WaitAsync([1], ct: Ct);
        Assert.False(once.Satisfied);
        Assert.Equal([0.0], host.Polls.Select(p => p.TimeoutSeconds));

        host.Polls.Clear();
        host.FinishOnPoll.Enqueue([]);
        host.FinishOnPoll.Enqueue([]);
        host.FinishOnPoll.Enqueue([1]);
        var forever = await host.Waiter(client, timeout: TaskWaitOptions.TimeoutFromSeconds(-1)).WaitAsync([1], ct: Ct);
        Assert.True(forever.Satisfied);
        Assert.All(host.Polls, p => Assert.Equal(60.0, p.TimeoutSeconds));
        Assert.Throws<ArgumentOutOfRangeException>(() => TaskWaitOptions.TimeoutFromSeconds(-2));
    }

    [Fact]
    public async Task Unknown_ids_are_reported_one_by_one_and_the_rest_are_still_waited_for()
    {
        var host = new ScriptedHost(Enumerable.Range(1, 40).Select(i => (long)i).ToArray());
        host.FinishOnPoll.Enqueue(Enumerable.Range(1, 40).Select(i => (long)i).ToArray());
        using var client = host.Http.Client();
        var reported = new List<(long, RiverErrorKind)>();
        long[] ids = [.. Enumerable.Range(1, 40).Select(i => (long)i), 900, 901];

        var result = await host.Waiter(client).WaitAsync([900, .. ids], null, (id, e) => { reported.Add((id, e.Kind)); return ValueTask.CompletedTask; }, Ct);

        Assert.Equal([(900L, RiverErrorKind.NotFound), (901L, RiverErrorKind.NotFound)], reported);
        Assert.Equal([900L, 901L], result.Missing);
        Assert.True(result.Satisfied);
        Assert.Equal(40, result.Output.Count);
        // Found by halving, not by asking for all 42 ids one at a time.
        Assert.True(host.Http.Requests.Count < 30, $"{host.Http.Requests.Count} requests");
    }

    [Fact]
    public async Task Cancelling_stops_a_poll_in_flight_at_once()
    {
        var http = new FakeHost();
        var pollStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        http.On("POST /api/tasks/wait", async (_, ct) =>
        {
            pollStarted.TrySetResult();
            await Task.Delay(Timeout.Infinite, ct);
            throw new InvalidOperationException("unreachable");
        });
        using var client = http.Client();
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(Ct);

        var wait = new TaskWaiter(client).WaitAsync([1, 2], ct: cts.Token);
        await pollStarted.Task;
        cts.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => wait);
    }

    [Fact]
    public async Task Polls_that_return_with_news_are_spaced_by_the_minimum_interval()
    {
        var host = new ScriptedHost(1, 2, 3);
        host.FinishOnPoll.Enqueue([1]);
        host.FinishOnPoll.Enqueue([2]);
        host.FinishOnPoll.Enqueue([3]);
        using var client = host.Http.Client();
        var start = host.Time.GetUtcNow();

        var armed = host.Time.NextTimerArmed();
        var wait = host.Waiter(client, minInterval: TimeSpan.FromSeconds(1)).WaitAsync([1, 2, 3], ct: Ct);
        for (var i = 0; i < 2; i++)
        {
            await armed;
            Assert.Equal(i + 1, host.Polls.Count);
            armed = host.Time.NextTimerArmed();
            host.Time.Advance(TimeSpan.FromSeconds(1));
        }
        var result = await wait;

        Assert.True(result.Satisfied);
        Assert.Equal(3, host.Polls.Count);
        Assert.Equal(TimeSpan.FromSeconds(2), host.Time.GetUtcNow() - start);
    }
}
