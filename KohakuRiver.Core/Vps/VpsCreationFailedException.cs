namespace KohakuRiver.Core.Vps;

/// <summary>The host made the VPS task but it did not come up (the host answered 422 with the task's state).</summary>
public sealed class VpsCreationFailedException(long taskId, string message, Exception? inner = null) : Exception(message, inner)
{
    public long TaskId { get; } = taskId;
}
