namespace KohakuRiver.Core.Errors;

/// <summary>How a failure should be reported: PowerShell's ErrorId, category, message, a hint, and whether it
/// should stop the command (no later item can succeed: no connection, a rejected token).</summary>
public sealed record RiverErrorInfo(string ErrorId, RiverErrorCategory Category, string Message, string? RecommendedAction, bool StopsCommand);
