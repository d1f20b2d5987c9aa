namespace KohakuRiver.Daemon.Host;

/// <summary>Why the host refused an operation, in its own terms; the API layer turns each into an HTTP status.</summary>
public enum HostErrorKind
{
    /// <summary>The request itself is wrong (a bad field, a task that can never run).</summary>
    Invalid,
    /// <summary>The task or node it names does not exist.</summary>
    NotFound,
    /// <summary>It exists, but its state does not allow this now (finished, not running, not a VPS...).</summary>
    Conflict,
    /// <summary>Something the host needs for it is out of reach (the task's node is unknown).</summary>
    Unavailable,
    /// <summary>Work the host started on the caller's behalf did not finish in time (a command in an environment).</summary>
    TimedOut,
    /// <summary>The container engine the host relies on failed the operation for a reason of its own.</summary>
    EngineFailed,
}
