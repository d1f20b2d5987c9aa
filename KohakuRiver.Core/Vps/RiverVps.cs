using KohakuRiver.Core.Models;
using KohakuRiver.Core.Wire;
using KohakuRiver.Core.Tasks;

namespace KohakuRiver.Core.Vps;

/// <summary>
/// A VPS as the VPS cmdlets show it. It is a task, so it carries <see cref="TaskId"/> (and pipes into Get-RiverTask,
/// Wait-RiverTask and the VPS cmdlets), <see cref="NodeName"/> (into Get-RiverNode) and <see cref="Environment"/> (into
/// the environment cmdlets). <see cref="IdentityFile"/> is the private key this machine holds for it, when known; a
/// private key itself is never part of the object.
/// </summary>
public sealed class RiverVps
{
    public long TaskId { get; init; }
    public string? Name { get; init; }
    public RiverTaskStatus Status { get; init; }
    public string? NodeName { get; init; }
    /// <summary>Where the VPS's sshd listens on its node; reached through the host's SSH proxy, not directly.</summary>
    public int? SshPort { get; init; }
    public string? Environment { get; init; }
    public string? Image { get; init; }
    public int Cores { get; init; }
    public long? MemoryBytes { get; init; }
    public SshKeyMode? SshKeyMode { get; init; }
    public string? IdentityFile { get; init; }
    public DateTimeOffset? SubmittedAt { get; init; }
    public DateTimeOffset? StartedAt { get; init; }
    public DateTimeOffset? CompletedAt { get; init; }
    public string? ErrorMessage { get; init; }

    public static RiverVps FromTask(RiverTask task, string? identityFile = null)
    {
        ArgumentNullException.ThrowIfNull(task);
        return new RiverVps
        {
            TaskId = task.TaskId,
            Name = task.Name,
            Status = task.Status,
            NodeName = task.NodeName,
            SshPort = task.SshPort,
            Environment = task.Environment,
            Image = task.Image,
            Cores = task.RequiredCores,
            MemoryBytes = task.RequiredMemoryBytes,
            SshKeyMode = task.SshKeyMode,
            IdentityFile = identityFile,
            SubmittedAt = task.SubmittedAt,
            StartedAt = task.StartedAt,
            CompletedAt = task.CompletedAt,
            ErrorMessage = task.ErrorMessage,
        };
    }

    /// <summary>The VPS from the host's answer to its creation and what was asked for.</summary>
    public static RiverVps FromCreated(VpsCreateResponse created, VpsCreateRequest request, string? identityFile = null)
    {
        ArgumentNullException.ThrowIfNull(created);
        ArgumentNullException.ThrowIfNull(request);
        return new RiverVps
        {
            TaskId = created.TaskId,
            Name = request.Name,
            Status = created.Status,
            NodeName = created.AssignedNode?.Hostname,
            SshPort = created.SshPort,
            Environment = request.ContainerName,
            Image = request.RegistryImage,
            Cores = request.RequiredCores ?? 0,
            MemoryBytes = request.RequiredMemoryBytes,
            SshKeyMode = SshKeyModeNames.TryParse(request.SshKeyMode, out var mode) ? mode : null,
            IdentityFile = identityFile,
        };
    }

    public override string ToString() => $"{TaskId} ({Status.ToWire()})";
}
