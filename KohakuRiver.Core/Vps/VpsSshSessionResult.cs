namespace KohakuRiver.Core.Vps;

/// <summary>How ssh ended: its exit code, the arguments it got, and why the tunnel failed if it did (ssh itself only
/// says "Connection closed"; the proxy's reason is here).</summary>
public sealed record VpsSshSessionResult(int ExitCode, IReadOnlyList<string> Arguments, Exception? TunnelError)
{
    /// <summary>ssh's own failure code (as opposed to the remote command's).</summary>
    public const int SshFailure = 255;

    /// <summary>The tunnel's failure when it is why ssh failed.</summary>
    public Exception? Failure => ExitCode == SshFailure ? TunnelError : null;
}
