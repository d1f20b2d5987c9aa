using KohakuRiver.Core.Client;
using KohakuRiver.Core.Completion;
using KohakuRiver.Core.Connection;

namespace KohakuRiver.PowerShell.Hosting;

/// <summary>The module's process-wide state: the default connection set by Connect-RiverCluster, and the clients.</summary>
public static class RiverSession
{
    private static readonly object Gate = new();
    private static RiverClusterConnection? _default;

    /// <summary>Tab completion against the default cluster (a completer has no -Cluster to look at).</summary>
    public static RiverCompleter Completer { get; } = new(() =>
    {
        var connection = ConnectionResolver.TryResolve(null, Default, Environment.GetEnvironmentVariable, ConfigFile, out _);
        return connection is null ? null : ClientFor(connection);
    });

    public static RiverClusterConnection? Default
    {
        get
        {
            lock (Gate) return _default;
        }
        set
        {
            lock (Gate) _default = value;
        }
    }

    public static ClientConfigFile ConfigFile => ClientConfigFile.Default(Environment.GetEnvironmentVariable);

    public static RiverClusterConnection Resolve(RiverClusterConnection? parameter) =>
        ConnectionResolver.Resolve(parameter, Default, Environment.GetEnvironmentVariable, ConfigFile);

    public static RiverClient ClientFor(RiverClusterConnection connection) => RiverClientPool.Shared.Get(connection);

    /// <summary>Unwraps PowerShell's PSObject so that Core sees the value inside.</summary>
    public static object Unwrap(object value) => value is System.Management.Automation.PSObject p ? p.BaseObject : value;
}
