namespace KohakuRiver.Daemon.Environments;

/// <summary>A published tarball of an environment in the shared folder.</summary>
public sealed record Tarball(string Environment, long Timestamp, string Path, long SizeBytes);
