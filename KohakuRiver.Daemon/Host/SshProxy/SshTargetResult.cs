namespace KohakuRiver.Daemon.Host.SshProxy;

/// <summary>Either a target (<see cref="Address"/>, <see cref="Port"/>) or a reason sent to the client as <c>ERROR &lt;reason&gt;</c>.</summary>
public sealed class SshTargetResult
{
    private SshTargetResult(string? address, int port, string? error)
    {
        Address = address;
        Port = port;
        Error = error;
    }

    /// <summary>Host name or IP address of the runner (or container) where the VPS's SSH port listens.</summary>
    public string? Address { get; }

    public int Port { get; }

    /// <summary>Null on success; otherwise one line for the user, e.g. "VPS 123 is stopped".</summary>
    public string? Error { get; }

    public bool IsSuccess => Error is null;

    public static SshTargetResult Success(string address, int port)
    {
        ArgumentException.ThrowIfNullOrEmpty(address);
        if (port is <= 0 or > 65535)
            throw new ArgumentOutOfRangeException(nameof(port), port, "A TCP port is 1-65535.");
        return new SshTargetResult(address, port, null);
    }

    public static SshTargetResult Failure(string reason)
    {
        ArgumentException.ThrowIfNullOrEmpty(reason);
        return new SshTargetResult(null, 0, reason);
    }

    public static SshTargetResult NotFound(long taskId) => Failure($"task {taskId} not found");
    public static SshTargetResult NotAVps(long taskId) => Failure($"task {taskId} is not a VPS");
    public static SshTargetResult NotRunning(long taskId, string status) => Failure($"VPS {taskId} is {status}");
    public static SshTargetResult NoSshPort(long taskId) => Failure($"VPS {taskId} has no SSH port yet");

    public override string ToString() => IsSuccess ? $"{Address}:{Port}" : $"error: {Error}";
}
