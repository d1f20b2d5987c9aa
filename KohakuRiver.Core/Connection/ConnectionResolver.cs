namespace KohakuRiver.Core.Connection;

/// <summary>
/// Finds the cluster a command talks to, first match wins: the command's <c>-Cluster</c> parameter; the session
/// default set by <c>Connect-RiverCluster</c>; then <c>$env:KOHAKURIVER_HOST</c> / <c>$env:KOHAKURIVER_TOKEN</c>
/// over the per-user config file, each variable overriding the same field of the file (the file's token is used
/// only for the file's host).
/// </summary>
public static class ConnectionResolver
{
    public const string HostVariable = "KOHAKURIVER_HOST";
    public const string TokenVariable = "KOHAKURIVER_TOKEN";

    public static RiverClusterConnection Resolve(RiverClusterConnection? parameter, RiverClusterConnection? session,
        Func<string, string?> environment, ClientConfigFile? configFile) =>
        TryResolve(parameter, session, environment, configFile, out var error) ?? throw new RiverNotConnectedException(error!);

    public static RiverClusterConnection? TryResolve(RiverClusterConnection? parameter, RiverClusterConnection? session,
        Func<string, string?> environment, ClientConfigFile? configFile, out string? error)
    {
        ArgumentNullException.ThrowIfNull(environment);
        error = null;
        if (parameter is not null) return parameter.WithSource(RiverConnectionSource.Parameter);
        if (session is not null) return session.WithSource(RiverConnectionSource.Session);

        var envHost = Blank(environment(HostVariable));
        var envToken = Blank(environment(TokenVariable));
        var config = configFile?.Load();
        var fileHost = Blank(config?.Host);
        var fileToken = Blank(config?.Token);

        var hostText = envHost ?? fileHost;
        if (hostText is null)
        {
            error = "no cluster is connected: no Connect-RiverCluster in this session, no $env:" + HostVariable +
                    (configFile is null ? "" : $", and no config file at {configFile.Path}");
            return null;
        }
        if (!RiverEndpoint.TryParse(hostText, out var uri, out var parseError))
        {
            error = envHost is not null ? $"$env:{HostVariable}: {parseError}" : $"{configFile!.Path}: {parseError}";
            return null;
        }

        string? token = envToken;
        if (token is null && fileToken is not null && fileHost is not null &&
            RiverEndpoint.TryParse(fileHost, out var fileUri, out _) && RiverEndpoint.SameHost(fileUri!, uri!))
            token = fileToken;
        if (token is null)
        {
            error = $"the cluster {uri} has no API token: set $env:{TokenVariable}, or run Connect-RiverCluster -Uri {uri} -Token (Read-Host -AsSecureString) -Save";
            return null;
        }

        var fromEnvironment = envHost is not null || envToken is not null;
        return new RiverClusterConnection(uri!, token,
            fromEnvironment ? RiverConnectionSource.Environment : RiverConnectionSource.ConfigFile,
            config is null ? null : configFile!.Path);
    }

    /// <summary>
    /// The connection <c>Connect-RiverCluster -Uri</c> makes: that host, with the token given, else
    /// <c>$env:KOHAKURIVER_TOKEN</c>, else the config file's token if the file names the same host.
    /// </summary>
    public static RiverClusterConnection ForHost(string hostText, string? token, Func<string, string?> environment, ClientConfigFile? configFile)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var uri = RiverEndpoint.Parse(hostText);
        var chosen = Blank(token) ?? Blank(environment(TokenVariable));
        if (chosen is null && configFile?.Load() is { } config && Blank(config.Token) is { } fileToken &&
            RiverEndpoint.TryParse(config.Host, out var fileUri, out _) && RiverEndpoint.SameHost(fileUri!, uri))
            chosen = fileToken;
        return chosen is null
            ? throw new RiverNotConnectedException($"no API token for {uri}: give -Token, or set $env:{TokenVariable}")
            : new RiverClusterConnection(uri, chosen, RiverConnectionSource.Parameter);
    }

    private static string? Blank(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();
}
