namespace KohakuRiver.Core.Connection;

/// <summary>
/// A cluster to talk to: the host's address and the API token. The token is kept out of the properties (so it is not
/// printed by Format-List or written by Export-Csv); <see cref="TokenHint"/> shows enough to tell tokens apart.
/// </summary>
public sealed class RiverClusterConnection
{
    private readonly string _token;

    public RiverClusterConnection(Uri uri, string token, RiverConnectionSource source, string? configPath = null)
    {
        ArgumentNullException.ThrowIfNull(uri);
        if (string.IsNullOrWhiteSpace(token)) throw new ArgumentException("a token is required", nameof(token));
        Uri = uri;
        _token = token.Trim();
        Source = source;
        ConfigPath = configPath;
    }

    public Uri Uri { get; }
    public RiverConnectionSource Source { get; }
    public string TokenHint => _token.Length <= 8 ? new string('*', _token.Length) : _token[..4] + "…" + _token[^2..];
    /// <summary>The config file involved, when one was read or written.</summary>
    public string? ConfigPath { get; }

    public string GetToken() => _token;

    public RiverClusterConnection WithSource(RiverConnectionSource source, string? configPath = null) =>
        new(Uri, _token, source, configPath ?? ConfigPath);

    /// <summary>Same host and same token (the key of the client pool).</summary>
    public bool SameAs(RiverClusterConnection other) =>
        RiverEndpoint.SameHost(Uri, other.Uri) && string.Equals(_token, other._token, StringComparison.Ordinal);

    public override string ToString() => Uri.ToString();
}
