using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using KohakuRiver.Core.Wire;
using KohakuRiver.Daemon.Engine;
using KohakuRiver.Daemon.Web;

namespace KohakuRiver.Daemon.Access;

/// <summary>
/// Joins an accepted terminal WebSocket to a terminal exec, speaking <see cref="TerminalMessage"/> JSON: input and
/// resize in; output, error and, once the shell has ended, exit out. One instance per session.
/// </summary>
/// <remarks>
/// Output is decoded by one UTF-8 decoder for the whole session, so a character split between two reads comes out
/// whole. A message over 64 KiB closes the socket (1009); a malformed or unknown one is answered with an error message
/// and the session goes on. The session ends when the exec's stream ends (the shell exited or its container stopped:
/// exit message, then close 1000) or when the client goes (the shell is hung up and everything freed).
/// </remarks>
public sealed class TerminalBridge
{
    /// <summary>Bytes of output per read. JSON escaping can make a byte six (a control character as \u001b), and the
    /// message must stay under the 64 KiB any side accepts.</summary>
    private const int ReadBytes = 8 * 1024;

    /// <summary>How long the engine gets to record the exit code once the stream ended, and the client to answer the
    /// close.</summary>
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(5);

    private readonly WebSocket _socket;
    private readonly TerminalSender _sender;
    private readonly ITtyExec _exec;
    private readonly ILogger _log;

    public TerminalBridge(WebSocket socket, ITtyExec exec, ILogger log)
    {
        _socket = socket ?? throw new ArgumentNullException(nameof(socket));
        _sender = new TerminalSender(socket);
        _exec = exec ?? throw new ArgumentNullException(nameof(exec));
        _log = log ?? throw new ArgumentNullException(nameof(log));
    }

    /// <summary>Runs the session to its end and disposes the exec. Returns the shell's exit code (-1 when unknown), or
    /// null when the client went first.</summary>
    public async Task<int?> RunAsync(CancellationToken ct)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var output = PumpOutputAsync(stop.Token);
        var input = PumpInputAsync(stop.Token);
        try
        {
            if (await Task.WhenAny(output, input).ConfigureAwait(false) == output)
            {
                await output.ConfigureAwait(false);
                var code = await _exec.WaitExitAsync(Grace, stop.Token).ConfigureAwait(false);
                await _sender.SendAsync(new TerminalMessage { Type = TerminalMessage.Exit, ExitCode = code }, stop.Token).ConfigureAwait(false);
                await _sender.CloseAsync(WebSocketCloseStatus.NormalClosure, "the shell ended", stop.Token).ConfigureAwait(false);
                // The client answers the close; its answer is what ends the input side.
                await Task.WhenAny(input, Task.Delay(Grace, stop.Token)).ConfigureAwait(false);
                return code;
            }
            var why = await input.ConfigureAwait(false);
            _log.LogInformation("Terminal {Exec}: the client went ({Why}); hanging up", _exec.Id, why);
            await HangUpQuietlyAsync().ConfigureAwait(false);
            return null;
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            await HangUpQuietlyAsync().ConfigureAwait(false);
            return null;
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            // Ends a read still waiting on the exec's stream.
            await _exec.DisposeAsync().ConfigureAwait(false);
            await Task.WhenAll(output, input).ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(false);
        }
    }

    private async Task PumpOutputAsync(CancellationToken ct)
    {
        var decoder = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: false).GetDecoder();
        var bytes = new byte[ReadBytes];
        var chars = new char[Encoding.UTF8.GetMaxCharCount(ReadBytes)];
        while (true)
        {
            int read;
            try
            {
                read = await _exec.ReadAsync(bytes, ct).ConfigureAwait(false);
            }
            catch (IOException)
            {
                read = 0; // The engine dropped the connection: the same end as a closed stream.
            }
            // At the end, a character left incomplete is flushed as U+FFFD rather than lost.
            var count = decoder.GetChars(bytes, 0, read, chars, 0, flush: read == 0);
            if (count > 0)
                await _sender.SendAsync(new TerminalMessage { Type = TerminalMessage.Output, Data = new string(chars, 0, count) }, ct).ConfigureAwait(false);
            if (read == 0) return;
        }
    }

    /// <summary>Reads messages until the client goes; returns why it went.</summary>
    private async Task<string> PumpInputAsync(CancellationToken ct)
    {
        // One byte over the limit tells a message at the limit from one past it.
        var buffer = new byte[TerminalMessage.MaxMessageBytes + 1];
        while (true)
        {
            ReceivedMessage message;
            try
            {
                message = await WebSocketMessages.ReceiveAsync(_socket, buffer, TerminalMessage.MaxMessageBytes, ct).ConfigureAwait(false);
            }
            catch (WebSocketException e)
            {
                return $"connection lost: {e.Message}";
            }
            if (message.IsClose)
            {
                await _sender.CloseAsync(WebSocketCloseStatus.NormalClosure, "", ct).ConfigureAwait(false);
                return "closed";
            }
            if (message.TooBig)
            {
                await _sender.CloseAsync(WebSocketCloseStatus.MessageTooBig, "message too big", ct).ConfigureAwait(false);
                return $"a message over {TerminalMessage.MaxMessageBytes} bytes";
            }
            if (message.Type != WebSocketMessageType.Text)
            {
                await _sender.ErrorAsync("binary messages are not understood: send JSON text messages", ct).ConfigureAwait(false);
                continue;
            }
            await HandleAsync(buffer.AsMemory(0, message.Count), ct).ConfigureAwait(false);
        }
    }

    private async Task HandleAsync(ReadOnlyMemory<byte> json, CancellationToken ct)
    {
        TerminalMessage? message;
        try
        {
            message = JsonSerializer.Deserialize(json.Span, TerminalSender.Wire);
        }
        catch (JsonException e)
        {
            await _sender.ErrorAsync($"message is not valid JSON{ApiPipeline.WhereAndWhy(e)}", ct).ConfigureAwait(false);
            return;
        }
        switch (message?.Type)
        {
            case TerminalMessage.Input:
                if (message.Data is null)
                {
                    await _sender.ErrorAsync("an input message needs data", ct).ConfigureAwait(false);
                    return;
                }
                try
                {
                    await _exec.WriteAsync(Encoding.UTF8.GetBytes(message.Data), ct).ConfigureAwait(false);
                }
                catch (Exception e) when (e is IOException or ObjectDisposedException)
                {
                    // The shell is gone; the output side sees the end and says so.
                }
                return;
            case TerminalMessage.Resize:
                if ((TerminalRequest.WhyNotSide("rows", message.Rows) ?? TerminalRequest.WhyNotSide("cols", message.Cols)) is { } why)
                {
                    await _sender.ErrorAsync($"resize refused: {why}", ct).ConfigureAwait(false);
                    return;
                }
                try
                {
                    await _exec.ResizeAsync(message.Rows!.Value, message.Cols!.Value, ct).ConfigureAwait(false);
                }
                catch (EngineException e)
                {
                    await _sender.ErrorAsync($"resize failed: {e.Message}", ct).ConfigureAwait(false);
                }
                return;
            default:
                await _sender.ErrorAsync($"unknown message type '{ShownText.Of(message?.Type)}': send 'input' or 'resize'", ct).ConfigureAwait(false);
                return;
        }
    }

    private async Task HangUpQuietlyAsync()
    {
        try
        {
            await _exec.HangUpAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e) when (e is EngineException or IOException)
        {
            _log.LogWarning("Terminal {Exec}: hang-up failed: {Message}", _exec.Id, e.Message);
        }
    }
}
