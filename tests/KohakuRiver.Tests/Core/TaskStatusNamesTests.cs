using KohakuRiver.Core.Models;
using Xunit;

namespace KohakuRiver.Tests.Core;

public sealed class TaskStatusNamesTests
{
    [Theory]
    [InlineData(RiverTaskStatus.Pending, "pending")]
    [InlineData(RiverTaskStatus.Assigning, "assigning")]
    [InlineData(RiverTaskStatus.Running, "running")]
    [InlineData(RiverTaskStatus.Paused, "paused")]
    [InlineData(RiverTaskStatus.Completed, "completed")]
    [InlineData(RiverTaskStatus.Failed, "failed")]
    [InlineData(RiverTaskStatus.Killed, "killed")]
    [InlineData(RiverTaskStatus.KilledOom, "killed_oom")]
    [InlineData(RiverTaskStatus.Lost, "lost")]
    [InlineData(RiverTaskStatus.Rejected, "rejected")]
    [InlineData(RiverTaskStatus.Stopped, "stopped")]
    public void Every_status_has_a_snake_case_wire_name_that_parses_back(RiverTaskStatus status, string wire)
    {
        Assert.Equal(wire, status.ToWire());
        Assert.True(TaskStatusNames.TryParse(wire, out var parsed));
        Assert.Equal(status, parsed);
        Assert.Equal(status, TaskStatusNames.Parse(wire.ToUpperInvariant()));
    }

    [Fact]
    public void The_wire_names_are_exactly_the_eleven_statuses()
    {
        Assert.Equal(
            ["assigning", "completed", "failed", "killed", "killed_oom", "lost", "paused", "pending", "rejected", "running", "stopped"],
            TaskStatusNames.AllWireNames.OrderBy(n => n, StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("KilledOom", RiverTaskStatus.KilledOom)]
    [InlineData("killedoom", RiverTaskStatus.KilledOom)]
    [InlineData(" Running ", RiverTaskStatus.Running)]
    public void PowerShell_enum_names_and_padded_names_are_accepted(string text, RiverTaskStatus expected)
    {
        Assert.True(TaskStatusNames.TryParse(text, out var s));
        Assert.Equal(expected, s);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("done")]
    [InlineData("killed-oom")]
    [InlineData("99")]
    public void Unknown_names_and_numbers_are_not_statuses(string? text)
    {
        Assert.False(TaskStatusNames.TryParse(text, out _));
    }

    [Fact]
    public void A_numeric_string_is_not_a_status_name()
    {
        Assert.False(TaskStatusNames.TryParse("3", out _));
        Assert.False(TaskStatusNames.TryParse("0", out _));
    }

    [Fact]
    public void Parse_of_an_unknown_name_lists_the_valid_names()
    {
        var e = Assert.Throws<FormatException>(() => TaskStatusNames.Parse("done"));
        Assert.StartsWith("'done' is not a task status; expected one of: pending, assigning, running,", e.Message);
        Assert.Contains("killed_oom", e.Message);
    }

    [Fact]
    public void ToWire_of_an_undefined_value_throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => ((RiverTaskStatus)42).ToWire());
    }
}
