namespace KohakuRiver.Daemon.Host.SshProxy;

/// <summary>
/// Where the sshd of a VPS can be reached from the host. Implemented on the host's state; called once per
/// tunnel request, after the token has been checked, so it may assume the caller is authorised.
/// Must be quick and must not block on I/O: it runs on the proxy's connection handling path.
/// </summary>
public interface ISshTargetResolver
{
    SshTargetResult Resolve(long taskId);
}
