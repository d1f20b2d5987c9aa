using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using KohakuRiver.Core.Wire;

namespace KohakuRiver.Tests.Access;

/// <summary>A terminal WebSocket to a real daemon, read in the background: what it showed, its errors, its exit.</summary>
internal sealed class LiveTerminal : IAsyncDisposable
{
    private readonly ClientWebSocket _socket;
    private readonly StringBuilder _output = new();
    private readonly List<string> _errors = [];
    private readonly Task _reader;
    private readonly SemaphoreSlim _sending = new(1, 1);

    private LiveTerminal(ClientWebSocket socket)
    {
        _socket = socket;
        _reader = ReadAsync();
    }

    public string Output
    {
        get
        {
            lock (_output) return _output.ToString();
        }
    }

    public IReadOnlyList<string> Errors
    {
        get
        {
            lock (_errors) return [.. _errors];
        }
    }

    public TerminalMessage? Exit { get; private set; }

    public WebSocketCloseStatus? CloseStatus => _socket.CloseStatus;

    public static async Task<LiveTerminal> OpenAsync(Uri daemon, string pathAndQuery, string token)
    {
        var socket = new ClientWebSocket();
        socket.Options.SetRequestHeader("Authorization", "Bearer " + token);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await socket.ConnectAsync(new Uri($"ws://{daemon.Authority}/{pathAndQuery.TrimStart('/')}"), cts.Token);
        return new LiveTerminal(socket);
    }

    public Task TypeAsync(string text) => SendAsync(new TerminalMessage { Type = TerminalMessage.Input, Data = text });

    public Task ResizeAsync(int rows, int cols) => SendAsync(new TerminalMessage { Type = TerminalMessage.Resize, Rows = rows, Cols = cols });

    private async Task SendAsync(TerminalMessage message)
    {
        await _sending.WaitAsync();
        try
        {
            await _socket.SendAsync(JsonSerializer.SerializeToUtf8Bytes(message, RiverJsonContext.Default.TerminalMessage), WebSocketMessageType.Text, true,
                CancellationToken.None);
        }
        finally
        {
            _sending.Release();
        }
    }

    /// <summary>Waits until the output contains <paramref name="expected"/>; fails with what was shown.</summary>
    public async Task WaitForAsync(string expected, int seconds = 15)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!Output.Contains(expected, StringComparison.Ordinal))
        {
            if (DateTime.UtcNow > deadline || _reader.IsCompleted)
                throw new Xunit.Sdk.XunitException($"the terminal never showed '{expected}' (closed: {_reader.IsCompleted}, {CloseStatus}); it showed: '{Output}'; errors: {string.Join("; ", Errors)}");
            await Task.Delay(20);
        }
    }

    /// <summary>Waits for the server to close; returns the exit message's code, failing when there was none.</summary>
    public async Task<int> WaitClosedAsync(int seconds = 15)
    {
        if (await Task.WhenAny(_reader, Task.Delay(TimeSpan.FromSeconds(seconds))) != _reader)
            throw new Xunit.Sdk.XunitException($"the terminal did not close; it showed: '{Output}'");
        await _reader;
        if (Exit?.ExitCode is not { } code) throw new Xunit.Sdk.XunitException($"the terminal closed ({CloseStatus}) without an exit message; it showed: '{Output}'");
        return code;
    }

    /// <summary>The client goes: a normal close from this side.</summary>
    public async Task CloseAsync()
    {
        await _sending.WaitAsync();
        try
        {
            await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "bye", CancellationToken.None);
        }
        finally
        {
            _sending.Release();
        }
        await Task.WhenAny(_reader, Task.Delay(TimeSpan.FromSeconds(10)));
    }

    private async Task ReadAsync()
    {
        var buffer = new byte[128 * 1024];
        while (true)
        {
            var filled = 0;
            ValueWebSocketReceiveResult result;
            do
            {
                result = await _socket.ReceiveAsync(buffer.AsMemory(filled), CancellationToken.None);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    if (_socket.State == WebSocketState.CloseReceived)
                        await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "", CancellationToken.None);
                    return;
                }
                filled += result.Count;
            } while (!result.EndOfMessage);
            var message = JsonSerializer.Deserialize(buffer.AsSpan(0, filled), RiverJsonContext.Default.TerminalMessage)!;
            switch (message.Type)
            {
                case TerminalMessage.Output:
                    lock (_output) _output.Append(message.Data);
                    break;
                case TerminalMessage.Error:
                    lock (_errors) _errors.Add(message.Data ?? "");
                    break;
                case TerminalMessage.Exit:
                    Exit = message;
                    break;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        _socket.Abort();
        try
        {
            await _reader;
        }
        catch (Exception)
        {
            // Aborted while reading: the test already has what it needs.
        }
        _socket.Dispose();
    }
}
