namespace KohakuRiver.Daemon.Host.Dispatch;

/// <summary>A runner refused or could not be reached; StatusCode is null when nothing answered.</summary>
public sealed class RunnerCallException(int? statusCode, string message) : Exception(message)
{
    public int? StatusCode { get; } = statusCode;
}
