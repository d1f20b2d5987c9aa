namespace KohakuRiver.Core.Forwarding;

/// <summary>Where a <see cref="PortForward"/> stands.</summary>
public enum PortForwardState
{
    /// <summary>Accepting local connections (TCP) or datagrams (UDP).</summary>
    Listening,

    /// <summary>Stopped by its owner; the local port is free again.</summary>
    Stopped,

    /// <summary>The local listener failed; <see cref="PortForward.Error"/> says why.</summary>
    Failed,
}
