using System.Net.WebSockets;

namespace KohakuRiver.Core.Wire;

/// <summary>One whole WebSocket message as <see cref="WebSocketMessages.ReceiveAsync"/> read it.</summary>
/// <param name="Count">Bytes of the message in the buffer (0 for a close).</param>
/// <param name="Type">Its type; <see cref="WebSocketMessageType.Close"/> when the peer closed instead.</param>
/// <param name="TooBig">The message went past the limit: what is in the buffer is its start, and the rest is unread.</param>
public readonly record struct ReceivedMessage(int Count, WebSocketMessageType Type, bool TooBig)
{
    public bool IsClose => Type == WebSocketMessageType.Close;
}

/// <summary>Reading whole messages, of a bounded size, from the fragments a WebSocket delivers.</summary>
public static class WebSocketMessages
{
    /// <summary>
    /// Reads fragments into <paramref name="buffer"/> until a message ends, the peer closes, or the message passes
    /// <paramref name="limit"/> bytes. The buffer holds at least <paramref name="limit"/> + 1 bytes: the extra byte tells
    /// a message of exactly the limit from a longer one, however it is fragmented.
    /// </summary>
    public static async ValueTask<ReceivedMessage> ReceiveAsync(WebSocket socket, byte[] buffer, int limit, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(socket);
        ArgumentNullException.ThrowIfNull(buffer);
        if (buffer.Length <= limit) throw new ArgumentException($"the buffer must hold more than the limit of {limit} bytes", nameof(buffer));
        var count = 0;
        while (true)
        {
            var received = await socket.ReceiveAsync(buffer.AsMemory(count, limit + 1 - count), ct).ConfigureAwait(false);
            if (received.MessageType == WebSocketMessageType.Close) return new ReceivedMessage(0, WebSocketMessageType.Close, false);
            count += received.Count;
            if (count > limit) return new ReceivedMessage(count, received.MessageType, true);
            if (received.EndOfMessage) return new ReceivedMessage(count, received.MessageType, false);
        }
    }
}
