using System.Collections.Concurrent;
using KohakuRiver.Core.Client;
using KohakuRiver.Core.Wire;
using KohakuRiver.Daemon.Configuration;
using KohakuRiver.Daemon.Resilience;

namespace KohakuRiver.Daemon.Runner.Agent;

/// <summary>The runner's connection to the host (cluster token), and status reports that retry until acknowledged.</summary>
public sealed class HostLink : ITaskReporter, IDisposable
{
    private readonly ILogger _log;
    private readonly ConcurrentDictionary<long, KilledTaskReport> _unacknowledgedKills = new();

    public HostLink(DaemonSettings settings, ILogger<HostLink> log)
        : this(new RiverClient(new Uri(settings.HostUrl), settings.ClusterToken ?? throw new InvalidOperationException(
            "the runner needs the cluster token: set cluster_token (KOHAKURIVER_CLUSTER_TOKEN) to the value in the host's data dir"),
            timeout: TimeSpan.FromSeconds(30)), log)
    {
    }

    internal HostLink(RiverClient client, ILogger log)
    {
        _log = log;
        Client = client;
    }

    public RiverClient Client { get; }

    /// <summary>
    /// Tasks this runner killed (or saw the kernel kill) whose report the host has not yet acknowledged. Heartbeats
    /// carry them as <c>killed_tasks</c>, so a host that comes back learns of them at the next heartbeat rather than
    /// at the report's next retry.
    /// </summary>
    public IReadOnlyList<KilledTaskReport> UnacknowledgedKills => [.. _unacknowledgedKills.Values.OrderBy(k => k.TaskId)];

    /// <summary>Sends a status report, retrying with backoff until the host acknowledges it (or says it does not know
    /// the task, or refuses the report as malformed, which no retry can fix).</summary>
    public async Task ReportAsync(TaskUpdateRequest update, CancellationToken ct)
    {
        var killed = update.Status is "killed" or "killed_oom";
        if (killed) _unacknowledgedKills[update.TaskId] = new KilledTaskReport { TaskId = update.TaskId, Reason = update.Message ?? update.Status };
        try
        {
            await RetryPolicy.StatusReport.ExecuteAsync(c => Client.UpdateTaskAsync(update, c),
                e => e is RiverApiException { Kind: not (RiverErrorKind.NotFound or RiverErrorKind.InvalidArgument) },
                (attempt, e, _) =>
                {
                    if (attempt is 1 or 10 or 100)
                        _log.LogWarning("Report of task {TaskId} ({Status}) not delivered, retrying: {Detail}",
                            update.TaskId, update.Status, ((RiverApiException)e).Detail);
                },
                ct: ct);
        }
        catch (RiverApiException e)
        {
            _log.LogWarning("Host refused the {Status} report of task {TaskId}: {Detail}", update.Status, update.TaskId, e.Detail);
        }
        finally
        {
            // Acknowledged, refused for good, or the runner is stopping: either way no heartbeat should repeat it.
            if (killed) _unacknowledgedKills.TryRemove(update.TaskId, out _);
        }
    }

    public void Dispose() => Client.Dispose();
}
