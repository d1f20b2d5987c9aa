using KohakuRiver.Daemon.Runner.Execution;

namespace KohakuRiver.Daemon.Security;

/// <summary>The outcome of checking one requested mount: the mount to make (its host path resolved) or why not.</summary>
public sealed record MountCheck(MountSpec? Mount, string? Error)
{
    public bool Allowed => Error is null;
}
