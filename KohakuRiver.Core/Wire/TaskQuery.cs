using KohakuRiver.Core.Models;

namespace KohakuRiver.Core.Wire;

/// <summary>A page of tasks from GET /api/tasks, newest first.</summary>
public sealed class TaskQuery
{
    public RiverTaskStatus? Status { get; set; }
    public string? NodeName { get; set; }
    public long? BatchId { get; set; }
    public int Limit { get; set; } = 100;
    public int Offset { get; set; }
}
