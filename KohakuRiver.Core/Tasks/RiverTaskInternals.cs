namespace KohakuRiver.Core.Tasks;

/// <summary>
/// The part of a task only the cluster needs: the host's paths to its captured output, the image name the engine
/// runs and a VPS's public key. Kept off the task's own properties, and out of its own text, so that no view, export or
/// <c>Format-List *</c> shows host paths; each is there when asked for by name.
/// </summary>
public sealed class RiverTaskInternals(string? stdoutPath, string? stderrPath, string? engineImageName, string? sshPublicKey)
{
    public static RiverTaskInternals None { get; } = new(null, null, null, null);

    /// <summary>Where the host keeps the task's standard output (Receive-RiverTaskOutput reads it for you).</summary>
    public string? StdoutPath { get; } = stdoutPath;
    public string? StderrPath { get; } = stderrPath;
    /// <summary>The image the runner's engine runs for this task.</summary>
    public string? EngineImageName { get; } = engineImageName;
    /// <summary>VPS only: the public key written into the container's authorized_keys (never a private key).</summary>
    public string? SshPublicKey { get; } = sshPublicKey;

    public override string ToString() => "(StdoutPath, StderrPath, EngineImageName, SshPublicKey: ask by name)";
}
