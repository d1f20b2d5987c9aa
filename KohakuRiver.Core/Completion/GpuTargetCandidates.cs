using System.Globalization;
using KohakuRiver.Core.Nodes;
using KohakuRiver.Core.Wire;

namespace KohakuRiver.Core.Completion;

/// <summary>
/// The GPU part of a target, <c>node::0,1</c>: after <c>node::</c> (or <c>node:numa::</c>, or a list ending in a
/// comma) the node's GPU ids not yet listed, free ones first, each with a tip saying whether a task holds it.
/// </summary>
public static class GpuTargetCandidates
{
    /// <summary>Splits what was typed (unquoted) into the text before the id being typed (<c>gpu-1::0,</c>), the node's
    /// name and the ids already listed; false when it is not the GPU part of a target.</summary>
    public static bool TryParse(string typed, out string prefix, out string nodeName, out IReadOnlyList<int> chosen)
    {
        prefix = nodeName = "";
        chosen = [];
        var sep = typed.IndexOf("::", StringComparison.Ordinal);
        if (sep <= 0) return false;
        var head = typed[..sep];
        nodeName = head.Split(':')[0];
        var list = typed[(sep + 2)..];
        var lastComma = list.LastIndexOf(',');
        prefix = typed[..(sep + 2 + lastComma + 1)];
        var ids = new List<int>();
        if (lastComma >= 0)
            foreach (var part in list[..lastComma].Split(','))
            {
                if (!int.TryParse(part.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var id)) return false;
                ids.Add(id);
            }
        chosen = ids;
        return nodeName.Length > 0;
    }

    /// <summary>The candidates for <paramref name="prefix"/> on <paramref name="node"/>: each GPU not in
    /// <paramref name="chosen"/>, free ones first, then by id.</summary>
    public static List<CompletionCandidate> For(RiverNode node, string prefix, IReadOnlyCollection<int> chosen) =>
        node.Gpus.Where(g => !chosen.Contains(g.GpuId))
            .OrderBy(g => g.InUse).ThenBy(g => g.GpuId)
            .Select(g =>
            {
                var id = g.GpuId.ToString(CultureInfo.InvariantCulture);
                return new CompletionCandidate(prefix + id, $"{id} ({(g.InUse ? "in use" : "free")})", Tip(g));
            }).ToList();

    private static string Tip(RiverGpu g)
    {
        var parts = new List<string> { $"GPU {g.GpuId} of {g.NodeName}: {(string.IsNullOrEmpty(g.Name) ? "unnamed" : g.Name)}" };
        if (g.MemoryFreeMiB is { } free && g.MemoryTotalMiB is { } total) parts.Add($"{free} of {total} MiB free");
        if (g.UtilizationPercent is { } busy) parts.Add($"{busy}% busy");
        if (g.TemperatureC is { } temp) parts.Add($"{temp} °C");
        parts.Add(g.InUse ? "in use by a task" : "free");
        return string.Join(", ", parts);
    }
}
