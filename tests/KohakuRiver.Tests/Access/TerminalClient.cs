using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using KohakuRiver.Core.Wire;

namespace KohakuRiver.Tests.Access;

/// <summary>The client side of a terminal WebSocket in tests: sends messages, receives them whole.</summary>
internal sealed class TerminalClient(WebSocket socket)
{
    public WebSocket Socket => socket;

    public Task SendAsync(TerminalMessage message) =>
        SendRawAsync(JsonSerializer.Serialize(message, RiverJsonContext.Default.TerminalMessage));

    public Task SendRawAsync(string text) =>
        socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, Deadline());

    /// <summary>The next message, or null when the server closed (<see cref="WebSocket.CloseStatus"/> says how).</summary>
    public async Task<TerminalMessage?> ReceiveAsync()
    {
        var buffer = new byte[128 * 1024];
        var filled = 0;
        ValueWebSocketReceiveResult result;
        do
        {
            result = await socket.ReceiveAsync(buffer.AsMemory(filled), Deadline());
            if (result.MessageType == WebSocketMessageType.Close) return null;
            filled += result.Count;
        } while (!result.EndOfMessage);
        if (result.MessageType != WebSocketMessageType.Text) throw new Xunit.Sdk.XunitException("the server sent a binary message");
        return JsonSerializer.Deserialize(buffer.AsSpan(0, filled), RiverJsonContext.Default.TerminalMessage)
               ?? throw new Xunit.Sdk.XunitException("the server sent null");
    }

    /// <summary>Receives until a message of <paramref name="type"/>; fails naming what came instead.</summary>
    public async Task<TerminalMessage> ExpectAsync(string type)
    {
        var seen = new List<string>();
        while (await ReceiveAsync() is { } message)
        {
            if (message.Type == type) return message;
            seen.Add($"{message.Type}:{message.Data}");
        }
        throw new Xunit.Sdk.XunitException($"the socket closed ({socket.CloseStatus}) before a '{type}' message; got {string.Join(", ", seen)}");
    }

    private static CancellationToken Deadline() =>
        CancellationTokenSource.CreateLinkedTokenSource(Xunit.TestContext.Current.CancellationToken, new CancellationTokenSource(TimeSpan.FromSeconds(10)).Token).Token;
}
