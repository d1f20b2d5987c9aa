namespace KohakuRiver.Core.Wire;

/// <summary>POST /api/ws-tickets: a single-use credential for one WebSocket, for clients (browsers) that cannot set an
/// Authorization header on it. Sent as <c>?ticket=</c>; valid for <see cref="ExpiresIn"/> seconds.</summary>
public sealed class WebSocketTicket
{
    public string Ticket { get; set; } = "";
    public int ExpiresIn { get; set; }
}
