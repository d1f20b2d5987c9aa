namespace KohakuRiver.Daemon.Security;

/// <summary>What <see cref="RealPath.Resolve"/> found.</summary>
public enum RealPathOutcome { Resolved, Missing, Failed }
