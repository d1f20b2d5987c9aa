using System.Net;
using KohakuRiver.Core.Client;
using KohakuRiver.Core.Listing;
using KohakuRiver.Core.Models;
using KohakuRiver.Core.Wire;
using Xunit;

namespace KohakuRiver.Tests.Core;

public sealed class TaskListingTests
{
    private static async Task<List<TaskLookup>> Run(RiverClient client, TaskFilter filter)
    {
        var all = new List<TaskLookup>();
        await foreach (var l in TaskListing.QueryAsync(client, filter, TestContext.Current.CancellationToken)) all.Add(l);
        return all;
    }

    [Fact]
    public async Task Ids_are_looked_up_one_by_one_and_an_unknown_one_is_an_entry_not_the_end()
    {
        var host = new FakeHost().On("GET /api/status/*", r =>
        {
            var id = long.Parse(r.Path.Split('/')[^1]);
            return id == 2
                ? FakeHost.Error(HttpStatusCode.NotFound, "task 2 not found")
                : FakeHost.Json(new TaskDto { TaskId = id, NodeName = "n1", Status = RiverTaskStatus.Running }, RiverJsonContext.Default.TaskDto);
        });
        using var client = host.Client();

        var found = await Run(client, new TaskFilter { TaskIds = [1, 2, 3, 1], NodeName = "" });

        Assert.Equal([1L, 2L, 3L], found.Select(f => f.RequestedId!.Value));
        Assert.Equal(RiverErrorKind.NotFound, found[1].Error!.Kind);
        Assert.Equal(3, found[2].Task!.TaskId);
        Assert.Empty(await Run(client, new TaskFilter { TaskIds = [1], Statuses = [RiverTaskStatus.Completed] }));
    }

    [Fact]
    public async Task A_listing_pages_through_the_host_with_every_filter_in_the_query()
    {
        var host = new FakeHost().On("GET /api/tasks", r =>
        {
            var offset = int.Parse(r.Query("offset")!);
            var limit = int.Parse(r.Query("limit")!);
            var total = 1200;
            var page = Enumerable.Range(offset, Math.Max(0, Math.Min(limit, total - offset)))
                .Select(i => new TaskDto { TaskId = total - i, Status = RiverTaskStatus.Failed }).ToList();
            return FakeHost.Json(page, RiverJsonContext.Default.ListTaskDto);
        });
        using var client = host.Client();

        var found = await Run(client, new TaskFilter { BatchId = 99, NodeName = "gpu-a", Statuses = [RiverTaskStatus.Failed] });

        Assert.Equal(1200, found.Count);
        Assert.Equal(3, host.Requests.Count);
        Assert.All(host.Requests, r => Assert.Equal(("99", "gpu-a", "failed"), (r.Query("batch_id"), r.Query("node"), r.Query("status"))));
    }

    [Fact]
    public async Task Newest_across_several_statuses_is_merged_newest_first()
    {
        var host = new FakeHost().On("GET /api/tasks", r =>
        {
            var ids = r.Query("status") == "running" ? new long[] { 50, 30, 10 } : [40, 20];
            return FakeHost.Json(ids.Take(int.Parse(r.Query("limit")!)).Select(id => new TaskDto { TaskId = id }).ToList(), RiverJsonContext.Default.ListTaskDto);
        });
        using var client = host.Client();

        var found = await Run(client, new TaskFilter { Statuses = [RiverTaskStatus.Running, RiverTaskStatus.Paused], Newest = 3 });

        Assert.Equal([50L, 40L, 30L], found.Select(f => f.Task!.TaskId));
    }
}
