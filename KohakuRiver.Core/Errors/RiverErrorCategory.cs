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
