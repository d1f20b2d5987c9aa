using System.Globalization;
using KohakuRiver.Core.Models;
using KohakuRiver.Core.Parsing;
using KohakuRiver.Core.Wire;
using KohakuRiver.Daemon.Host.Records;
using KohakuRiver.Daemon.Host.Scheduling;
using KohakuRiver.Daemon.Host.Submission;

namespace KohakuRiver.Daemon.Host.State;

// Submission: checked requests become task records (SubmissionBuilder), are checked against the nodes, then stored and
// queued as one batch.
public sealed partial class ClusterState
{
    public SubmitResponse Submit(IReadOnlyList<SubmitRequest> specs)
    {
        SubmissionValidator.CheckBatchSize(specs);
        var now = _time.GetUtcNow();
        var prepared = new List<(TaskRecord Task, string Label)>();
        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < specs.Count; i++)
        {
            var label = specs.Count == 1 ? "" : $"tasks[{i}]: ";
            prepared.AddRange(_builder.Commands(specs[i], label, names));
        }

        var tasks = Accept(prepared, now);
        return new SubmitResponse
        {
            Message = $"{tasks.Count} task(s) accepted",
            BatchId = tasks[0].BatchId,
            TaskIds = tasks.Select(t => t.TaskId.ToString(CultureInfo.InvariantCulture)).ToList(),
        };
    }

    /// <summary>Queues a VPS (one task, its own batch). The caller has checked the key and the environment.</summary>
    public TaskRecord SubmitVps(VpsCreateRequest request, SshKeyMode keyMode, string? publicKey)
    {
        var task = _builder.Vps(request, keyMode, publicKey);
        var accepted = Accept([(task, "")], _time.GetUtcNow());
        return GetTask(accepted[0].TaskId)!;
    }

    /// <summary>Checks prepared tasks against the registered nodes, then stores and queues them as one batch, all or
    /// nothing. Returns them as accepted.</summary>
    private List<TaskRecord> Accept(List<(TaskRecord Task, string Label)> prepared, DateTimeOffset now)
    {
        lock (_gate)
        {
            var capacities = Capacities();
            var largestNode = NodeCapacities.LargestMemory(capacities.Values);
            foreach (var (task, label) in prepared)
            {
                // The default limit is reserved like an asked-for one, so what the scheduler counts is what runs; it
                // never exceeds the largest node, so a default alone never makes a task impossible.
                var byDefault = _settings.DefaultMemoryBytes(task.RequiredCores);
                task.RequiredMemoryBytes ??= largestNode > 0 ? Math.Min(byDefault, largestNode) : byDefault;
                var why = BinPackingScheduler.WhyInfeasible(ResourceRequest.Of(task), capacities.Values);
                if (why is not null) throw HostException.Invalid($"{label}{Describe(task)} can never run: {why}");
            }

            var batchId = _ids.Next();
            var tasks = new List<TaskRecord>(prepared.Count);
            foreach (var (task, _) in prepared)
            {
                task.TaskId = tasks.Count == 0 ? batchId : _ids.Next();
                task.BatchId = batchId;
                task.Status = RiverTaskStatus.Pending;
                task.SubmittedAt = now;
                task.LogsFolder = _logsFolder;
                tasks.Add(task);
            }
            _store.InsertBatch(batchId, now, tasks);
            foreach (var t in tasks) Enqueue(_active[t.TaskId] = new ActiveTask(t, now));
            DispatchSignal.Set();
            return tasks.Select(t => t.Clone()).ToList();
        }
    }

    private static string Describe(TaskRecord t) =>
        $"a task needing {t.RequiredCores} core(s)" +
        (t.RequiredMemoryBytes is { } memory ? $" and {ByteSize.Format(memory)}" : "") +
        (t.RequiredGpuCount is { } gpus ? $" and {gpus} GPU(s)" : t.RequiredGpus is { Count: > 0 } ids ? $" and GPU(s) {string.Join(",", ids)}" : "") +
        (t.TargetHostname is { } node ? $" on '{node}'" : "");
}
