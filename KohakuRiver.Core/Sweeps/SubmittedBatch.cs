using KohakuRiver.Core.Tasks;

namespace KohakuRiver.Core.Sweeps;

/// <summary>What one submission produced: the batch and its tasks, in the order they were specified.</summary>
public sealed record SubmittedBatch(long? BatchId, IReadOnlyList<RiverTask> Tasks);
