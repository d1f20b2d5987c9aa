namespace KohakuRiver.Core.Vps;

/// <summary>The VPS exists but cannot be reached over SSH now: it is not running, was made without SSH, or its sshd has
/// not answered yet.</summary>
public sealed class VpsNotReachableException(long taskId, string message) : Exception(message)
{
    public long TaskId { get; } = taskId;
}
