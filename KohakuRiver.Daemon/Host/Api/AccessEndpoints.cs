using KohakuRiver.Core.Wire;
using KohakuRiver.Daemon.Access;
using KohakuRiver.Daemon.Access.Forwarding;
using KohakuRiver.Daemon.Host.Access;
using KohakuRiver.Daemon.Host.Dispatch;
using KohakuRiver.Daemon.Host.State;
using KohakuRiver.Daemon.Web;
using Microsoft.Extensions.Primitives;

namespace KohakuRiver.Daemon.Host.Api;

/// <summary>
/// Ways into running tasks: terminals and port forwards (WebSockets relayed to the runner that holds the task), one-shot
/// commands, and the tickets browsers use to open those sockets. Everything a client can get wrong, and every state in
/// which the task cannot be reached, is answered here with a plain HTTP status before the runner is contacted.
/// </summary>
public static class AccessEndpoints
{
    /// <summary>The query keys passed on to the runner; anything else (a ticket included) stays here.</summary>
    private static readonly string[] TerminalKeys = ["command", "rows", "cols"];

    public static void MapAccessEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/ws-tickets", (WebSocketTickets tickets) =>
            tickets.Issue() is { } ticket
                ? ApiPipeline.Json(new WebSocketTicket { Ticket = ticket, ExpiresIn = (int)WebSocketTickets.Lifetime.TotalSeconds }, RiverJsonContext.Default.WebSocketTicket)
                : throw HostException.Unavailable($"{WebSocketTickets.MaxOutstanding} WebSocket tickets are outstanding; use or let some expire first"));

        app.MapGet("/ws/task/{id}/terminal", (string id, HttpContext ctx, ClusterState state, RunnerSockets runners) =>
        {
            var taskId = ApiPipeline.ParseId(id);
            RequireWebSocket(ctx);
            return RelayAsync(ctx, state.ResolveAccess(taskId), runners, $"ws/task/{taskId}/terminal" + Query(ctx, TerminalKeys));
        });

        app.MapGet("/ws/forward/{id}/{port}", (string id, string port, HttpContext ctx, ClusterState state, RunnerSockets runners) =>
        {
            var taskId = ApiPipeline.ParseId(id);
            var p = ForwardRequest.Port(port);
            var protocol = ForwardRequest.Protocol(ctx.Request.Query["proto"]);
            RequireWebSocket(ctx);
            return RelayAsync(ctx, state.ResolveAccess(taskId), runners, $"ws/forward/{taskId}/{p}?proto={protocol.ToWire()}");
        });

        app.MapPost("/api/tasks/{id}/exec", async (string id, HttpRequest req, ClusterState state, RunnerGateway gateway) =>
        {
            var taskId = ApiPipeline.ParseId(id);
            var body = await req.ReadJsonAsync(RiverJsonContext.Default.EnvironmentExecRequest);
            // Checked here too, so nothing malformed travels (a NaN timeout could not even be written on).
            var command = ExecCommand.From(body);
            var target = state.ResolveAccess(taskId);
            // The runner enforces the command's timeout; the host waits that long and a margin more.
            var timeout = command.Timeout;
            try
            {
                var result = await gateway.ExecAsync(target.RunnerUrl, taskId, body, timeout, req.HttpContext.RequestAborted);
                return ApiPipeline.Json(result, RiverJsonContext.Default.EnvironmentExecResult);
            }
            catch (RunnerCallException e)
            {
                throw e.StatusCode switch
                {
                    400 => HostException.Invalid(e.Detail),
                    404 or 409 => HostException.Conflict(e.Detail),
                    504 => HostException.TimedOut(e.Detail),
                    null => HostException.Unavailable(e.Detail),
                    _ => HostException.EngineFailed(e.Detail),
                };
            }
        });
    }

    /// <summary>A plain request on a socket path is a 400, whatever the task's state.</summary>
    public static void RequireWebSocket(HttpContext ctx)
    {
        if (!ctx.WebSockets.IsWebSocketRequest)
            throw HostException.Invalid($"{ctx.Request.Path} takes a WebSocket (GET with 'Upgrade: websocket')");
    }

    private static async Task RelayAsync(HttpContext ctx, AccessTarget target, RunnerSockets runners, string runnerPath)
    {
        // The runner's socket first: its refusals (no such container, no network address) reach the client as HTTP
        // answers rather than as a socket that opens and closes at once.
        using var runner = await runners.ConnectAsync(target.RunnerUrl, runnerPath, ctx.RequestAborted);
        using var client = await ctx.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext { KeepAliveInterval = TimeSpan.FromSeconds(30) });
        await WebSocketRelay.RelayAsync(client, runner, ctx.RequestAborted);
    }

    private static string Query(HttpContext ctx, string[] keys)
    {
        var pairs = new List<KeyValuePair<string, StringValues>>();
        foreach (var key in keys)
            if (ctx.Request.Query.TryGetValue(key, out var value))
                pairs.Add(new(key, value));
        return QueryString.Create(pairs).ToUriComponent();
    }
}
