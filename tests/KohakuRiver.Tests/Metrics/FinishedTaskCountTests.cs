using KohakuRiver.Core.Models;
using KohakuRiver.Daemon.Host.Records;
using KohakuRiver.Daemon.Host.Storage;
using KohakuRiver.Tests.Host;
using Xunit;

namespace KohakuRiver.Tests.Metrics;

/// <summary>The store's count of finished tasks, which /metrics adds to the unfinished ones the host counts in memory.</summary>
public sealed class FinishedTaskCountTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Only_final_statuses_are_counted_each_by_itself()
    {
        using var store = new HostStore(_dir.Combine("data", "kohakuriver.db"));
        var statuses = new[]
        {
            RiverTaskStatus.Completed, RiverTaskStatus.Completed, RiverTaskStatus.Completed, RiverTaskStatus.Failed,
            RiverTaskStatus.KilledOom, RiverTaskStatus.Pending, RiverTaskStatus.Running, RiverTaskStatus.Paused, RiverTaskStatus.Assigning,
        };
        store.InsertBatch(1, DateTimeOffset.UtcNow, statuses.Select((s, i) => new TaskRecord
        {
            TaskId = i + 1, BatchId = 1, Command = "true", Status = s, RequiredCores = 1, SubmittedAt = DateTimeOffset.UtcNow,
        }).ToList());

        var counts = store.CountFinishedByStatus();

        Assert.Equal(new Dictionary<RiverTaskStatus, long>
        {
            [RiverTaskStatus.Completed] = 3,
            [RiverTaskStatus.Failed] = 1,
            [RiverTaskStatus.KilledOom] = 1,
        }, counts);
    }

    [Fact]
    public void An_empty_store_counts_nothing()
    {
        using var store = new HostStore(_dir.Combine("data", "kohakuriver.db"));
        Assert.Empty(store.CountFinishedByStatus());
    }
}
