using KohakuRiver.Core.Models;
using KohakuRiver.Core.Tasks;

namespace KohakuRiver.Core.Listing;

/// <summary>What <c>Get-RiverTask</c> asks for. Every criterion given narrows the result; ids pick tasks directly
/// (each one looked up), the rest page through the host's list.</summary>
public sealed class TaskFilter
{
    public IReadOnlyList<long> TaskIds { get; init; } = [];
    public long? BatchId { get; init; }
    /// <summary>Empty or null means any node (a pending task piped in has none yet).</summary>
    public string? NodeName { get; init; }
    public IReadOnlyList<RiverTaskStatus> Statuses { get; init; } = [];
    /// <summary>At most this many, newest first.</summary>
    public int? Newest { get; init; }

    public bool Matches(RiverTask t) =>
        (BatchId is not { } b || t.BatchId == b) &&
        (string.IsNullOrEmpty(NodeName) || string.Equals(t.NodeName, NodeName, StringComparison.OrdinalIgnoreCase)) &&
        (Statuses.Count == 0 || Statuses.Contains(t.Status));
}
