namespace KohakuRiver.Daemon.Engine;

/// <summary>How a command run in a container ended, with its output.</summary>
public sealed record ExecResult(int ExitCode, string Stdout, string Stderr);
