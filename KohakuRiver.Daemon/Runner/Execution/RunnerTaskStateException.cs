namespace KohakuRiver.Daemon.Runner.Execution;

/// <summary>A request about a task that its state does not allow (not held here: 404; not pausable now: 409).</summary>
public sealed class RunnerTaskStateException(int statusCode, string message) : Exception(message)
{
    public int StatusCode { get; } = statusCode;
}
