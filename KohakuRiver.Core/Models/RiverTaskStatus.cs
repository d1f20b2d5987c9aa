namespace KohakuRiver.Core.Models;

/// <summary>Where a task is in its life. Wire names are snake_case (see <see cref="TaskStatusNames"/>).</summary>
public enum RiverTaskStatus
{
    Pending,
    Assigning,
    Running,
    Paused,
    Completed,
    Failed,
    Killed,
    KilledOom,
    Lost,
    Rejected,
    Stopped,
}
