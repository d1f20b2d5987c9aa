using System.Globalization;

namespace KohakuRiver.Core.Vps;

/// <summary>
/// Where the host's SSH proxy listens: the API's host name (the proxy runs in the same process) and its
/// ssh_proxy_port: the <c>-ProxyPort</c> parameter, else <c>$env:KOHAKURIVER_SSH_PROXY_PORT</c>, else what the host's
/// health reports (<see cref="ResolveAsync"/>), else the host's default 8002.
/// </summary>
public sealed record SshProxyAddress(string Host, int Port)
{
    public const int DefaultPort = 8002;
    public const string PortVariable = "KOHAKURIVER_SSH_PROXY_PORT";

    public static SshProxyAddress For(Uri apiUri, int? port, Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(apiUri);
        ArgumentNullException.ThrowIfNull(environment);
        int chosen;
        if (port is { } p)
        {
            chosen = p;
        }
        else if (environment(PortVariable) is { Length: > 0 } text)
        {
            if (!int.TryParse(text.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out chosen))
                throw new FormatException($"$env:{PortVariable} is '{text}', not a port number");
        }
        else
        {
            chosen = DefaultPort;
        }
        if (chosen is <= 0 or > 65535) throw new ArgumentOutOfRangeException(nameof(port), chosen, "A TCP port is 1-65535.");
        // DnsSafeHost drops an IPv6 address's brackets, which neither a socket nor bash's /dev/tcp wants.
        return new SshProxyAddress(apiUri.DnsSafeHost, chosen);
    }

    /// <summary>Like <see cref="For"/>, but with neither a parameter nor the variable it asks the host, whose health
    /// reports the port its proxy listens on; the default is the last resort (an older host).</summary>
    public static async Task<SshProxyAddress> ResolveAsync(Client.RiverClient client, Uri apiUri, int? port,
        Func<string, string?> environment, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(client);
        if (port is null && environment(PortVariable) is not { Length: > 0 })
        {
            var health = await client.GetHealthAsync(ct).ConfigureAwait(false);
            if (health.SshProxyPort is > 0 and <= 65535) port = health.SshProxyPort;
        }
        return For(apiUri, port, environment);
    }

    public override string ToString() => (Host.Contains(':') ? $"[{Host}]" : Host) + ":" + Port.ToString(CultureInfo.InvariantCulture);
}
