namespace KohakuRiver.Daemon.Runner.Environments;

/// <summary>An environment could not be made ready on this node; the message says why and what to do.</summary>
public sealed class EnvironmentSyncException(string message) : Exception(message);
