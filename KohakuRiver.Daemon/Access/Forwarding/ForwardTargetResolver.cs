using System.Net;
using KohakuRiver.Daemon.Configuration;
using KohakuRiver.Daemon.Engine;
using KohakuRiver.Daemon.Runner.Api;
using KohakuRiver.Daemon.Runner.Execution;
using KohakuRiver.Daemon.Web;

namespace KohakuRiver.Daemon.Access.Forwarding;

/// <summary>
/// Finds a held task's container and its address on the task network, from the engine's inspect (no published port,
/// nothing put into the container). Every refusal is an <see cref="ApiException"/> answered before any upgrade: 404
/// for a task this runner does not hold, 409 for one whose container is not running or has no address.
/// </summary>
public static class ForwardTargetResolver
{
    public static async Task<ForwardTarget> ResolveAsync(long taskId, TaskExecutor executor, IContainerEngine engine, DaemonSettings settings,
        CancellationToken ct)
    {
        var container = HeldContainer.Of(executor, taskId);
        var info = await engine.InspectContainerAsync(container, ct);
        if (info is null || !info.State.Running)
            throw ApiException.Conflict($"task {taskId}'s container is not running");
        if (info.State.Paused)
            throw ApiException.Conflict($"task {taskId} is paused: resume it before forwarding to it");
        if (Pick(info.NetworkAddresses, settings.TaskNetwork) is not { } address)
            throw ApiException.Conflict($"task {taskId}'s container has no network address (task_network is '{settings.TaskNetwork}')");
        return new ForwardTarget(taskId, container, address, $"task {taskId}");
    }

    /// <summary>The address on the configured task network when the container has one there, else its first usable one.</summary>
    internal static IPAddress? Pick(IReadOnlyDictionary<string, string> addresses, string taskNetwork)
    {
        if (addresses.TryGetValue(taskNetwork, out var preferred) && IPAddress.TryParse(preferred, out var ip)) return ip;
        foreach (var (_, text) in addresses.OrderBy(a => a.Key, StringComparer.Ordinal))
            if (IPAddress.TryParse(text, out var any)) return any;
        return null;
    }
}
