namespace KohakuRiver.Core.Connection;

/// <summary>The per-user client config file exists but cannot be read.</summary>
public sealed class ClientConfigException(string message, Exception? inner = null) : Exception(message, inner);
