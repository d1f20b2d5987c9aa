namespace KohakuRiver.Daemon.Runner.Execution;

/// <summary>A bind mount written <c>host_path:container_path[:ro|:rw]</c>, both paths absolute.</summary>
public sealed record MountSpec(string HostPath, string ContainerPath, bool ReadOnly)
{
    public string ToBind() => $"{HostPath}:{ContainerPath}{(ReadOnly ? ":ro" : "")}";

    public static bool TryParse(string? text, out MountSpec? mount, out string? error)
    {
        mount = null;
        error = null;
        if (text is not null && System.Text.Encoding.UTF8.GetByteCount(text) > Core.Wire.RequestLimits.MaxMountBytes)
        {
            error = $"mount '{text[..Math.Min(text.Length, 40)]}…' is longer than {Core.Wire.RequestLimits.MaxMountBytes} bytes";
            return false;
        }
        if (text is not null && text.Any(char.IsControl))
        {
            error = $"mount '{Web.ShownText.Of(text, int.MaxValue)}' contains a control character (NUL, newline, …)";
            return false;
        }
        var parts = (text ?? "").Split(':');
        if (parts.Length is < 2 or > 3 || parts.Any(string.IsNullOrWhiteSpace))
        {
            error = $"mount '{text}' is not host_path:container_path[:ro]";
            return false;
        }
        var readOnly = false;
        if (parts.Length == 3)
        {
            if (parts[2] is not ("ro" or "rw"))
            {
                error = $"mount '{text}': mode '{parts[2]}' is neither ro nor rw";
                return false;
            }
            readOnly = parts[2] == "ro";
        }
        if (!parts[0].StartsWith('/') || !parts[1].StartsWith('/'))
        {
            error = $"mount '{text}': both paths must be absolute";
            return false;
        }
        if (parts[0].Split('/').Contains("..") || parts[1].Split('/').Contains(".."))
        {
            error = $"mount '{text}': paths must not contain '..'";
            return false;
        }
        if (parts[1].TrimEnd('/') == "")
        {
            error = $"mount '{text}': a container's root cannot be a mount target";
            return false;
        }
        mount = new MountSpec(parts[0].TrimEnd('/') is "" ? "/" : parts[0].TrimEnd('/'), parts[1].TrimEnd('/'), readOnly);
        return true;
    }
}
