using System.Diagnostics;
using KohakuRiver.Daemon.Host.Background;
using KohakuRiver.Daemon.Host.Metrics;
using KohakuRiver.Daemon.Host.Records;
using KohakuRiver.Daemon.Host.State;

namespace KohakuRiver.Daemon.Host.Dispatch;

/// <summary>
/// Wakes whenever capacity may have freed or work arrived, places queued tasks and hands each to its runner.
/// Event-driven (no polling interval), so a task waits for nothing but capacity. The sends run as
/// <see cref="BackgroundCalls"/>, so that the next pass need not wait for a slow runner and shutdown waits for them.
/// Each placed task's wait in the queue and each accepted hand-over's time go to <see cref="HostMetrics"/>.
/// </summary>
public sealed class Dispatcher(ClusterState state, RunnerGateway runners, BackgroundCalls calls, ILogger<Dispatcher> log,
    HostMetrics? metrics = null, TimeProvider? time = null) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await state.DispatchSignal.WaitAsync(stoppingToken);
                var placed = state.TakeDispatches();
                var now = (time ?? TimeProvider.System).GetUtcNow();
                foreach (var d in placed)
                {
                    metrics?.TaskLeftQueue(now - d.Task.SubmittedAt);
                    calls.Start($"dispatch of task {d.Task.TaskId} to {d.NodeName}", ct => SendAsync(d, ct));
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                log.LogError(e, "Dispatch pass failed");
            }
        }
    }

    private async Task SendAsync(PlacedTask d, CancellationToken ct)
    {
        try
        {
            var clock = Stopwatch.StartNew();
            await runners.ExecuteAsync(d.RunnerUrl, d.Task.ToWire(), ct);
            metrics?.TaskHandedOver(clock.Elapsed);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Abandoned at shutdown: the task stays assigning, and the runner's next heartbeat settles it.
        }
        catch (RunnerCallException e) when (e.StatusCode == 400)
        {
            // The runner judged the task itself malformed: no other attempt or node would take it.
            state.DispatchRefused(d.Task.TaskId, e.Message);
        }
        catch (Exception e)
        {
            state.DispatchFailed(d.Task.TaskId, e.Message);
        }
    }
}
