using System.Globalization;

namespace KohakuRiver.Core.Parsing;

/// <summary>
/// Where a task should run: <c>node</c>, <c>node:numa</c>, <c>node::gpu,gpu</c> or <c>node:numa::gpu,gpu</c>.
/// </summary>
public sealed record TargetSpec(string NodeName, int? NumaNodeId = null, IReadOnlyList<int>? GpuIds = null)
{
    public override string ToString()
    {
        var s = NodeName;
        if (NumaNodeId is { } numa) s += ":" + numa.ToString(CultureInfo.InvariantCulture);
        if (GpuIds is { Count: > 0 } gpus) s += "::" + string.Join(",", gpus);
        return s;
    }

    public static TargetSpec Parse(string text) =>
        TryParse(text, out var spec, out var error) ? spec! : throw new FormatException(error);

    public static bool TryParse(string? text, out TargetSpec? spec, out string? error)
    {
        spec = null;
        error = null;
        var original = text;
        text = text?.Trim();
        if (string.IsNullOrEmpty(text))
        {
            error = "target is empty; expected 'node', 'node:numa', 'node::gpu,gpu' or 'node:numa::gpu,gpu'";
            return false;
        }

        if (text.Length > 512)
        {
            error = $"target '{text[..40]}…' is longer than 512 characters";
            return false;
        }

        IReadOnlyList<int>? gpus = null;
        var gpuSep = text.IndexOf("::", StringComparison.Ordinal);
        var head = text;
        if (gpuSep >= 0)
        {
            head = text[..gpuSep];
            var list = text[(gpuSep + 2)..];
            var ids = new List<int>();
            foreach (var part in list.Split(','))
            {
                if (!int.TryParse(part.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var id))
                {
                    error = $"target '{original}': GPU id '{part}' is not a non-negative integer";
                    return false;
                }
                if (ids.Count == Wire.RequestLimits.MaxGpuIds)
                {
                    error = $"target '{original}' lists more than {Wire.RequestLimits.MaxGpuIds} GPU ids";
                    return false;
                }
                if (ids.Contains(id))
                {
                    error = $"target '{original}': GPU id {id} is listed twice";
                    return false;
                }
                ids.Add(id);
            }
            gpus = ids;
        }

        int? numa = null;
        var colon = head.IndexOf(':');
        var node = head;
        if (colon >= 0)
        {
            node = head[..colon];
            var numaText = head[(colon + 1)..];
            if (!int.TryParse(numaText, NumberStyles.None, CultureInfo.InvariantCulture, out var n))
            {
                error = $"target '{original}': NUMA node '{numaText}' is not a non-negative integer";
                return false;
            }
            numa = n;
        }

        if (!IsValidNodeName(node))
        {
            error = $"target '{original}': node name '{node}' is not a valid host name (letters, digits, '-', '_', '.')";
            return false;
        }
        spec = new TargetSpec(node, numa, gpus);
        return true;
    }

    public static bool IsValidNodeName(string? name) =>
        !string.IsNullOrEmpty(name) && name.Length <= 253 &&
        name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.');
}
