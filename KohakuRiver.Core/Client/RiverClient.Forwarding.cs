using System.Net;
using System.Net.WebSockets;
using System.Text.Json;
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
            $"ws/forward/{taskId.ToString(System.Globalization.CultureInfo.InvariantCulture)}/{port.ToString(System.Globalization.CultureInfo.InvariantCulture)}?proto={(protocol == ForwardProtocol.Udp ? "udp" : "tcp")}",
            ct);

    private async Task<WebSocket> OpenForwardingSocketAsync(string pathAndQuery, CancellationToken ct)
    {
        var http = new Uri(_http.BaseAddress!, pathAndQuery);
        var uri = new UriBuilder(http) { Scheme = http.Scheme == Uri.UriSchemeHttps ? "wss" : "ws" }.Uri;
        var socket = new ClientWebSocket();
        socket.Options.SetRequestHeader("Authorization", _http.DefaultRequestHeaders.Authorization?.ToString());
        socket.Options.CollectHttpResponseDetails = true;
        socket.Options.SetBuffer(ForwardSocketBuffer, ForwardSocketBuffer);
        socket.Options.KeepAliveInterval = TimeSpan.FromSeconds(30);
        // A handler of its own per socket: after the upgrade the connection belongs to the socket, and the handler only
        // carried the handshake (where it keeps a refusal's body).
        var capture = new UpgradeFailureCapture(new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(10), UseProxy = false });
        using var invoker = new HttpMessageInvoker(capture, disposeHandler: true);
        try
        {
            await socket.ConnectAsync(uri, invoker, ct).ConfigureAwait(false);
            return socket;
        }
        catch (WebSocketException e)
        {
            var status = socket.HttpStatusCode;
            socket.Dispose();
            if (status == 0) throw new RiverApiException(null, $"cannot reach the host at {BaseUri}: {e.Message}", e);
            throw new RiverApiException(status, DetailOf(capture.Body, status), e, capture.Body);
        }
        catch (HttpRequestException e)
        {
            socket.Dispose();
            throw new RiverApiException(null, $"cannot reach the host at {BaseUri}: {e.Message}", e);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private static string DetailOf(string? body, HttpStatusCode status)
    {
        if (!string.IsNullOrWhiteSpace(body))
        {
            try
            {
                if (JsonSerializer.Deserialize(body, RiverJsonContext.Default.ErrorResponse) is { Detail: { Length: > 0 } detail }) return detail;
            }
            catch (JsonException)
            {
            }
            return body.Trim();
        }
        return status switch
        {
            HttpStatusCode.Unauthorized => "the host refused the token",
            HttpStatusCode.NotFound => "not found (an unknown task, or a host without port forwarding)",
            HttpStatusCode.Conflict => "the task is not in a state that allows it",
            HttpStatusCode.ServiceUnavailable => "the task's node is unavailable",
            _ => $"the host refused the WebSocket upgrade with {(int)status} {status}",
        };
    }
}
