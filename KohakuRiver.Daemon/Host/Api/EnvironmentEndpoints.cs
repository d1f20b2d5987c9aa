using System.Globalization;
using KohakuRiver.Core.Wire;
using KohakuRiver.Daemon.Access;
using KohakuRiver.Daemon.Engine;
using KohakuRiver.Daemon.Host.Environments;
using KohakuRiver.Daemon.Web;

namespace KohakuRiver.Daemon.Host.Api;

/// <summary>Environment endpoints under /api/docker (reference paths), API token.</summary>
public static class EnvironmentEndpoints
{
    public static void MapEnvironmentEndpoints(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/docker");

        api.MapGet("/host/containers", async (EnvironmentService envs, HttpContext ctx) =>
            ApiPipeline.Json(await envs.ListContainersAsync(ctx.RequestAborted), RiverJsonContext.Default.ListEnvironmentContainer));

        api.MapPost("/host/create", async (HttpRequest req, EnvironmentService envs) =>
        {
            var body = await req.ReadJsonAsync(RiverJsonContext.Default.CreateEnvironmentRequest);
            return ApiPipeline.Json(await envs.CreateAsync(body, req.HttpContext.RequestAborted), RiverJsonContext.Default.EnvironmentContainer, 201);
        });

        api.MapPost("/host/start/{env}", async (string env, EnvironmentService envs, HttpContext ctx) =>
        {
            await envs.StartAsync(env, ctx.RequestAborted);
            return Message($"environment {env} started");
        });
        api.MapPost("/host/stop/{env}", async (string env, EnvironmentService envs, HttpContext ctx) =>
        {
            await envs.StopAsync(env, ctx.RequestAborted);
            return Message($"environment {env} stopped");
        });
        api.MapPost("/host/delete/{env}", async (string env, EnvironmentService envs, HttpContext ctx) =>
        {
            await envs.DeleteAsync(env, ctx.RequestAborted);
            return Message($"environment {env}'s container deleted");
        });

        api.MapPost("/host/exec/{env}", async (string env, HttpRequest req, EnvironmentService envs) =>
        {
            var body = await req.ReadJsonAsync(RiverJsonContext.Default.EnvironmentExecRequest);
            return ApiPipeline.Json(await envs.ExecAsync(env, body, req.HttpContext.RequestAborted), RiverJsonContext.Default.EnvironmentExecResult);
        });

        // A shell in the environment's container, on the host's own engine (no runner involved).
        app.MapGet("/ws/docker/host/containers/{env}/terminal", async (string env, HttpContext ctx, EnvironmentService envs, IContainerEngine engine,
            ILoggerFactory logs) =>
        {
            var request = TerminalRequest.From(ctx);
            var container = await envs.RunningContainerIdAsync(env, ctx.RequestAborted);
            await TerminalSession.ServeAsync(ctx, engine, container, request, "the host's Docker engine", $"environment '{env}'",
                logs.CreateLogger("KohakuRiver.Host.Terminal"));
        });

        api.MapGet("/list", (EnvironmentService envs) =>
            ApiPipeline.Json(envs.ListTarballs(), RiverJsonContext.Default.DictionaryStringEnvironmentTarballs));

        api.MapPost("/create_tar/{env}", async (string env, EnvironmentService envs, HttpContext ctx) =>
            ApiPipeline.Json(await envs.PublishAsync(env, ctx.RequestAborted), RiverJsonContext.Default.PublishResult));

        api.MapDelete("/container/{env}", (string env, HttpRequest req, EnvironmentService envs) =>
        {
            long? ts = req.Query.TryGetValue("timestamp", out var v) && !string.IsNullOrEmpty(v)
                ? long.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out var t) ? t : throw ApiException.BadRequest($"timestamp '{v}' is not a whole number")
                : null;
            var n = envs.DeleteTarballs(env, ts);
            return Message($"{n} tarball(s) of {env} deleted");
        });
    }

    private static IResult Message(string text) =>
        ApiPipeline.Json(new MessageResponse { Message = text }, RiverJsonContext.Default.MessageResponse);
}
