using KohakuRiver.Core.Models;
using KohakuRiver.Daemon.Host.Scheduling;

namespace KohakuRiver.Daemon.Host.State;

// Dispatch: placing queued tasks on nodes, and taking them back when a runner could not be given them.
public sealed partial class ClusterState
{
    /// <summary>Places queued tasks, in submission order, wherever they fit now; marks them assigning.</summary>
    public List<PlacedTask> TakeDispatches()
    {
        lock (_gate)
        {
            if (_pending.Count == 0) return [];
            var capacities = Capacities();
            foreach (var n in _nodes.Values.Where(n => n.AwaitingContact))
                capacities[n.Stored.Hostname] = capacities[n.Stored.Hostname] with { Online = false };
            if (!capacities.Values.Any(c => c.Online)) return [];
            var now = _time.GetUtcNow();
            var result = new List<PlacedTask>();
            // The walk ends as soon as no online node has room for the smallest queued task, so a long queue behind
            // a full cluster costs nothing per signal. When one task's end frees a little room, most queued tasks
            // still fit nowhere: a task larger than every node's free cores or free memory is skipped with two
            // comparisons, and so is one no smaller than a size that already found no node in this walk (room only
            // shrinks while the walk places tasks). Only the rest are ranked over every node. A size counts GPUs too, so
            // a task that waits for a free GPU rules out only tasks needing at least as many, never a task without GPUs.
            var room = NodeCapacities.RoomFor(capacities.Values, _pending.MinCores, _pending.MinMemoryBytes);
            var (mostCores, mostMemory) = NodeCapacities.MostFree(capacities.Values);
            var unplaceable = new List<(int Cores, long MemoryBytes, int Gpus)>();
            foreach (var (id, cores, memory) in _pending.Entries)
            {
                if (!room) break;
                if (cores > mostCores || memory > mostMemory) continue;
                var a = _active[id];
                var request = ResourceRequest.Of(a.Task);
                var anywhere = request is { TargetNode: null, NumaNode: null, GpuIds: null or { Count: 0 } };
                var gpuCount = request.GpuCount;
                if (anywhere && unplaceable.Exists(size => cores >= size.Cores && memory >= size.MemoryBytes && gpuCount >= size.Gpus)) continue;
                // A task pinned to a node can only go there: look it up rather than rank every node.
                var node = request.TargetNode is { } target
                    ? capacities.TryGetValue(target, out var pinned) && BinPackingScheduler.FitsNow(request, pinned) ? pinned : null
                    : BinPackingScheduler.Place(request, capacities.Values);
                if (node is null)
                {
                    if (anywhere) unplaceable.Add((cores, memory, gpuCount));
                    continue;
                }
                if (gpuCount > 0)
                {
                    // The chosen ids are the task's before it moves, so the ledger reserves them with its cores; going
                    // back to the queue releases and then forgets them (Move).
                    var chosen = BinPackingScheduler.ChooseGpus(node, gpuCount, request.NumaNode)!;
                    a.Task.RequiredGpus = [.. chosen];
                    request = request with { GpuIds = chosen, GpuCount = 0 };
                }
                capacities[node.Name] = NodeCapacities.Reserve(node, request);
                a.Task.NodeName = node.Name;
                Move(a, RiverTaskStatus.Assigning, now);
                result.Add(new PlacedTask(a.Task.Clone(), node.Name, _nodes[node.Name].Stored.Registration.Url));
                room = NodeCapacities.RoomFor(capacities.Values, _pending.MinCores, _pending.MinMemoryBytes);
                (mostCores, mostMemory) = NodeCapacities.MostFree(capacities.Values);
            }
            foreach (var d in result) _pending.Remove(d.Task.TaskId);
            _store.UpdateTasks(result.Select(d => _active[d.Task.TaskId].Task).ToList());
            return result;
        }
    }

    /// <summary>The runner could not be given the task: queue it again, or fail it after repeated attempts.</summary>
    public void DispatchFailed(long taskId, string reason)
    {
        lock (_gate)
        {
            if (!_active.TryGetValue(taskId, out var a) || a.Task.Status != RiverTaskStatus.Assigning) return;
            var now = _time.GetUtcNow();
            a.DispatchAttempts++;
            if (a.Task.NodeName is { } node && _nodes.TryGetValue(node, out var n)) n.AwaitingContact = true;
            if (a.DispatchAttempts >= MaxDispatchAttempts)
            {
                a.Task.ErrorMessage = $"could not be handed to a runner after {a.DispatchAttempts} attempts; last: {reason}";
                Finish(a, RiverTaskStatus.Failed, now);
            }
            else
            {
                _log.LogWarning("Task {TaskId}: dispatch to {Node} failed ({Reason}); queued again; that node gets no work until it is heard from",
                    taskId, a.Task.NodeName, reason);
                Move(a, RiverTaskStatus.Pending, now);
                a.Task.NodeName = null;
                Enqueue(a);
                DispatchSignal.Set();
            }
            _store.UpdateTask(a.Task);
        }
    }

    /// <summary>The runner refused the task itself (400): it fails at once with the runner's reason.</summary>
    public void DispatchRefused(long taskId, string reason)
    {
        lock (_gate)
        {
            if (!_active.TryGetValue(taskId, out var a) || a.Task.Status != RiverTaskStatus.Assigning) return;
            _log.LogWarning("Task {TaskId}: {Node} refused it: {Reason}", taskId, a.Task.NodeName, reason);
            a.Task.ErrorMessage = $"refused by runner {a.Task.NodeName}: {reason}";
            Finish(a, RiverTaskStatus.Failed, _time.GetUtcNow());
            _store.UpdateTask(a.Task);
        }
    }
}
