using KohakuRiver.Daemon.Access.Forwarding;
using KohakuRiver.Daemon.Configuration;
using KohakuRiver.Daemon.Engine;
using KohakuRiver.Daemon.Runner.Execution;
using KohakuRiver.Daemon.Web;

namespace KohakuRiver.Daemon.Runner.Api;

/// <summary>
/// <c>GET /ws/forward/{id}/{port}?proto=tcp|udp</c> on the runner (cluster token): a WebSocket of forward frames to the
/// task container's own address. Everything that can be refused is refused before the upgrade, as JSON {detail}.
/// </summary>
public static class RunnerForwardEndpoints
{
    public static void MapRunnerForwardEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/ws/forward/{id}/{port}", async (HttpContext ctx, string id, string port, TaskExecutor executor, IContainerEngine engine,
            DaemonSettings settings, ILoggerFactory logs, IHostApplicationLifetime lifetime) =>
        {
            var taskId = ApiPipeline.ParseId(id);
            var remotePort = ForwardRequest.Port(port);
            // Checked, not kept: each CONNECT frame says its own protocol, as the reference's do.
            ForwardRequest.Protocol(ctx.Request.Query["proto"]);
            var target = await ForwardTargetResolver.ResolveAsync(taskId, executor, engine, settings, ctx.RequestAborted);
            if (!ctx.WebSockets.IsWebSocketRequest)
                throw ApiException.BadRequest("this endpoint is a WebSocket: send an upgrade request (GET with 'Upgrade: websocket')");
            using var socket = await ctx.WebSockets.AcceptWebSocketAsync();
            await using var session = new ForwardSession(socket, target.Address, remotePort, target.What, logs.CreateLogger("KohakuRiver.Runner.Forward"));
            // The runner stopping ends its forwards at once rather than after the server's shutdown timeout.
            using var ending = CancellationTokenSource.CreateLinkedTokenSource(ctx.RequestAborted, lifetime.ApplicationStopping);
            await session.RunAsync(ending.Token);
            return Results.Empty;
        });
    }
}
