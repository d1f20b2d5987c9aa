namespace KohakuRiver.Core.Ssh;

/// <summary>
/// A tunnel through the host's SSH proxy could not be opened. When the proxy refused it, the message is
/// the proxy's own reason (the text after <c>ERROR </c>) and <see cref="RefusedByProxy"/> is true;
/// otherwise the proxy could not be reached or did not answer in time.
/// </summary>
public sealed class SshTunnelException : Exception
{
    public SshTunnelException(string message, bool refusedByProxy = false, Exception? innerException = null)
        : base(message, innerException)
    {
        RefusedByProxy = refusedByProxy;
    }

    public bool RefusedByProxy { get; }
}
