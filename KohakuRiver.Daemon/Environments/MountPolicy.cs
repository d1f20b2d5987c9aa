using KohakuRiver.Daemon.Configuration;
using KohakuRiver.Daemon.Runner.Execution;
using KohakuRiver.Core.Environments;

namespace KohakuRiver.Daemon.Environments;

/// <summary>
/// Which bind mounts a task may have: absolute paths (see <see cref="MountSpec"/>), not the daemon's own state (its data
/// dir, the Docker socket, task logs, environment tarballs, nor a folder holding any of them), and not over the mounts
/// every task already has.
/// </summary>
public static class MountPolicy
{
    private static readonly string[] Reserved = ["/shared", "/local_temp"];

    public static string? Check(string text, DaemonSettings settings)
    {
        if (!MountSpec.TryParse(text, out var m, out var error)) return error;
        foreach (var (path, what) in Protected(settings))
        {
            if (IsSameOrInside(m!.HostPath, path) || IsSameOrInside(path, m.HostPath))
                return $"mount '{text}': {m.HostPath} would expose the daemon's own {what} ({path})";
        }
        if (Reserved.Contains(m!.ContainerPath))
            return $"mount '{text}': {m.ContainerPath} is already mounted in every task";
        return null;
    }

    private static IEnumerable<(string Path, string What)> Protected(DaemonSettings s)
    {
        yield return (Normalize(s.DataDir), "data dir");
        yield return (Normalize(s.DockerSocket), "Docker socket");
        yield return (Normalize(s.LogsDir), "task logs");
        yield return (Normalize(Path.Combine(s.SharedDir, EnvironmentNames.TarballFolder)), "environment tarballs");
    }

    private static string Normalize(string p) => Path.GetFullPath(p).TrimEnd('/') is var t && t.Length == 0 ? "/" : Path.GetFullPath(p).TrimEnd('/');

    private static bool IsSameOrInside(string path, string folder)
    {
        path = Normalize(path);
        folder = Normalize(folder);
        return path == folder || folder == "/" || path.StartsWith(folder + "/", StringComparison.Ordinal);
    }
}
