using KohakuRiver.Core.Completion;
using KohakuRiver.Core.Wire;

namespace KohakuRiver.Core.Listing;

/// <summary>Picks nodes by name, with wildcards; a plain name that matches nothing is reported as missing.</summary>
public static class NodeSelector
{
    public static (IReadOnlyList<RiverNode> Nodes, IReadOnlyList<string> Missing) Select(IReadOnlyList<RiverNode> nodes, IReadOnlyList<string>? names)
    {
        ArgumentNullException.ThrowIfNull(nodes);
        var wanted = names?.Where(n => !string.IsNullOrWhiteSpace(n)).ToList() ?? [];
        if (wanted.Count == 0) return (nodes.OrderBy(n => n.NodeName, StringComparer.OrdinalIgnoreCase).ToList(), []);
        var picked = new List<RiverNode>();
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var missing = new List<string>();
        foreach (var name in wanted)
        {
            var matches = nodes.Where(n => Glob.HasWildcards(name) ? Glob.IsMatch(n.NodeName, name)
                    : string.Equals(n.NodeName, name, StringComparison.OrdinalIgnoreCase))
                .OrderBy(n => n.NodeName, StringComparer.OrdinalIgnoreCase).ToList();
            if (matches.Count == 0 && !Glob.HasWildcards(name)) missing.Add(name);
            foreach (var m in matches)
                if (seen.Add(m.NodeName)) picked.Add(m);
        }
        return (picked, missing);
    }
}
