namespace KohakuRiver.Daemon.Host.Scheduling;

/// <summary>
/// Placement split as Nomad does it: feasibility (could this node ever run the request?) and fit (can it now?),
/// then ranking. Pure functions over a snapshot, so every rule is tested without a cluster.
/// Ranking is best-fit: the fitting node left with the fewest free cores after placement, then the least free
/// memory, then the fewest free GPUs (so a task without GPUs leaves a GPU node's cores to the GPU tasks when another node
/// fits it as well), then the node name (ordinal) so that the choice is deterministic. Which GPUs a task asking for a
/// number of them gets is <see cref="ChooseGpus"/>.
/// </summary>
public static class BinPackingScheduler
{
    /// <summary>Null when some node could ever satisfy the request; otherwise why none can.</summary>
    public static string? WhyInfeasible(ResourceRequest r, IReadOnlyCollection<NodeCapacity> nodes)
    {
        if (r.TargetNode is not null)
        {
            var node = nodes.FirstOrDefault(n => n.Name == r.TargetNode);
            if (node is null) return $"node '{r.TargetNode}' is not registered";
            return WhyNodeInfeasible(r, node);
        }
        if (nodes.Count == 0) return "no node is registered";
        var reasons = nodes.Select(n => WhyNodeInfeasible(r, n)).ToList();
        if (reasons.Any(x => x is null)) return null;
        return "no registered node can ever satisfy it: " + string.Join("; ", reasons);
    }

    public static string? WhyNodeInfeasible(ResourceRequest r, NodeCapacity n)
    {
        if (r.Cores > n.TotalCores) return $"{n.Name} has {n.TotalCores} cores, {r.Cores} requested";
        if (r.MemoryBytes > n.TotalMemoryBytes) return $"{n.Name} has {n.TotalMemoryBytes} bytes of memory, {r.MemoryBytes} requested";
        if (r.NumaNode is { } numa)
        {
            if (!n.NumaCores.TryGetValue(numa, out var numaCores)) return $"{n.Name} has no NUMA node {numa}";
            if (r.Cores > numaCores) return $"{n.Name} NUMA node {numa} has {numaCores} cores, {r.Cores} requested";
        }
        if (r.GpuIds is { Count: > 0 } gpus)
        {
            var missing = gpus.Where(g => !n.Gpus.Contains(g)).ToList();
            if (missing.Count > 0) return $"{n.Name} has no GPU {string.Join(",", missing)}";
        }
        if (r.GpuCount > n.Gpus.Count) return $"{n.Name} has {n.Gpus.Count} GPU(s), {r.GpuCount} requested";
        return null;
    }

    public static bool FitsNow(ResourceRequest r, NodeCapacity n)
    {
        if (!n.Online || !Feasible(r, n)) return false;
        if (r.Cores > n.FreeCores || r.MemoryBytes > n.FreeMemoryBytes) return false;
        if (r.NumaNode is { } numa &&
            r.Cores > n.NumaCores[numa] - n.ReservedNumaCores.GetValueOrDefault(numa)) return false;
        if (r.GpuIds is { Count: > 0 } gpus && gpus.Any(n.ReservedGpus.Contains)) return false;
        if (r.GpuCount > 0 && r.GpuCount > n.FreeGpuCount) return false;
        return true;
    }

    /// <summary>What <see cref="WhyNodeInfeasible"/> decides, without writing the reason: placement asks this of every
    /// node for every queued task it tries.</summary>
    private static bool Feasible(ResourceRequest r, NodeCapacity n)
    {
        if (r.Cores > n.TotalCores || r.MemoryBytes > n.TotalMemoryBytes) return false;
        if (r.NumaNode is { } numa && (!n.NumaCores.TryGetValue(numa, out var numaCores) || r.Cores > numaCores)) return false;
        if (r.GpuIds is { Count: > 0 } gpus)
            foreach (var gpu in gpus)
                if (!n.Gpus.Contains(gpu)) return false;
        return r.GpuCount <= n.Gpus.Count;
    }

    /// <summary>The node to run the request on now, or null when it has to wait.</summary>
    public static NodeCapacity? Place(ResourceRequest r, IEnumerable<NodeCapacity> nodes)
    {
        NodeCapacity? best = null;
        foreach (var n in nodes)
        {
            if (r.TargetNode is not null && n.Name != r.TargetNode) continue;
            if (!FitsNow(r, n)) continue;
            if (best is null || Compare(r, n, best) < 0) best = n;
        }
        return best;
    }

    private static int Compare(ResourceRequest r, NodeCapacity a, NodeCapacity b)
    {
        var c = (a.FreeCores - r.Cores).CompareTo(b.FreeCores - r.Cores);
        if (c != 0) return c;
        c = (a.FreeMemoryBytes - r.MemoryBytes).CompareTo(b.FreeMemoryBytes - r.MemoryBytes);
        if (c != 0) return c;
        c = a.FreeGpuCount.CompareTo(b.FreeGpuCount);
        return c != 0 ? c : string.CompareOrdinal(a.Name, b.Name);
    }

    /// <summary>
    /// The <paramref name="count"/> free GPUs of <paramref name="node"/> a task asking for a number of GPUs gets, in
    /// ascending order; null when fewer are free. Deterministic and NUMA-aware where the runner reported where its GPUs
    /// are: with a NUMA node named (<paramref name="numaNode"/>), that node's free GPUs first, then the lowest other
    /// ids; without one, all on one NUMA node when some node has enough free (the one with the fewest free GPUs that
    /// still has enough, so larger groups stay whole for larger requests; ties to the lower NUMA id), else the lowest
    /// free ids. Within a group, lowest ids first.
    /// </summary>
    public static IReadOnlyList<int>? ChooseGpus(NodeCapacity node, int count, int? numaNode)
    {
        if (count <= 0) return [];
        var free = node.Gpus.Where(g => !node.ReservedGpus.Contains(g)).Order().ToList();
        if (free.Count < count) return null;
        int NumaOf(int gpu) => node.GpuNumaNodes.TryGetValue(gpu, out var numa) ? numa : -1;
        List<int> chosen;
        if (numaNode is { } wanted)
        {
            chosen = free.Where(g => NumaOf(g) == wanted).Concat(free.Where(g => NumaOf(g) != wanted)).Take(count).ToList();
        }
        else
        {
            var group = free.Where(g => NumaOf(g) >= 0).GroupBy(NumaOf)
                .Where(g => g.Count() >= count)
                .OrderBy(g => g.Count()).ThenBy(g => g.Key)
                .FirstOrDefault();
            chosen = (group ?? (IEnumerable<int>)free).Take(count).ToList();
        }
        chosen.Sort();
        return chosen;
    }
}
