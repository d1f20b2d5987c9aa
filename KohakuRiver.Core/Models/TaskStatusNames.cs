namespace KohakuRiver.Core.Models;

public static class TaskStatusNames
{
    private static readonly Dictionary<string, RiverTaskStatus> ByName = new(StringComparer.OrdinalIgnoreCase)
    {
        ["pending"] = RiverTaskStatus.Pending,
        ["assigning"] = RiverTaskStatus.Assigning,
        ["running"] = RiverTaskStatus.Running,
        ["paused"] = RiverTaskStatus.Paused,
        ["completed"] = RiverTaskStatus.Completed,
        ["failed"] = RiverTaskStatus.Failed,
        ["killed"] = RiverTaskStatus.Killed,
        ["killed_oom"] = RiverTaskStatus.KilledOom,
        ["lost"] = RiverTaskStatus.Lost,
        ["rejected"] = RiverTaskStatus.Rejected,
        ["stopped"] = RiverTaskStatus.Stopped,
    };

    public static string ToWire(this RiverTaskStatus status) => status switch
    {
        RiverTaskStatus.Pending => "pending",
        RiverTaskStatus.Assigning => "assigning",
        RiverTaskStatus.Running => "running",
        RiverTaskStatus.Paused => "paused",
        RiverTaskStatus.Completed => "completed",
        RiverTaskStatus.Failed => "failed",
        RiverTaskStatus.Killed => "killed",
        RiverTaskStatus.KilledOom => "killed_oom",
        RiverTaskStatus.Lost => "lost",
        RiverTaskStatus.Rejected => "rejected",
        RiverTaskStatus.Stopped => "stopped",
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, null),
    };

    public static bool TryParse(string? name, out RiverTaskStatus status)
    {
        status = default;
        if (name is null) return false;
        if (ByName.TryGetValue(name.Trim(), out status)) return true;
        // Also accept the PowerShell-facing enum names (KilledOom), but not numbers: "3" is not a status.
        var trimmed = name.Trim();
        return trimmed.Length > 0 && char.IsAsciiLetter(trimmed[0]) &&
               Enum.TryParse(trimmed, ignoreCase: true, out status) && Enum.IsDefined(status);
    }

    public static RiverTaskStatus Parse(string name) =>
        TryParse(name, out var s) ? s : throw new FormatException(
            $"'{name}' is not a task status; expected one of: {string.Join(", ", ByName.Keys)}.");

    public static IReadOnlyCollection<string> AllWireNames => ByName.Keys;
}
