namespace KohakuRiver.Daemon.Security;

public readonly record struct RealPathResult(RealPathOutcome Outcome, string? Path, string? Error);
