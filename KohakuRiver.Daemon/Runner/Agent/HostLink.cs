using KohakuRiver.Core.Client;
using KohakuRiver.Core.Wire;
using KohakuRiver.Daemon.Configuration;

namespace KohakuRiver.Daemon.Runner.Agent;

/// <summary>The runner's connection to the host (cluster token), and status reports that retry until acknowledged.</summary>
public sealed class HostLink : IDisposable
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
        var delay = TimeSpan.FromMilliseconds(100);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await Client.UpdateTaskAsync(update, ct);
                return;
            }
            catch (RiverApiException e) when (e.Kind is RiverErrorKind.NotFound or RiverErrorKind.InvalidArgument)
            {
                _log.LogWarning("Host refused the {Status} report of task {TaskId}: {Detail}", update.Status, update.TaskId, e.Detail);
                return;
            }
            catch (RiverApiException e)
            {
                if (attempt is 1 or 10 or 100) _log.LogWarning("Report of task {TaskId} ({Status}) not delivered, retrying: {Detail}", update.TaskId, update.Status, e.Detail);
            }
            await Task.Delay(delay, ct);
            delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 5000));
        }
    }

    public void Dispose() => Client.Dispose();
}
