namespace KohakuRiver.Core.Vps;

/// <summary>No <c>ssh</c> program on PATH, so Connect-RiverVps cannot start one.</summary>
public sealed class SshClientNotFoundException(string message) : Exception(message);

/// <summary>New-RiverVps was given no key option and found no default public key in ~/.ssh.</summary>
public sealed class SshPublicKeyNotFoundException(string message) : Exception(message);

/// <summary>The VPS exists but cannot be reached over SSH now: it is not running, was made without SSH, or its sshd has
/// not answered yet.</summary>
public sealed class VpsNotReachableException(long taskId, string message) : Exception(message)
{
    public long TaskId { get; } = taskId;
}

/// <summary>The host made the VPS task but it did not come up (the host answered 422 with the task's state).</summary>
public sealed class VpsCreationFailedException(long taskId, string message, Exception? inner = null) : Exception(message, inner)
{
    public long TaskId { get; } = taskId;
}
