using System.Net;
using System.Net.WebSockets;
using System.Text.Json;
using KohakuRiver.Core.Wire;

namespace KohakuRiver.Core.Client;

/// <summary>
/// Opens a WebSocket with a bearer token (the module's terminals and forwards on the host; the host's relays on a
/// runner), and turns a refused upgrade into the same <see cref="RiverApiException"/> every other call gives: the status
/// and the server's <c>detail</c>, read from the refusal's body (which ClientWebSocket itself discards) or, failing
/// that, its X-KohakuRiver-Detail header. No answer at all is one with a null status.
/// </summary>
public static class BearerSocket
{
    /// <summary>The <c>ws://</c> or <c>wss://</c> address of <paramref name="pathAndQuery"/> under a server's base address.</summary>
    public static Uri UriFor(Uri baseUri, string pathAndQuery)
    {
        var http = new Uri(new Uri(baseUri.ToString().TrimEnd('/') + "/"), pathAndQuery.TrimStart('/'));
        return new UriBuilder(http) { Scheme = http.Scheme == Uri.UriSchemeHttps ? "wss" : "ws" }.Uri;
    }

    /// <param name="what">What is being opened, for the message when nothing answers ("a terminal").</param>
    /// <param name="bufferSize">The socket's receive and send buffer, when the caller's messages want another size.</param>
    public static async Task<ClientWebSocket> ConnectAsync(Uri uri, string token, string what, int? bufferSize, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(uri);
        ArgumentException.ThrowIfNullOrEmpty(token);
        var socket = new ClientWebSocket();
        socket.Options.SetRequestHeader("Authorization", "Bearer " + token);
        socket.Options.CollectHttpResponseDetails = true;
        socket.Options.KeepAliveInterval = TimeSpan.FromSeconds(30);
        if (bufferSize is { } size) socket.Options.SetBuffer(size, size);
        // A handler of its own per socket: it carries only the handshake (where it keeps a refusal's body); after the
        // upgrade the connection belongs to the socket.
        var capture = new UpgradeResponseCapture(new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(10) });
        using var invoker = new HttpMessageInvoker(capture, disposeHandler: true);
        try
        {
            await socket.ConnectAsync(uri, invoker, ct).ConfigureAwait(false);
            return socket;
        }
        catch (Exception e) when (e is WebSocketException or HttpRequestException or IOException)
        {
            var status = capture.RefusedStatus ?? (socket.HttpStatusCode is var s && s != 0 ? s : null);
            socket.Dispose();
            if (status is { } code)
                throw new RiverApiException(code, RefusedDetail(capture.RefusedBody, capture.RefusedDetailHeader, code), e, capture.RefusedBody);
            throw new RiverApiException(null, $"cannot open {what} at {uri.GetLeftPart(UriPartial.Path)}: {e.Message}", e);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private static string RefusedDetail(string? body, string? header, HttpStatusCode code)
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
            if (string.IsNullOrEmpty(header)) return body.Trim();
        }
        if (!string.IsNullOrEmpty(header)) return header;
        return code switch
        {
            HttpStatusCode.Unauthorized => "the host refused the token",
            HttpStatusCode.NotFound => "not found (an unknown task, or a host without this socket)",
            HttpStatusCode.Conflict => "the task is not in a state that allows it",
            HttpStatusCode.ServiceUnavailable => "the task's node is unavailable",
            _ => $"the host refused the WebSocket upgrade with {(int)code} {code}",
        };
    }
}
