using System.Collections.Concurrent;
using System.Security.Cryptography;

namespace KohakuRiver.Daemon.Host.Access;

/// <summary>
/// Single-use credentials for one WebSocket each, for clients that cannot set an Authorization header on a WebSocket
/// (browsers). A holder of the API token asks for one (<c>POST /api/ws-tickets</c>) and opens the socket with
/// <c>?ticket=</c>. A ticket is random, lives <see cref="Lifetime"/>, and is spent by its first use, so one that shows
/// up in a URL, a proxy log or a browser history opens nothing. Memory only; at most <see cref="MaxOutstanding"/>.
/// </summary>
public sealed class WebSocketTickets(TimeProvider time)
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(30);
    public const int MaxOutstanding = 1000;

    private readonly ConcurrentDictionary<string, DateTimeOffset> _tickets = new(StringComparer.Ordinal);

    /// <summary>A new ticket, or null when <see cref="MaxOutstanding"/> unspent, unexpired tickets exist.</summary>
    public string? Issue()
    {
        var now = time.GetUtcNow();
        if (_tickets.Count >= MaxOutstanding)
        {
            foreach (var (t, expires) in _tickets)
                if (expires <= now) _tickets.TryRemove(t, out _);
            if (_tickets.Count >= MaxOutstanding) return null;
        }
        var ticket = Convert.ToHexString(RandomNumberGenerator.GetBytes(32)).ToLowerInvariant();
        _tickets[ticket] = now + Lifetime;
        return ticket;
    }

    /// <summary>Spends a ticket: true once, for a ticket issued here and not expired.</summary>
    public bool TryRedeem(string? ticket) =>
        !string.IsNullOrEmpty(ticket) && _tickets.TryRemove(ticket, out var expires) && expires > time.GetUtcNow();

    public int Outstanding => _tickets.Count;
}
