using System.Net;
using System.Net.Sockets;
using KohakuRiver.Core.Client;
using KohakuRiver.Core.Wire;
using KohakuRiver.Daemon.Configuration;
using KohakuRiver.Daemon.Resilience;
using KohakuRiver.Daemon.Runner.Execution;
using KohakuRiver.Daemon.Runner.Resources;
using KohakuRiver.Daemon.Runner.Resources.Gpu;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace KohakuRiver.Daemon.Runner.Agent;

/// <summary>
/// The runner's life toward the host: adopt containers left from a previous run, register (retrying with backoff
/// for as long as it takes), then heartbeat; a 404 on heartbeat means the host forgot us, so register again.
/// </summary>
public sealed class RunnerAgent(
    DaemonSettings settings,
    HostLink host,
    TaskExecutor executor,
    ResourceDetector resources,
    NvmlGpuReader gpus,
    CpuTemperatureReader temperatures,
    IServer server,
    IHostApplicationLifetime lifetime,
    TimeProvider time,
    ILogger<RunnerAgent> log) : BackgroundService
{
    public static readonly string Version = typeof(RunnerAgent).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // The runner's own URL is known only once Kestrel listens (its port may be chosen by the OS).
        var started = new TaskCompletionSource();
        using (lifetime.ApplicationStarted.Register(() => started.TrySetResult()))
        using (stoppingToken.Register(() => started.TrySetCanceled()))
        {
            try { await started.Task; } catch (OperationCanceledException) { return; }
        }
        var url = RunnerUrl();

        try
        {
            await executor.AdoptAsync(stoppingToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            log.LogError("Could not list this runner's containers for adoption: {Message}", e.Message);
        }

        try
        {
            await RegisterAsync(url, stoppingToken);
            using var timer = new PeriodicTimer(settings.HeartbeatInterval, time);
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    var heartbeat = Heartbeat();
                    if (!GpuIds(heartbeat.GpuInfo).SequenceEqual(_registeredGpuIds))
                    {
                        // The host schedules on the GPUs a registration names (a heartbeat's figures only describe
                        // them), so GPUs that appear later (a driver loaded after the runner started) or go away must
                        // be registered again to be given to tasks.
                        log.LogInformation("This node's GPUs changed from [{Before}] to [{After}]; registering again",
                            string.Join(",", _registeredGpuIds), string.Join(",", GpuIds(heartbeat.GpuInfo)));
                        await RegisterAsync(url, stoppingToken);
                    }
                    var response = await host.Client.HeartbeatAsync(settings.NodeName, heartbeat, stoppingToken);
                    foreach (var id in response.KillTasks)
                        await executor.KillAsync(id, "the host considers this task finished");
                }
                catch (RiverApiException e) when (e.Kind == RiverErrorKind.NotFound)
                {
                    log.LogWarning("Host does not know this node; registering again");
                    await RegisterAsync(url, stoppingToken);
                }
                catch (RiverApiException e)
                {
                    log.LogWarning("Heartbeat failed: {Detail}", e.Detail);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private Task RegisterAsync(string url, CancellationToken ct) =>
        // Forever, not five times: a runner started before its host must join when the host comes up.
        RetryPolicy.Registration.ExecuteAsync(async c =>
            {
                var gpuInfo = gpus.Sample();
                await host.Client.RegisterAsync(new RegisterRequest
                {
                    Hostname = settings.NodeName,
                    Url = url,
                    TotalCores = resources.Cores,
                    TotalRamBytes = resources.MemoryBytes,
                    NumaTopology = resources.NumaTopology(),
                    GpuInfo = gpuInfo,
                    RunnerVersion = Version,
                }, c);
                _registeredGpuIds = GpuIds(gpuInfo);
                log.LogInformation("Registered with the host at {Host} as {Node} ({Url})", settings.HostUrl, settings.NodeName, url);
            },
            e => e is RiverApiException,
            (attempt, e, delay) =>
            {
                if (attempt <= 3 || attempt % 20 == 0)
                    log.LogWarning("Registration attempt {Attempt} failed: {Detail}; retrying in {Delay:0.#} s",
                        attempt, ((RiverApiException)e).Detail, delay.TotalSeconds);
            },
            time: time,
            ct: ct);

    /// <summary>The GPU ids the host was last told of in a registration.</summary>
    private IReadOnlyList<int> _registeredGpuIds = [];

    private static IReadOnlyList<int> GpuIds(List<GpuInfo>? gpus) => gpus is null ? [] : gpus.Select(g => g.GpuId).Order().ToList();

    /// <summary>Stops the heartbeat, then waits for the executor's supervisors to wind down (the containers run on).</summary>
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        await executor.StopAsync();
    }

    private HeartbeatRequest Heartbeat()
    {
        var (total, used) = resources.ReadMemInfo();
        var temperature = temperatures.Read();
        return new HeartbeatRequest
        {
            RunningTasks = [.. executor.HeldTaskIds],
            KilledTasks = [.. host.UnacknowledgedKills],
            CpuPercent = resources.SampleCpuPercent(),
            MemoryTotalBytes = total,
            MemoryUsedBytes = used,
            MemoryPercent = total > 0 ? Math.Clamp(Math.Round(100.0 * used / total, 1), 0, 100) : null,
            CurrentAvgTemp = temperature?.Average,
            CurrentMaxTemp = temperature?.Max,
            GpuInfo = gpus.Sample(),
            RunnerVersion = Version,
        };
    }

    private string RunnerUrl()
    {
        var address = server.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault()
                      ?? throw new InvalidOperationException("the runner API is not listening");
        var port = new Uri(address.Replace("*", "localhost").Replace("+", "localhost")).Port;
        var ip = settings.RunnerAddress ?? LocalAddressToward(settings.HostAddress, settings.HostPort);
        return $"http://{(ip.Contains(':') ? $"[{ip}]" : ip)}:{port}";
    }

    /// <summary>The local address this machine uses to reach the host: the one the host can reach us back on.</summary>
    public static string LocalAddressToward(string hostAddress, int hostPort)
    {
        var target = IPAddress.TryParse(hostAddress, out var ip) ? ip : Dns.GetHostAddresses(hostAddress).First();
        using var socket = new Socket(target.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        socket.Connect(new IPEndPoint(target, hostPort));
        return ((IPEndPoint)socket.LocalEndPoint!).Address.ToString();
    }
}
