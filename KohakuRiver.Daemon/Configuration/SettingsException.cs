namespace KohakuRiver.Daemon.Configuration;

/// <summary>A setting could not be used; the message names the setting, where it came from, and what was wrong.</summary>
public sealed class SettingsException(string message) : Exception(message);
