namespace KohakuRiver.Core.Forwarding;

/// <summary>The local port a forward was to listen on is taken (or cannot be bound).</summary>
public sealed class LocalPortUnavailableException(int port, string message, Exception? inner = null) : IOException(message, inner)
{
    public int Port { get; } = port;
}
