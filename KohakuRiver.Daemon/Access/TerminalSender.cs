using System.Net.WebSockets;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using KohakuRiver.Core.Wire;
using KohakuRiver.Daemon.Web;

namespace KohakuRiver.Daemon.Access;

/// <summary>The sending half of a terminal WebSocket: one message or close at a time (a WebSocket allows one send at a
/// time, and output and error messages come from two loops), quietly nothing once the socket cannot send.</summary>
internal sealed class TerminalSender(WebSocket socket)
{
    /// <summary>The wire form, with non-ASCII text as itself rather than \uXXXX: half the bytes for most non-English
    /// output.</summary>
    public static readonly JsonTypeInfo<TerminalMessage> Wire = ApiPipeline.Relaxed(RiverJsonContext.Default.TerminalMessage);

    private readonly SemaphoreSlim _sending = new(1, 1);

    public Task ErrorAsync(string text, CancellationToken ct) =>
        SendAsync(new TerminalMessage { Type = TerminalMessage.Error, Data = text }, ct);

    public async Task SendAsync(TerminalMessage message, CancellationToken ct)
    {
        var bytes = JsonSerializer.SerializeToUtf8Bytes(message, Wire);
        await _sending.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            if (socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
                await socket.SendAsync(bytes, WebSocketMessageType.Text, endOfMessage: true, ct).ConfigureAwait(false);
        }
        catch (WebSocketException)
        {
            // The client is gone; the receiving side sees it too and ends the session.
        }
        finally
        {
            _sending.Release();
        }
    }

    public async Task CloseAsync(WebSocketCloseStatus status, string reason, CancellationToken ct)
    {
        await _sending.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            if (socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
                await socket.CloseOutputAsync(status, reason, ct).ConfigureAwait(false);
        }
        catch (WebSocketException)
        {
            // Gone already: nothing to close.
        }
        finally
        {
            _sending.Release();
        }
    }
}
