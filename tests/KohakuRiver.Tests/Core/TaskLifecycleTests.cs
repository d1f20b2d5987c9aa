using KohakuRiver.Core.Models;
using Xunit;

namespace KohakuRiver.Tests.Core;

public sealed class TaskLifecycleTests
{
    private static readonly RiverTaskStatus[] All = Enum.GetValues<RiverTaskStatus>();

    private static readonly RiverTaskStatus[] Finals =
    [
        RiverTaskStatus.Completed, RiverTaskStatus.Failed, RiverTaskStatus.Killed, RiverTaskStatus.KilledOom,
        RiverTaskStatus.Lost, RiverTaskStatus.Rejected, RiverTaskStatus.Stopped,
    ];

    [Fact]
    public void Final_statuses_are_completed_failed_killed_killed_oom_lost_rejected_and_stopped()
    {
        Assert.Equal(Finals.OrderBy(s => s), All.Where(s => s.IsFinal()).OrderBy(s => s));
    }

    [Fact]
    public void Only_assigning_running_and_paused_hold_resources()
    {
        Assert.Equal([RiverTaskStatus.Assigning, RiverTaskStatus.Running, RiverTaskStatus.Paused],
            All.Where(s => s.HoldsResources()).OrderBy(s => s));
    }

    [Fact]
    public void Assigning_may_go_back_to_pending_but_nothing_leaves_a_final_status()
    {
        Assert.True(TaskLifecycle.CanMove(RiverTaskStatus.Assigning, RiverTaskStatus.Pending));
        foreach (var from in Finals)
        foreach (var to in All)
            Assert.False(TaskLifecycle.CanMove(from, to), $"{from} -> {to} must be refused");
    }

    [Fact]
    public void No_status_moves_to_itself()
    {
        foreach (var s in All) Assert.False(TaskLifecycle.CanMove(s, s), $"{s} -> {s}");
    }

    [Fact]
    public void Nothing_moves_backwards_except_assigning_to_pending()
    {
        RiverTaskStatus[] started = [RiverTaskStatus.Running, RiverTaskStatus.Paused];
        foreach (var from in started)
        {
            Assert.False(TaskLifecycle.CanMove(from, RiverTaskStatus.Pending), $"{from} -> pending");
            Assert.False(TaskLifecycle.CanMove(from, RiverTaskStatus.Assigning), $"{from} -> assigning");
            Assert.False(TaskLifecycle.CanMove(from, RiverTaskStatus.Rejected), $"{from} -> rejected");
        }
    }

    [Fact]
    public void Every_allowed_move_is_exactly_the_documented_table()
    {
        var expected = new HashSet<(RiverTaskStatus, RiverTaskStatus)>
        {
            (RiverTaskStatus.Pending, RiverTaskStatus.Assigning),
            (RiverTaskStatus.Pending, RiverTaskStatus.Killed),
            (RiverTaskStatus.Pending, RiverTaskStatus.Rejected),
            (RiverTaskStatus.Pending, RiverTaskStatus.Failed),
            // A VPS can be stopped before it ever ran.
            (RiverTaskStatus.Pending, RiverTaskStatus.Stopped),
            (RiverTaskStatus.Assigning, RiverTaskStatus.Stopped),
            (RiverTaskStatus.Assigning, RiverTaskStatus.Pending),
            (RiverTaskStatus.Assigning, RiverTaskStatus.Running),
            (RiverTaskStatus.Assigning, RiverTaskStatus.Completed),
            (RiverTaskStatus.Assigning, RiverTaskStatus.Failed),
            (RiverTaskStatus.Assigning, RiverTaskStatus.Killed),
            (RiverTaskStatus.Assigning, RiverTaskStatus.KilledOom),
            (RiverTaskStatus.Assigning, RiverTaskStatus.Lost),
        };
        foreach (var from in new[] { RiverTaskStatus.Running, RiverTaskStatus.Paused })
        foreach (var to in new[]
                 {
                     RiverTaskStatus.Running, RiverTaskStatus.Paused, RiverTaskStatus.Completed, RiverTaskStatus.Failed,
                     RiverTaskStatus.Killed, RiverTaskStatus.KilledOom, RiverTaskStatus.Lost, RiverTaskStatus.Stopped,
                 })
            if (from != to) expected.Add((from, to));

        var actual = new HashSet<(RiverTaskStatus, RiverTaskStatus)>();
        foreach (var from in All)
        foreach (var to in All)
            if (TaskLifecycle.CanMove(from, to)) actual.Add((from, to));

        Assert.Equal(expected.OrderBy(p => p), actual.OrderBy(p => p));
    }

    [Fact]
    public void A_pending_task_cannot_start_running_without_being_assigned()
    {
        Assert.False(TaskLifecycle.CanMove(RiverTaskStatus.Pending, RiverTaskStatus.Running));
        Assert.False(TaskLifecycle.CanMove(RiverTaskStatus.Pending, RiverTaskStatus.Completed));
        Assert.False(TaskLifecycle.CanMove(RiverTaskStatus.Assigning, RiverTaskStatus.Paused));
    }
}
