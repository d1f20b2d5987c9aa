using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using KohakuRiver.Core.Client;
using KohakuRiver.Core.Wire;

namespace KohakuRiver.Core.Terminals;

/// <summary>
/// One terminal WebSocket (<c>/ws/task/{id}/terminal</c> or <c>/ws/docker/host/containers/{env}/terminal</c>): sends
/// input and resizes, receives output, errors and the exit code as <see cref="TerminalEvent"/>s. Input bytes go through
/// one stateful UTF-8 decoder for the whole session, so a character split across two reads of the keyboard is sent
/// whole; output text goes back to bytes through one stateful encoder, so nothing is lost at message edges either.
/// Sends may come from several threads (keyboard, resize); receives from one.
/// </summary>
public sealed class TerminalConnection : IAsyncDisposable, IDisposable
{
    /// <summary>The largest message accepted from the server. The servers send at most
    /// <see cref="TerminalMessage.MaxMessageBytes"/>; the client allows more so that escaping never cuts a session.</summary>
    public const int MaxIncomingMessageBytes = 16 * TerminalMessage.MaxMessageBytes;

    private readonly ClientWebSocket _socket;
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private readonly Decoder _inputDecoder = new UTF8Encoding(false).GetDecoder();
    private readonly Encoder _outputEncoder = new UTF8Encoding(false).GetEncoder();
    private readonly char[] _inputChars = new char[8192];
    private byte[] _receiveBuffer = new byte[8192];
    private bool _exitSeen;
    private int _disposed;

    private TerminalConnection(ClientWebSocket socket, Uri uri)
    {
        _socket = socket;
        Uri = uri;
    }

    /// <summary>Where the session is connected (no credentials in it).</summary>
    public Uri Uri { get; }

    /// <summary>
    /// Opens the socket with <c>Authorization: Bearer</c>. A refused upgrade (401, 404, 409, 503 …) is a
    /// <see cref="RiverApiException"/> with the status and the server's <c>detail</c>; no answer at all is one with a
    /// null status, as for every other host call.
    /// </summary>
    public static async Task<TerminalConnection> ConnectAsync(Uri uri, string token, CancellationToken ct = default)
    {
        var socket = await BearerSocket.ConnectAsync(uri, token, "a terminal", null, ct).ConfigureAwait(false);
        return new TerminalConnection(socket, uri);
    }

    /// <summary>The <c>ws://</c> or <c>wss://</c> address of a terminal path under the host's base address.</summary>
    public static Uri BuildUri(Uri baseUri, string path, string? command, TerminalSize? size)
    {
        var b = new UriBuilder(BearerSocket.UriFor(baseUri, path));
        var query = new List<string>();
        if (!string.IsNullOrEmpty(command)) query.Add("command=" + Uri.EscapeDataString(command));
        if (size is { IsValid: true } z)
        {
            query.Add("rows=" + z.Rows.ToString(System.Globalization.CultureInfo.InvariantCulture));
            query.Add("cols=" + z.Cols.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        b.Query = string.Join("&", query);
        return b.Uri;
    }

    /// <summary>Sends raw keyboard bytes. An incomplete UTF-8 sequence at the end is kept for the next call.</summary>
    public async Task SendInputAsync(ReadOnlyMemory<byte> bytes, CancellationToken ct = default)
    {
        string text;
        lock (_inputDecoder)
        {
            var sb = new StringBuilder();
            var rest = bytes.Span;
            while (!rest.IsEmpty)
            {
                _inputDecoder.Convert(rest, _inputChars, flush: false, out var used, out var chars, out _);
                sb.Append(_inputChars, 0, chars);
                rest = rest[used..];
            }
            text = sb.ToString();
        }
        if (text.Length > 0) await SendTextAsync(text, ct).ConfigureAwait(false);
    }

    /// <summary>Sends text as input, split into messages under the server's limit.</summary>
    public async Task SendTextAsync(string text, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(text);
        // 4096 chars escape to at most 6 bytes each, well under the 64 KiB limit; never split a surrogate pair.
        const int chunk = 4096;
        for (var i = 0; i < text.Length;)
        {
            var n = Math.Min(chunk, text.Length - i);
            if (n < text.Length - i && char.IsHighSurrogate(text[i + n - 1])) n--;
            await SendAsync(new TerminalMessage { Type = TerminalMessage.Input, Data = text.Substring(i, n) }, ct).ConfigureAwait(false);
            i += n;
        }
    }

    /// <summary>Tells the remote terminal its new window size (ignored when a side is out of range).</summary>
    public Task ResizeAsync(TerminalSize size, CancellationToken ct = default) =>
        size.IsValid
            ? SendAsync(new TerminalMessage { Type = TerminalMessage.Resize, Rows = size.Rows, Cols = size.Cols }, ct)
            : Task.CompletedTask;

    /// <summary>
    /// The next event. <see cref="TerminalEventKind.Closed"/> is the last one: after a normal close its text is null;
    /// when the connection broke or closed without an exit message it says why.
    /// </summary>
    public async Task<TerminalEvent> ReceiveAsync(CancellationToken ct = default)
    {
        while (true)
        {
            var count = 0;
            ValueWebSocketReceiveResult r;
            try
            {
                do
                {
                    if (count == _receiveBuffer.Length)
                    {
                        if (count >= MaxIncomingMessageBytes)
                        {
                            await CloseQuietlyAsync(WebSocketCloseStatus.MessageTooBig, "message too big").ConfigureAwait(false);
                            return new TerminalEvent(TerminalEventKind.Closed, $"the server sent a message over {MaxIncomingMessageBytes / 1024} KiB");
                        }
                        Array.Resize(ref _receiveBuffer, Math.Min(_receiveBuffer.Length * 2, MaxIncomingMessageBytes));
                    }
                    r = await _socket.ReceiveAsync(_receiveBuffer.AsMemory(count), ct).ConfigureAwait(false);
                    if (r.MessageType == WebSocketMessageType.Close) return Closed();
                    count += r.Count;
                }
                while (!r.EndOfMessage);
            }
            catch (WebSocketException e)
            {
                return new TerminalEvent(TerminalEventKind.Closed, _exitSeen ? null : $"the connection was lost: {e.Message}");
            }
            catch (IOException e)
            {
                return new TerminalEvent(TerminalEventKind.Closed, _exitSeen ? null : $"the connection was lost: {e.Message}");
            }
            if (r.MessageType != WebSocketMessageType.Text) continue;
            TerminalMessage? m;
            try
            {
                m = JsonSerializer.Deserialize(_receiveBuffer.AsSpan(0, count), RiverJsonContext.Default.TerminalMessage);
            }
            catch (JsonException e)
            {
                return new TerminalEvent(TerminalEventKind.Error, $"an unreadable message from the server: {e.Message}");
            }
            switch (m?.Type)
            {
                case TerminalMessage.Output when m.Data is { Length: > 0 }:
                    return new TerminalEvent(TerminalEventKind.Output, m.Data);
                case TerminalMessage.Output:
                    continue;
                case TerminalMessage.Error:
                    return new TerminalEvent(TerminalEventKind.Error, m.Data ?? "");
                case TerminalMessage.Exit:
                    _exitSeen = true;
                    return new TerminalEvent(TerminalEventKind.Exit, ExitCode: m.ExitCode ?? TerminalSessionResult.NoExitCode);
                default:
                    // A newer server's message: nothing to show.
                    continue;
            }
        }
    }

    /// <summary>
    /// Encodes output text for the local terminal, with one encoder for the session (a surrogate pair split between two
    /// messages comes out whole). Returns the number of bytes written to <paramref name="buffer"/>, which grows as needed.
    /// </summary>
    public int EncodeOutput(string text, ref byte[] buffer)
    {
        lock (_outputEncoder)
        {
            var need = _outputEncoder.GetByteCount(text, flush: false);
            if (buffer.Length < need) buffer = new byte[Math.Max(need, buffer.Length * 2)];
            return _outputEncoder.GetBytes(text, buffer, flush: false);
        }
    }

    /// <summary>Closes the session normally (the server then hangs up the remote shell), waiting briefly for the close.</summary>
    public async Task CloseAsync(TimeSpan? wait = null)
    {
        await CloseQuietlyAsync(WebSocketCloseStatus.NormalClosure, "client closed", wait ?? TimeSpan.FromSeconds(2)).ConfigureAwait(false);
    }

    private async Task CloseQuietlyAsync(WebSocketCloseStatus status, string reason, TimeSpan? wait = null)
    {
        if (_socket.State is not (WebSocketState.Open or WebSocketState.CloseReceived)) return;
        using var timeout = new CancellationTokenSource(wait ?? TimeSpan.FromSeconds(2));
        try
        {
            await _sendLock.WaitAsync(timeout.Token).ConfigureAwait(false);
            try
            {
                await _socket.CloseOutputAsync(status, reason, timeout.Token).ConfigureAwait(false);
            }
            finally
            {
                _sendLock.Release();
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or IOException or ObjectDisposedException)
        {
        }
    }

    private TerminalEvent Closed()
    {
        if (_exitSeen)
            return new TerminalEvent(TerminalEventKind.Closed);
        var why = _socket.CloseStatusDescription is { Length: > 0 } d ? d : _socket.CloseStatus?.ToString() ?? "no reason given";
        return new TerminalEvent(TerminalEventKind.Closed, $"the server closed the session without an exit code ({why})");
    }

    private async Task SendAsync(TerminalMessage message, CancellationToken ct)
    {
        var bytes = JsonSerializer.SerializeToUtf8Bytes(message, RiverJsonContext.Default.TerminalMessage);
        await _sendLock.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            await _socket.SendAsync(bytes, WebSocketMessageType.Text, endOfMessage: true, ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is WebSocketException or IOException)
        {
            throw new RiverApiException(null, $"the terminal connection was lost: {e.Message}", e);
        }
        finally
        {
            _sendLock.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        await CloseQuietlyAsync(WebSocketCloseStatus.NormalClosure, "client closed", TimeSpan.FromMilliseconds(500)).ConfigureAwait(false);
        _socket.Dispose();
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        _socket.Abort();
        _socket.Dispose();
    }
}
