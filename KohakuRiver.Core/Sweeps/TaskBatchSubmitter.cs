using System.Globalization;
using KohakuRiver.Core.Client;
using KohakuRiver.Core.Models;
using KohakuRiver.Core.Parsing;
using KohakuRiver.Core.Wire;
using KohakuRiver.Core.Tasks;

namespace KohakuRiver.Core.Sweeps;

/// <summary>
/// Submits a built batch in one call to <c>POST /api/batches</c> (all or nothing) and returns the new tasks without
/// asking the host for each: the host answers the ids in specification order, one per target, so the task objects
/// are made here from the specifications. If the answer does not line up, the tasks are read back by batch id.
/// </summary>
public static class TaskBatchSubmitter
{
    public static async Task<SubmittedBatch> SubmitAsync(RiverClient client, BatchSubmitRequest batch, TimeProvider? time = null,
        CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(batch);
        if (batch.Tasks.Count == 0) return new SubmittedBatch(null, []);
        var response = await client.SubmitBatchAsync(batch, ct).ConfigureAwait(false);
        var now = (time ?? TimeProvider.System).GetUtcNow();
        if (Materialize(batch, response, now) is { } tasks) return new SubmittedBatch(response.BatchId, tasks);
        if (response.BatchId is not { } batchId)
            throw new RiverApiException(null, $"the host accepted the batch but named neither its tasks nor its batch ({response.Message})");
        var listed = new List<RiverTask>();
        await foreach (var t in client.EnumerateTasksAsync(new TaskQuery { BatchId = batchId, Limit = 1000 }, ct: ct).ConfigureAwait(false))
            listed.Add(t);
        listed.Sort((a, b) => a.TaskId.CompareTo(b.TaskId));
        return new SubmittedBatch(batchId, listed);
    }

    /// <summary>The tasks as submitted, or null when the answer's ids do not match the specifications one to one.</summary>
    public static IReadOnlyList<RiverTask>? Materialize(BatchSubmitRequest batch, SubmitResponse response, DateTimeOffset now)
    {
        var expected = batch.Tasks.Sum(s => Math.Max(1, s.Targets?.Count ?? 0));
        if (response.TaskIds.Count != expected) return null;
        var tasks = new List<RiverTask>(expected);
        var next = 0;
        foreach (var spec in batch.Tasks)
        {
            var targets = spec.Targets is { Count: > 0 } ? spec.Targets : [null!];
            for (var i = 0; i < targets.Count; i++)
            {
                if (!long.TryParse(response.TaskIds[next++], NumberStyles.None, CultureInfo.InvariantCulture, out var id)) return null;
                TargetSpec? target = targets[i] is { } text && TargetSpec.TryParse(text, out var parsed, out _) ? parsed : null;
                var gpus = target?.GpuIds?.ToList() ?? (spec.RequiredGpus is { Count: > 0 } g && i < g.Count ? g[i] : null);
                tasks.Add(new RiverTask
                {
                    TaskId = id,
                    BatchId = response.BatchId,
                    Kind = TaskKindNames.TryParse(spec.TaskType, out var kind) ? kind : TaskKind.Command,
                    Name = spec.Name,
                    Command = spec.Command,
                    Arguments = spec.Arguments ?? [],
                    EnvVars = spec.EnvVars ?? [],
                    Parameters = spec.Parameters ?? [],
                    RequiredCores = spec.RequiredCores ?? 1,
                    RequiredMemoryBytes = spec.RequiredMemoryBytes,
                    PidsLimit = spec.PidsLimit,
                    RequiredGpus = gpus is { Count: > 0 } ? gpus : null,
                    RequiredGpuCount = spec.RequiredGpuCount,
                    TargetHostname = target?.NodeName,
                    TargetNumaNodeId = target?.NumaNodeId,
                    Environment = spec.ContainerName,
                    Image = spec.RegistryImage,
                    Privileged = spec.Privileged ?? false,
                    AdditionalMounts = spec.AdditionalMounts ?? [],
                    Status = RiverTaskStatus.Pending,
                    SubmittedAt = now,
                });
            }
        }
        return tasks;
    }
}
