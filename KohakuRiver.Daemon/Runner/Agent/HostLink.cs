using KohakuRiver.Core.Client;
using KohakuRiver.Core.Wire;
using KohakuRiver.Daemon.Configuration;
using KohakuRiver.Daemon.Resilience;

namespace KohakuRiver.Daemon.Runner.Agent;

/// <summary>The runner's connection to the host (cluster token), and status reports that retry until acknowledged.</summary>
public sealed class HostLink : ITaskReporter, IDisposable
{
    private readonly ILogger _log;

    public HostLink(DaemonSettings settings, ILogger<HostLink> log)
    {
        _log = log;
        Client = new RiverClient(new Uri(settings.HostUrl), settings.ClusterToken ?? throw new InvalidOperationException(
            "the runner needs the cluster token: set cluster_token (KOHAKURIVER_CLUSTER_TOKEN) to the value in the host's data dir"),
            timeout: TimeSpan.FromSeconds(30));
    }

    public RiverClient Client { get; }

    /// <summary>Sends a status report, retrying with backoff until the host acknowledges it (or says it does not know
    /// the task, or refuses the report as malformed, which no retry can fix).</summary>
    public async Task ReportAsync(TaskUpdateRequest update, CancellationToken ct)
    {
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
    }

    public void Dispose() => Client.Dispose();
}
