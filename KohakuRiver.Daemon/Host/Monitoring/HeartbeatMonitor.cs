using KohakuRiver.Daemon.Configuration;
using KohakuRiver.Daemon.Host.State;

namespace KohakuRiver.Daemon.Host.Monitoring;

/// <summary>Marks nodes offline (and their tasks lost) once they miss heartbeat_timeout_factor heartbeats.</summary>
public sealed class HeartbeatMonitor(ClusterState state, DaemonSettings settings, TimeProvider time, ILogger<HeartbeatMonitor> log) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Checking at a fraction of the interval bounds how late past the timeout a node is noticed.
        var period = TimeSpan.FromSeconds(Math.Max(settings.HeartbeatIntervalSeconds / 2, 0.05));
        using var timer = new PeriodicTimer(period, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    state.CheckHeartbeats();
                }
                catch (Exception e)
                {
                    log.LogError(e, "Heartbeat check failed");
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}
