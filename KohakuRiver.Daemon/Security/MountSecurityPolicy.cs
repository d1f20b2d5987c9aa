using KohakuRiver.Core.Environments;
using KohakuRiver.Daemon.Configuration;
using KohakuRiver.Daemon.Runner.Execution;

namespace KohakuRiver.Daemon.Security;

/// <summary>
/// Which host paths a task or VPS may mount. The host path is resolved to its real path (every link followed) and
/// must then lie inside an allowed root: the shared dir, the local-temp dir, or a root the operator lists in
/// <c>mount_allowed_roots</c>. Whatever the roots say, a mount may neither be nor contain the kernel's and the
/// engine's interfaces (<c>/proc</c>, <c>/sys</c>, <c>/dev</c>, <c>/run</c>, the engine's socket and data) nor the
/// daemon's own state (data dir, config file, task logs, environment tarballs). A missing source is refused: Docker
/// would create it on the host as root. The runner checks immediately before it creates the container and hands
/// Docker the resolved path; the host checks the same rule at submit for an early 400.
/// </summary>
public sealed class MountSecurityPolicy
{
    private static readonly string[] ContainerReserved = ["/shared", "/local_temp"];

    private static readonly (string Path, string What)[] SystemPaths =
    [
        ("/proc", "kernel interface /proc"),
        ("/sys", "kernel interface /sys"),
        ("/dev", "device folder /dev"),
        ("/run", "runtime state in /run (the engine's socket among it)"),
        ("/var/run", "runtime state in /var/run"),
        ("/var/lib/docker", "Docker engine's data"),
        ("/var/lib/containerd", "containerd's data"),
    ];

    private readonly List<(string Path, string What)> _protected = [];
    private readonly List<string> _allowedRoots = [];
    private readonly string _where;

    /// <param name="where">Whose filesystem this is, for messages ("node gpu-1", "the host").</param>
    public MountSecurityPolicy(DaemonSettings settings, string where)
    {
        _where = where;
        foreach (var (path, what) in SystemPaths) Protect(path, what);
        Protect(settings.DockerSocket, "Docker engine socket");
        Protect(settings.DataDir, "data dir");
        Protect(settings.LogsDir, "task logs");
        Protect(Path.Combine(settings.SharedDir, EnvironmentNames.TarballFolder), "environment tarballs");
        if (settings.ConfigPath is { Length: > 0 } config) Protect(config, "config file");

        foreach (var root in new[] { settings.SharedDir, settings.LocalTempDir }.Concat(settings.MountAllowedRoots))
        {
            var resolved = RealPath.ResolveOrNormalize(root);
            if (!_allowedRoots.Contains(resolved)) _allowedRoots.Add(resolved);
        }
    }

    /// <summary>The roots mounts may come from, as real paths.</summary>
    public IReadOnlyList<string> AllowedRoots => _allowedRoots;

    /// <summary>Checks one mount, <c>host_path:container_path[:ro|:rw]</c>. With <paramref name="mustExist"/> false (a host
    /// that does not share the runners' filesystems) a source missing here is judged by its text and left to the
    /// runner, which always requires it to exist. An operator's own mounts (<paramref name="byOperator"/>, the setting
    /// extra_mounts) need not lie in the allowed roots, but may not expose what is protected either.</summary>
    public MountCheck Check(string text, bool mustExist = true, bool byOperator = false)
    {
        if (!MountSpec.TryParse(text, out var requested, out var syntax)) return new(null, syntax);
        var m = requested!;
        if (ContainerReserved.Any(r => RealPath.IsSameOrInside(m.ContainerPath, r)))
            return new(null, $"mount '{text}': {m.ContainerPath} is already mounted in every task");

        var resolved = RealPath.Resolve(m.HostPath);
        string real;
        switch (resolved.Outcome)
        {
            case RealPathOutcome.Resolved:
                real = resolved.Path!;
                break;
            case RealPathOutcome.Missing when mustExist:
                return new(null, $"mount '{text}': {m.HostPath} does not exist on {_where}; a mount source is never created, make it first");
            case RealPathOutcome.Missing:
                real = RealPath.Normalize(m.HostPath);
                break;
            default:
                return new(null, $"mount '{text}': {m.HostPath} cannot be resolved on {_where}: {resolved.Error}");
        }
        var shown = real == m.HostPath ? m.HostPath : $"{m.HostPath} (really {real})";

        foreach (var (path, what) in _protected)
        {
            if (RealPath.IsSameOrInside(real, path))
                return new(null, $"mount '{text}': {shown} lies in the {what} ({path}), which is never mounted into a container");
            if (RealPath.IsSameOrInside(path, real))
                return new(null, $"mount '{text}': {shown} contains the {what} ({path}), which is never mounted into a container");
        }
        if (!byOperator && !_allowedRoots.Any(root => RealPath.IsSameOrInside(real, root)))
            return new(null, $"mount '{text}': {shown} is outside the folders mounts may come from on {_where} " +
                             $"({string.Join(", ", _allowedRoots)}); an operator can allow more with the setting mount_allowed_roots");
        return new(m with { HostPath = real }, null);
    }

    private void Protect(string path, string what)
    {
        var text = RealPath.Normalize(path);
        _protected.Add((text, what));
        var real = RealPath.ResolveOrNormalize(path);
        if (real != text) _protected.Add((real, what));
    }
}
