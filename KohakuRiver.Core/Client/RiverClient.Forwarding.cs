using System.Net.WebSockets;
using KohakuRiver.Core.Wire;

namespace KohakuRiver.Core.Client;

public sealed partial class RiverClient
{
    /// <summary>The frame size port-forward sockets are tuned for: one whole frame per receive.</summary>
    private const int ForwardSocketBuffer = ForwardFrame.MaxFrameSize + 16;

    /// <summary>
    /// Opens <c>/ws/forward/{taskId}/{port}?proto=…</c> with this client's bearer token. A refusal (unknown task, task
    /// not running, no network, bad token) is a <see cref="RiverApiException"/> with the status and the host's detail.
    /// </summary>
    public Task<WebSocket> OpenForwardSocketAsync(long taskId, int port, ForwardProtocol protocol, CancellationToken ct = default) =>
        OpenForwardingSocketAsync(
            $"ws/forward/{taskId.ToString(System.Globalization.CultureInfo.InvariantCulture)}/{port.ToString(System.Globalization.CultureInfo.InvariantCulture)}?proto={protocol.ToWire()}",
            ct);

    private async Task<WebSocket> OpenForwardingSocketAsync(string pathAndQuery, CancellationToken ct) =>
        await BearerSocket.ConnectAsync(BearerSocket.UriFor(BaseUri, pathAndQuery), Token, "a port forward", ForwardSocketBuffer, ct).ConfigureAwait(false);
}
