namespace KohakuRiver.Core.Connection;

/// <summary>Where the connection in use came from, in the order they are tried.</summary>
public enum RiverConnectionSource
{
    /// <summary>The command's own <c>-Cluster</c> parameter (or <c>Connect-RiverCluster</c>'s <c>-Uri</c>).</summary>
    Parameter,
    /// <summary><c>Connect-RiverCluster</c> earlier in this session.</summary>
    Session,
    /// <summary><c>$env:KOHAKURIVER_HOST</c> / <c>$env:KOHAKURIVER_TOKEN</c>.</summary>
    Environment,
    /// <summary>The per-user config file written by <c>Connect-RiverCluster -Save</c>.</summary>
    ConfigFile,
}
