using System.Text;
using KohakuRiver.Core.Client;
using KohakuRiver.Core.Models;
using KohakuRiver.Core.Output;
using KohakuRiver.Core.Wire;
using Xunit;

namespace KohakuRiver.Tests.Core;

public sealed class OutputFollowerTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public void A_character_split_across_reads_is_decoded_whole_and_CRLF_is_one_line_end()
    {
        var bytes = Encoding.UTF8.GetBytes("α=1\r\nβ=2\nγ");
        var splitter = new Utf8LineSplitter();
        var lines = new List<string>();
        // Cut inside the two bytes of 'α' and inside the two of 'β'.
        splitter.Append(bytes.AsSpan(0, 1), lines);
        splitter.Append(bytes.AsSpan(1, 6), lines);
        splitter.Append(bytes.AsSpan(7, 1), lines);
        splitter.Append(bytes.AsSpan(8), lines);
        Assert.Equal(["α=1", "β=2"], lines);
        Assert.Equal("γ", splitter.Flush());
        Assert.Null(splitter.Flush());
    }

    /// <summary>A task whose two log files grow on a script; the host answers from an offset with X-Next-Offset.</summary>
    private sealed class GrowingTask
    {
        public readonly FakeHost Http = new();
        public readonly StringBuilder Stdout = new();
        public readonly StringBuilder Stderr = new();
        public readonly Queue<Action> OnEachStatusCheck = new();
        public RiverTaskStatus Status = RiverTaskStatus.Running;

        public GrowingTask()
        {
            Http.On("GET /api/tasks/7/stdout", r => Answer(Stdout, r));
            Http.On("GET /api/tasks/7/stderr", r => Answer(Stderr, r));
            Http.On("GET /api/tasks/7/wait", _ =>
            {
                if (OnEachStatusCheck.Count > 0) OnEachStatusCheck.Dequeue()();
                return FakeHost.Json(new TaskDto { TaskId = 7, Status = Status }, RiverJsonContext.Default.TaskDto);
            });
        }

        private static HttpResponseMessage Answer(StringBuilder log, SeenRequest r)
        {
            var all = Encoding.UTF8.GetBytes(log.ToString());
            var start = 0;
            if (r.Query("offset") is { } o) start = (int)Math.Min(long.Parse(o), all.Length);
            else if (r.Query("lines") is { } l)
            {
                var n = int.Parse(l);
                var text = Encoding.UTF8.GetString(all);
                var cut = text.TrimEnd('\n').Split('\n');
                var tail = string.Join("\n", cut.Skip(Math.Max(0, cut.Length - n))) + (text.EndsWith('\n') ? "\n" : "");
                start = all.Length - Encoding.UTF8.GetByteCount(tail);
            }
            return FakeHost.Text(Encoding.UTF8.GetString(all, start, all.Length - start), all.Length);
        }
    }

    private static async Task<List<OutputLine>> ReadAll(RiverClient client, OutputFollowOptions options)
    {
        var lines = new List<OutputLine>();
        await foreach (var l in OutputFollower.ReadAsync(client, 7, options, Ct)) lines.Add(l);
        return lines;
    }

    [Fact]
    public async Task Without_following_both_streams_are_read_once_and_kept_apart()
    {
        var task = new GrowingTask();
        task.Stdout.Append("one\ntwo\nthree");
        task.Stderr.Append("warn\n");
        using var client = task.Http.Client();

        var lines = await ReadAll(client, new OutputFollowOptions());

        Assert.Equal(["one", "two", "three"], lines.Where(l => l.Stream == TaskOutputStream.Stdout).Select(l => l.Text));
        Assert.Equal(["warn"], lines.Where(l => l.Stream == TaskOutputStream.Stderr).Select(l => l.Text));
        Assert.DoesNotContain(task.Http.Requests, r => r.Path.EndsWith("/wait"));
    }

    [Fact]
    public async Task Selecting_stderr_reads_only_stderr()
    {
        var task = new GrowingTask();
        task.Stdout.Append("out\n");
        task.Stderr.Append("err\n");
        using var client = task.Http.Client();

        var lines = await ReadAll(client, new OutputFollowOptions { Streams = TaskOutputSelection.StandardError });

        Assert.Equal(["err"], lines.Select(l => l.Text));
        Assert.All(task.Http.Requests, r => Assert.EndsWith("/stderr", r.Path));
    }

    [Fact]
    public async Task Following_from_the_tail_delivers_every_later_line_once_until_the_task_ends()
    {
        var task = new GrowingTask();
        task.Stdout.Append("old 1\nold 2\nold 3\n");
        task.OnEachStatusCheck.Enqueue(() => task.Stdout.Append("new 1\nnew "));
        task.OnEachStatusCheck.Enqueue(() => { });
        task.OnEachStatusCheck.Enqueue(() => task.Stdout.Append("2\n"));
        task.OnEachStatusCheck.Enqueue(() =>
        {
            task.Stdout.Append("last, no newline");
            task.Stderr.Append("bye\n");
            task.Status = RiverTaskStatus.Completed;
        });
        using var client = task.Http.Client();

        var lines = await ReadAll(client, new OutputFollowOptions { Tail = 1, Follow = true, PollInterval = TimeSpan.FromMilliseconds(10) });

        Assert.Equal(["old 3", "new 1", "new 2", "last, no newline"], lines.Where(l => l.Stream == TaskOutputStream.Stdout).Select(l => l.Text));
        Assert.Equal(["bye"], lines.Where(l => l.Stream == TaskOutputStream.Stderr).Select(l => l.Text));
        var stdoutReads = task.Http.Requests.Where(r => r.Path.EndsWith("/stdout")).ToList();
        Assert.Equal("1", stdoutReads[0].Query("lines"));
        Assert.All(stdoutReads.Skip(1), r => Assert.NotNull(r.Query("offset")));
        // After news the next status check does not wait; after a quiet read it long-polls.
        var waits = task.Http.Requests.Where(r => r.Path.EndsWith("/wait")).Select(r => r.Query("timeout")).ToList();
        Assert.Equal("0", waits[0]);
        Assert.Contains("0.01", waits);
    }

    [Fact]
    public async Task A_missing_task_is_the_hosts_not_found()
    {
        using var client = new FakeHost().Client();
        var e = await Assert.ThrowsAsync<RiverApiException>(() => ReadAll(client, new OutputFollowOptions()));
        Assert.Equal(RiverErrorKind.NotFound, e.Kind);
    }
}
