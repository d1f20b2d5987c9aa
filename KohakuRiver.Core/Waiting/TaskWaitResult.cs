using KohakuRiver.Core.Tasks;

namespace KohakuRiver.Core.Waiting;

public sealed class TaskWaitResult
{
    /// <summary>All tasks finished (or, with Any, at least one did) before the timeout.</summary>
    public required bool Satisfied { get; init; }
    /// <summary>What Wait-Job would write: every task when all finished, the first finished one (in input order)
    /// with Any, and nothing on a timeout.</summary>
    public required IReadOnlyList<RiverTask> Output { get; init; }
    /// <summary>The tasks seen final, in input order, whatever the outcome.</summary>
    public required IReadOnlyList<RiverTask> Finished { get; init; }
    /// <summary>Ids still not final when the wait ended.</summary>
    public required IReadOnlyList<long> Unfinished { get; init; }
    /// <summary>Ids the host does not know.</summary>
    public required IReadOnlyList<long> Missing { get; init; }
}
