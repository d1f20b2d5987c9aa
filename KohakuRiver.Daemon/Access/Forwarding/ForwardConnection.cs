using System.Net;

namespace KohakuRiver.Daemon.Access.Forwarding;

/// <summary>One client id's connection to the container, TCP or UDP, on a <see cref="ForwardSession"/>.</summary>
internal abstract class ForwardConnection(ForwardSession session, uint clientId, ushort port) : IAsyncDisposable
{
    protected ForwardSession Session { get; } = session;

    public uint ClientId { get; } = clientId;

    public ushort Port { get; } = port;

    /// <summary>Connects to <paramref name="target"/>, answers CONNECTED (or ERROR), and carries data until either side
    /// ends; returns when the connection is over.</summary>
    public abstract Task RunAsync(IPEndPoint target, CancellationToken ct);

    /// <summary>Data from the client for the container; waits while this connection's queue is full.</summary>
    public abstract ValueTask WriteAsync(ReadOnlyMemory<byte> payload, CancellationToken ct);

    /// <summary>The client sent CLOSE: it will send nothing more.</summary>
    public abstract void CloseInput();

    public abstract ValueTask DisposeAsync();
}
