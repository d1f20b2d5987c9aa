using System.Net;
using KohakuRiver.Daemon.Configuration;
using KohakuRiver.Daemon.Engine;
using KohakuRiver.Daemon.Engine.Docker;
using KohakuRiver.Daemon.Environments;
using KohakuRiver.Daemon.Security;
using KohakuRiver.Daemon.Runner.Environments;
using KohakuRiver.Daemon.Runner.Agent;
using KohakuRiver.Daemon.Runner.Api;
using KohakuRiver.Daemon.Runner.Execution;
using KohakuRiver.Daemon.Runner.Resources;
using KohakuRiver.Daemon.Runner.Resources.Gpu;
using KohakuRiver.Daemon.Web;

namespace KohakuRiver.Daemon.Runner;

/// <summary>Builds the runner: its API, the executor over the Docker engine, and the agent that talks to the host.</summary>
public static class RunnerServer
{
    public static WebApplication Build(DaemonSettings settings)
    {
        if (string.IsNullOrEmpty(settings.ClusterToken))
            throw new SettingsException("setting cluster_token is required on a runner: copy it from the host's data dir (file cluster-token) or its config");
        var mounts = new MountSecurityPolicy(settings, $"node {settings.NodeName}");
        foreach (var m in settings.ExtraMounts)
            if (mounts.Check(m, mustExist: false, byOperator: true) is { Allowed: false } refused)
                throw new SettingsException($"setting extra_mounts: {refused.Error}");
        var listenAddress = settings.RunnerAddress ?? RunnerAgent.LocalAddressToward(settings.HostAddress, settings.HostPort);
        if (!IPAddress.TryParse(listenAddress, out var listenIp))
            throw new SettingsException($"setting runner_address: '{listenAddress}' is not an IP address");

        var builder = WebApplication.CreateSlimBuilder();
        DaemonLogging.Configure(builder.Logging, settings, "runner");
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Listen(listenIp, settings.RunnerPort);
            k.Limits.MaxRequestBodySize = Core.Wire.RequestLimits.MaxBodyBytes;
        });
        builder.Services.AddSingleton(settings);
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<IContainerEngine>(services => new DockerEngine(settings.DockerSocket, services.GetRequiredService<TimeProvider>()));
        builder.Services.AddSingleton<ResourceDetector>();
        // Disposed with the application: NVML is shut down when the runner stops.
        builder.Services.AddSingleton(services => new NvmlGpuReader(settings.GpuLibraryPath, "/sys", services.GetRequiredService<ILogger<NvmlGpuReader>>()));
        builder.Services.AddSingleton(_ => new CpuTemperatureReader("/sys"));
        builder.Services.AddSingleton(_ => new TarballStore(settings.SharedDir));
        builder.Services.AddSingleton<ImageSync>();
        builder.Services.AddSingleton<HostLink>();
        builder.Services.AddSingleton<ITaskReporter>(services => services.GetRequiredService<HostLink>());
        builder.Services.AddSingleton<TaskExecutor>();
        builder.Services.AddHostedService<RunnerAgent>();

        var app = builder.Build();
        var log = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("KohakuRiver.Runner");
        app.UseJsonErrors(log);
        // Terminals (/ws/…): the cluster token below covers them like the API.
        app.UseWebSockets(new WebSocketOptions { KeepAliveInterval = TimeSpan.FromSeconds(30) });
        app.UseBearerTokens(_ => (settings.ClusterToken!, "cluster token"));
        app.UseBodyLimits();
        app.MapRunnerEndpoints();
        app.MapRunnerForwardEndpoints();
        return app;
    }
}
