namespace KohakuRiver.Core.Errors;

/// <summary>
/// The categories this product reports, named exactly as members of PowerShell's
/// <c>System.Management.Automation.ErrorCategory</c> (the module converts by name; a test checks every name exists
/// there), so that Core stays free of PowerShell.
/// </summary>
public enum RiverErrorCategory
{
    NotSpecified,
    InvalidArgument,
    InvalidData,
    InvalidOperation,
    ObjectNotFound,
    OperationStopped,
    OperationTimeout,
    ResourceUnavailable,
    ConnectionError,
    AuthenticationError,
    LimitsExceeded,
    FromStdErr,
    PermissionDenied,
}

/// <summary>What a failure is about, so that "not found" can say what was not found.</summary>
public enum RiverObjectKind
{
    Task,
    Node,
    Batch,
    Environment,
    Cluster,
    Vps,
}

/// <summary>How a failure should be reported: PowerShell's ErrorId, category, message, a hint, and whether it
/// should stop the command (no later item can succeed: no connection, a rejected token).</summary>
public sealed record RiverErrorInfo(string ErrorId, RiverErrorCategory Category, string Message, string? RecommendedAction, bool StopsCommand);
