using KohakuRiver.Daemon.Host.State;

namespace KohakuRiver.Daemon.Host.Dispatch;

/// <summary>
/// Wakes whenever capacity may have freed or work arrived, places queued tasks and hands each to its runner.
/// Event-driven (no polling interval), so a task waits for nothing but capacity.
/// </summary>
public sealed class Dispatcher(ClusterState state, RunnerGateway runners, ILogger<Dispatcher> log) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await state.DispatchSignal.WaitAsync(stoppingToken);
                foreach (var d in state.TakeDispatches()) _ = SendAsync(d, stoppingToken);
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

    private async Task SendAsync(State.Dispatch d, CancellationToken ct)
    {
        try
        {
            await runners.ExecuteAsync(d.RunnerUrl, d.Task, ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
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
