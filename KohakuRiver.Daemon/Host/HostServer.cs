using System.Net;
using KohakuRiver.Daemon.Configuration;
using KohakuRiver.Daemon.Engine;
using KohakuRiver.Daemon.Engine.Docker;
using KohakuRiver.Daemon.Environments;
using KohakuRiver.Daemon.Host.Access;
using KohakuRiver.Daemon.Host.Background;
using KohakuRiver.Daemon.Host.Environments;
using KohakuRiver.Daemon.Host.Api;
using KohakuRiver.Daemon.Host.Dispatch;
using KohakuRiver.Daemon.Host.Metrics;
using KohakuRiver.Daemon.Host.Monitoring;
using KohakuRiver.Daemon.Host.SshProxy;
using KohakuRiver.Daemon.Host.State;
using KohakuRiver.Daemon.Host.Storage;
using KohakuRiver.Daemon.Security;
using KohakuRiver.Daemon.Web;
using KohakuRiver.Core.Wire;
using Prometheus;

namespace KohakuRiver.Daemon.Host;

/// <summary>Builds the host: API, state, dispatcher and heartbeat monitor in one ASP.NET Core application.</summary>
public static class HostServer
{
    /// <summary>Tokens must already be set (see <see cref="TokenStore"/>).</summary>
    public static WebApplication Build(DaemonSettings settings)
    {
        if (settings.ApiToken is null || settings.ClusterToken is null)
            throw new InvalidOperationException("host tokens are not set");
        PrivateFiles.EnsureDirectory(settings.DataDir);
        Directory.CreateDirectory(settings.LogsDir);
        Directory.CreateDirectory(Path.Combine(settings.SharedDir, "shared_data"));

        var builder = WebApplication.CreateSlimBuilder();
        DaemonLogging.Configure(builder.Logging, settings, "host");
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Listen(IPAddress.Parse(settings.HostBindAddress), settings.HostPort);
            // Every body is bounded; POST /api/batches raises its own limit (ApiPipeline.AllowBodyOf).
            k.Limits.MaxRequestBodySize = RequestLimits.MaxBodyBytes;
        });
        builder.Services.AddSingleton(settings);
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton(_ => new HostStore(settings.DatabasePath));
        builder.Services.AddSingleton<ClusterState>();
        builder.Services.AddSingleton(_ => new HostMetrics());
        builder.Services.AddSingleton<ClusterStateMetrics>();
        builder.Services.AddSingleton<RunnerGateway>();
        builder.Services.AddSingleton<RunnerSockets>();
        builder.Services.AddSingleton<WebSocketTickets>();
        builder.Services.AddSingleton<IContainerEngine>(_ => new DockerEngine(settings.DockerSocket));
        builder.Services.AddSingleton(_ => new TarballStore(settings.SharedDir));
        builder.Services.AddSingleton<EnvironmentService>();
        builder.Services.AddSingleton<ISshTargetResolver>(sp => sp.GetRequiredService<ClusterState>());
        builder.Services.AddSingleton<SshProxyServer>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<SshProxyServer>());
        // Registered before the dispatcher, so it stops after it (hosted services stop in reverse order) and waits for
        // the sends of the dispatcher's last pass.
        builder.Services.AddSingleton<BackgroundCalls>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<BackgroundCalls>());
        builder.Services.AddHostedService<Dispatcher>();
        builder.Services.AddHostedService<HeartbeatMonitor>();

        var app = builder.Build();
        var log = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("KohakuRiver.Host");
        app.UseJsonErrors(log);
        var tickets = app.Services.GetRequiredService<WebSocketTickets>();
        app.UseBearerTokens(path => NodeEndpoints.IsRunnerFacing(path)
            ? (settings.ClusterToken!, "cluster token")
            : (settings.ApiToken!, "API token"), tickets.TryRedeem);
        app.UseBodyLimits();
        app.UseWebSockets();
        app.MapTaskEndpoints();
        app.MapNodeEndpoints();
        app.MapEnvironmentEndpoints();
        app.MapVpsEndpoints();
        app.MapAccessEndpoints();
        // The API token, like every client-facing endpoint (UseBearerTokens covers /metrics).
        app.MapMetrics("/metrics", app.Services.GetRequiredService<HostMetrics>().Registry)
            .WithMetadata(new Microsoft.AspNetCore.Routing.HttpMethodMetadata(["GET"]));
        app.Services.GetRequiredService<ClusterStateMetrics>();
        // Resolve state now so that a broken database stops start-up rather than the first request.
        app.Services.GetRequiredService<ClusterState>();
        return app;
    }
}
