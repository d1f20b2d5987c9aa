namespace KohakuRiver.Core.Models;

/// <summary>
/// The one place that decides which status changes are allowed:
/// pending → assigning → running ⇄ paused → completed | failed | killed | killed_oom | lost,
/// plus rejected, and stopped for a VPS. Nothing leaves a final status, and nothing moves backwards
/// except assigning → pending, the dispatcher's requeue when a runner could not be reached.
/// </summary>
public static class TaskLifecycle
{
    public static bool IsFinal(this RiverTaskStatus s) => s is RiverTaskStatus.Completed or RiverTaskStatus.Failed
        or RiverTaskStatus.Killed or RiverTaskStatus.KilledOom or RiverTaskStatus.Lost
        or RiverTaskStatus.Rejected or RiverTaskStatus.Stopped;

    /// <summary>True while the task holds (or may hold) resources on a node.</summary>
    public static bool HoldsResources(this RiverTaskStatus s) =>
        s is RiverTaskStatus.Assigning or RiverTaskStatus.Running or RiverTaskStatus.Paused;

    public static bool CanMove(RiverTaskStatus from, RiverTaskStatus to)
    {
        if (from.IsFinal()) return false;
        if (from == to) return false;
        return from switch
        {
            RiverTaskStatus.Pending => to is RiverTaskStatus.Assigning or RiverTaskStatus.Killed
                or RiverTaskStatus.Rejected or RiverTaskStatus.Failed or RiverTaskStatus.Stopped,
            RiverTaskStatus.Assigning => to is RiverTaskStatus.Pending or RiverTaskStatus.Running or RiverTaskStatus.Completed
                or RiverTaskStatus.Failed or RiverTaskStatus.Killed or RiverTaskStatus.KilledOom or RiverTaskStatus.Lost
                or RiverTaskStatus.Stopped,
            RiverTaskStatus.Running => to is not (RiverTaskStatus.Pending or RiverTaskStatus.Assigning or RiverTaskStatus.Rejected),
            RiverTaskStatus.Paused => to is not (RiverTaskStatus.Pending or RiverTaskStatus.Assigning or RiverTaskStatus.Rejected),
            _ => false,
        };
    }
}
