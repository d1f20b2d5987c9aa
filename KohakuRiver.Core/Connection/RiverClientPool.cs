using System.Collections.Concurrent;
using KohakuRiver.Core.Client;

namespace KohakuRiver.Core.Connection;

/// <summary>
/// One <see cref="RiverClient"/> (one HttpClient, one connection pool) per cluster connection for the life of the
/// process, shared by every command of every session that names the same host with the same token.
/// </summary>
public sealed class RiverClientPool(Func<Uri, string, RiverClient>? factory = null)
{
    private readonly Func<Uri, string, RiverClient> _factory = factory ?? ((uri, token) => new RiverClient(uri, token));
    private readonly ConcurrentDictionary<(string Uri, string Token), Lazy<RiverClient>> _clients = new();

    public static RiverClientPool Shared { get; } = new();

    public int Count => _clients.Count;

    public RiverClient Get(RiverClusterConnection connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        return _clients.GetOrAdd(Key(connection),
            _ => new Lazy<RiverClient>(() => _factory(connection.Uri, connection.GetToken()), LazyThreadSafetyMode.ExecutionAndPublication)).Value;
    }

    private static (string, string) Key(RiverClusterConnection c) => (c.Uri.AbsoluteUri.ToLowerInvariant(), c.GetToken());
}
