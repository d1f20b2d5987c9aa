namespace KohakuRiver.Daemon.Host.Dispatch;

/// <summary>A runner refused or could not be reached; StatusCode is null when nothing answered.</summary>
public sealed class RunnerCallException(int? statusCode, string message, string? detail = null) : Exception(message)
{
    public int? StatusCode { get; } = statusCode;

    /// <summary>The runner's own <c>detail</c> when it answered with one (what a user is told); else the message.</summary>
    public string Detail { get; } = detail ?? message;
}
