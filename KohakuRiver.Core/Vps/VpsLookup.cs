using KohakuRiver.Core.Client;
using KohakuRiver.Core.Models;
using KohakuRiver.Core.Tasks;

namespace KohakuRiver.Core.Vps;

/// <summary>Finding a VPS by task id and telling whether SSH can reach it.</summary>
public static class VpsLookup
{
    public static bool IsVps(RiverTask task) => task.Kind == TaskKind.Vps;

    /// <summary>True while the VPS holds its node's resources (not yet finished).</summary>
    public static bool IsActive(RiverTask task) => !task.Status.IsFinal();

    /// <summary>The task, which must be a VPS: a task of another kind is as good as not found.</summary>
    public static async Task<RiverTask> GetAsync(RiverClient client, long taskId, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(client);
        var task = await client.GetTaskAsync(taskId, ct).ConfigureAwait(false);
        return IsVps(task) ? task : throw new KeyNotFoundException($"task {taskId} is not a VPS (it is a {task.Kind.ToWire()} task)");
    }

    /// <summary>Throws <see cref="VpsNotReachableException"/> unless the VPS is running with SSH and a known port.</summary>
    public static void EnsureSshReachable(RiverTask task)
    {
        ArgumentNullException.ThrowIfNull(task);
        if (task.SshKeyMode == SshKeyMode.Disabled)
            throw new VpsNotReachableException(task.TaskId, $"VPS {task.TaskId} was created without SSH (-NoSsh)");
        if (task.Status != RiverTaskStatus.Running)
            throw new VpsNotReachableException(task.TaskId, task.Status.IsFinal()
                ? $"VPS {task.TaskId} is {task.Status.ToWire()}; only a running VPS can be reached"
                : $"VPS {task.TaskId} is {task.Status.ToWire()}, not running yet; try again when Get-RiverVps shows it Running");
        if (task.SshPort is null)
            throw new VpsNotReachableException(task.TaskId, $"VPS {task.TaskId} is running but its sshd has not answered yet; try again shortly");
    }
}
