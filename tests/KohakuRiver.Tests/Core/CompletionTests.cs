using System.Diagnostics;
using System.Net;
using KohakuRiver.Core.Completion;
using KohakuRiver.Core.Models;
using KohakuRiver.Core.Wire;
using Xunit;

namespace KohakuRiver.Tests.Core;

public sealed class CompletionTests
{
    private static readonly CompletionCandidate[] Nodes =
        new[] { "gpu-a", "gpu-b", "cpu-1", "my node" }.Select(n => new CompletionCandidate(n, n, n)).ToArray();

    [Theory]
    [InlineData("", new[] { "gpu-a", "gpu-b", "cpu-1", "'my node'" })]
    [InlineData("GPU", new[] { "gpu-a", "gpu-b" })]
    [InlineData("*-1", new[] { "cpu-1" })]
    [InlineData("gpu-[b-z]", new[] { "gpu-b" })]
    [InlineData("'my", new[] { "'my node'" })]
    [InlineData("\"my", new[] { "\"my node\"" })]
    [InlineData("'gpu-a'", new[] { "'gpu-a'" })]
    [InlineData("zzz", new string[0])]
    public void Candidates_match_by_prefix_with_wildcards_and_come_back_quoted_when_needed(string word, string[] expected) =>
        Assert.Equal(expected, CompletionMatcher.Match(Nodes, word).Select(i => i.CompletionText));

    [Theory]
    [InlineData("abc", "a*", true)]
    [InlineData("abc", "A?C", true)]
    [InlineData("abc", "a?", false)]
    [InlineData("a*c", "a`*c", true)]
    [InlineData("abc", "a`*c", false)]
    [InlineData("node-12", "node-[0-9]*", true)]
    [InlineData("node-x2", "node-[0-9]*", false)]
    [InlineData("aaaaaaaaaaaaaaaaaaaaaaaab", "*a*a*a*a*b", true)]
    public void Wildcards_follow_PowerShell(string text, string pattern, bool expected) => Assert.Equal(expected, Glob.IsMatch(text, pattern));

    [Fact]
    public void Task_ids_come_from_the_newest_tasks_and_are_cached_briefly()
    {
        var host = new FakeHost().On("GET /api/tasks", _ => FakeHost.Json(
            new List<TaskDto>
            {
                new() { TaskId = 7205759403792793601, Status = RiverTaskStatus.Running, NodeName = "gpu-a", Command = "train" },
                new() { TaskId = 7205759403792793600, Status = RiverTaskStatus.Completed, Name = "prep" },
            }, RiverJsonContext.Default.ListTaskDto));
        using var client = host.Client();
        var time = new ManualTimeProvider();
        var completer = new RiverCompleter(() => client, new CompletionCache(time, TimeSpan.FromSeconds(10)));

        var items = completer.CompleteTaskIds("72057594037927936");
        Assert.Equal(["7205759403792793601", "7205759403792793600"], items.Select(i => i.CompletionText));
        Assert.Equal("7205759403792793601 (running)", items[0].ListItemText);
        Assert.Contains("gpu-a", items[0].ToolTip);
        Assert.Equal("100", host.Requests.Single().Query("limit"));

        completer.CompleteTaskIds("");
        Assert.Single(host.Requests);
        time.Advance(TimeSpan.FromSeconds(11));
        completer.CompleteTaskIds("");
        Assert.Equal(2, host.Requests.Count);
    }

    [Fact]
    public void A_slow_host_completes_nothing_within_the_deadline()
    {
        var host = new FakeHost().On("GET /api/nodes", async (_, ct) =>
        {
            await Task.Delay(Timeout.Infinite, ct);
            return new HttpResponseMessage();
        });
        using var client = host.Client();
        var completer = new RiverCompleter(() => client, new CompletionCache(), TimeSpan.FromMilliseconds(200));

        var watch = Stopwatch.StartNew();
        Assert.Empty(completer.CompleteNodeNames("g"));
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"took {watch.Elapsed}");
    }

    [Fact]
    public void Failures_of_any_kind_complete_nothing()
    {
        using var client = new FakeHost()
            .On("GET /api/nodes", _ => FakeHost.Error(HttpStatusCode.Unauthorized, "bad token"))
            .On("GET /api/tasks", _ => throw new InvalidOperationException("boom"))
            .Client();
        var completer = new RiverCompleter(() => client);
        Assert.Empty(completer.CompleteNodeNames(""));
        Assert.Empty(completer.CompleteTaskIds(""));
        Assert.Empty(new RiverCompleter(() => null).CompleteNodeNames(""));
        Assert.Empty(new RiverCompleter(() => throw new InvalidOperationException("no config")).CompleteNodeNames(""));
    }

    [Fact]
    public void Environments_come_from_the_hosts_list_and_a_host_without_one_offers_none()
    {
        using var without = new FakeHost().Client();
        Assert.Empty(new RiverCompleter(() => without).CompleteEnvironments(""));

        using var with = new FakeHost().On("GET /api/docker/list", _ => new HttpResponseMessage(HttpStatusCode.OK)
        {
            Content = new StringContent("""{"pytorch": {"latest_timestamp": 1}, "busybox": {"latest_timestamp": 2}}"""),
        }).Client();
        Assert.Equal(["busybox", "pytorch"], new RiverCompleter(() => with).CompleteEnvironments("").Select(i => i.CompletionText));
    }

    [Fact]
    public void Environments_come_from_the_published_list_and_the_host_containers_together()
    {
        var host = new FakeHost()
            .On("GET /api/docker/host/containers", _ => FakeHost.Json(new List<EnvironmentContainer>
            {
                new() { Environment = "scratch", Status = "exited" },
                new() { Environment = "pytorch", Status = "running" },
            }, RiverJsonContext.Default.ListEnvironmentContainer))
            .On("GET /api/docker/list", _ => FakeHost.Json(new Dictionary<string, EnvironmentTarballs>
            {
                ["pytorch"] = new() { LatestTimestamp = 1_700_000_000, AllVersions = [new() { Timestamp = 1_700_000_000 }] },
                ["cuda"] = new() { LatestTimestamp = 1_600_000_000 },
            }, RiverJsonContext.Default.DictionaryStringEnvironmentTarballs));
        using var client = host.Client();

        var items = new RiverCompleter(() => client).CompleteEnvironments("");

        Assert.Equal(["cuda", "pytorch", "scratch"], items.Select(i => i.CompletionText));
        Assert.Contains("published 1 version(s)", items[1].ToolTip);
        Assert.Contains("host container running", items[1].ToolTip);
        Assert.DoesNotContain("published", items[2].ToolTip);
    }

    [Fact]
    public void A_failing_list_leaves_the_other_and_when_both_fail_nothing_is_remembered()
    {
        var containersUp = false;
        var host = new FakeHost()
            .On("GET /api/docker/host/containers", _ => containersUp
                ? FakeHost.Json(new List<EnvironmentContainer> { new() { Environment = "scratch" } }, RiverJsonContext.Default.ListEnvironmentContainer)
                : FakeHost.Error(HttpStatusCode.ServiceUnavailable, "the host's Docker engine is unreachable"))
            .On("GET /api/docker/list", _ => FakeHost.Error(HttpStatusCode.InternalServerError, "disk"));
        using var client = host.Client();
        var completer = new RiverCompleter(() => client);

        Assert.Empty(completer.CompleteEnvironments(""));
        containersUp = true;
        Assert.Equal(["scratch"], completer.CompleteEnvironments("").Select(i => i.CompletionText));
        Assert.Equal(4, host.Requests.Count);
    }

    [Fact]
    public void VPS_ids_come_from_the_active_VPS_list()
    {
        var host = new FakeHost().On("GET /api/vps/status", _ => FakeHost.Json(new List<TaskDto>
        {
            new() { TaskId = 7205759403792793700, TaskType = "vps", Status = RiverTaskStatus.Running, NodeName = "gpu-a", Name = "dev", Environment = "py312" },
        }, RiverJsonContext.Default.ListTaskDto));
        using var client = host.Client();

        var item = Assert.Single(new RiverCompleter(() => client).CompleteVpsTaskIds("72"));

        Assert.Equal("7205759403792793700", item.CompletionText);
        Assert.Contains("VPS dev running on gpu-a, environment py312", item.ToolTip);
        Assert.Empty(new RiverCompleter(() => client).CompleteVpsTaskIds("9"));
    }
}
